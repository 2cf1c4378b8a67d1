"""The root `ror` group builds only the command being run: typer would build all of them on every call."""

# Start-up time: typer turns a registered function into a click command by reading its signature and
# building every option (~0.3 ms a command, ~15 ms for the whole tree). Registering stays eager and
# cheap (a decorator records the function), so the names, their order and `ror --help` are typer's own;
# only the conversion waits until a command is run, listed or completed.

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo


class LazyCommands(MutableMapping[str, Any]):
    """Name -> click command of every command in a typer registry, each built on first access."""

    def __init__(self, registry: typer.Typer, group: TyperGroup, built: MutableMapping[str, Any]) -> None:
        self._registry, self._group, self._built = registry, group, dict(built)
        self._infos: dict[str, CommandInfo | TyperInfo] | None = None

    def infos(self) -> dict[str, CommandInfo | TyperInfo]:
        """Every registered command and sub-group by its name, in typer's order (commands, then groups)."""
        if self._infos is None:
            infos: dict[str, CommandInfo | TyperInfo] = {}
            for command in self._registry.registered_commands:
                assert command.callback is not None, "a command needs a function"
                infos[command.name or typer.main.get_command_name(command.callback.__name__)] = command
            for group in self._registry.registered_groups:
                name = typer.main.solve_typer_info_defaults(group).name
                assert name, "a sub-group of the root needs a name"
                infos[name] = group
            self._infos = infos
        return self._infos

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = self._build(self.infos()[name])
        return self._built[name]

    def _build(self, info: CommandInfo | TyperInfo) -> Any:
        short, markup = self._registry.pretty_exceptions_short, self._group.rich_markup_mode
        if isinstance(info, CommandInfo):
            return typer.main.get_command_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup)
        return typer.main.get_group_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup,
                                              suggest_commands=self._group.suggest_commands)

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands are removed from the registry, not from the built group")

    def __iter__(self) -> Iterator[str]:
        yield from self.infos()
        yield from (name for name in self._built if name not in self.infos())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def lazy_group(registry: typer.Typer) -> type[TyperGroup]:
    """A TyperGroup class whose commands are `registry`'s, built one at a time (pass it as `typer.Typer(cls=...)`)."""

    class LazyGroup(TyperGroup):
        """The root group: every command of the registry, built when it is run, listed or completed."""

        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            self.commands = LazyCommands(registry, self, self.commands)

    return LazyGroup
