"""The root `ror` group builds only the command being run, yet lists, helps and suggests as typer's eager build."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from listener.cli.app import commands, main_options
from listener.cli.main import app


def eager_root() -> typer.Typer:
    """The same root as `ror`, built the way typer builds it by default: every command up front."""
    root = typer.Typer(help=app.info.help, no_args_is_help=True, pretty_exceptions_enable=False, callback=main_options)
    root.add_typer(commands)  # no name: the registry's commands become the root's own
    return root


def every_command_line() -> list[list[str]]:
    """Each command and sub-command as the words that run it."""
    root: Any = typer.main.get_command(eager_root())
    lines: list[list[str]] = []
    for name, command in root.commands.items():
        lines.append([name])
        lines.extend([name, sub] for sub in getattr(command, "commands", {}))
    return lines


def test_root_lists_the_same_commands_in_the_same_order_as_typer() -> None:
    lazy: Any = typer.main.get_command(app)
    eager: Any = typer.main.get_command(eager_root())
    assert list(lazy.commands) == list(eager.commands)
    assert len(lazy.commands) > 20 and "status" in lazy.commands and "import" in lazy.commands


@pytest.mark.parametrize(("words", "shown"), [([], "status"), (["--help"], "import"),
                                             (["stat"], "Did you mean 'status'"), (["nothing"], "No such command")])
def test_root_help_and_errors_are_typers_own(words: list[str], shown: str) -> None:
    lazy, eager = CliRunner().invoke(app, words, terminal_width=160), CliRunner().invoke(eager_root(), words,
                                                                                         terminal_width=160)
    assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output)
    assert shown in lazy.output


def test_every_command_help_is_typers_own() -> None:
    for words in every_command_line():
        lazy = CliRunner().invoke(app, [*words, "--help"], terminal_width=160)
        eager = CliRunner().invoke(eager_root(), [*words, "--help"], terminal_width=160)
        assert lazy.output == eager.output and lazy.exit_code == eager.exit_code == 0, words


def test_running_a_command_builds_only_that_command(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    build = typer.main.get_command_from_info

    def recording(*info: Any, **settings: Any) -> Any:
        command = build(*info, **settings)
        built.append(command.name)
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", recording)
    assert CliRunner().invoke(app, ["init", "--help"]).exit_code == 0
    assert built == ["init"]
    built.clear()
    assert CliRunner().invoke(app, ["config", "check", "--help"]).exit_code == 0
    assert built == ["check"]
