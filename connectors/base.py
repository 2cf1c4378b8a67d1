"""What connectors produce (items, authors, events, pages) and how a stream is declared."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Literal, TypeVar

from connectors.source_settings import SourceSettings

ItemKind = Literal["post", "reply", "comment", "share", "quote", "review", "mention"]
Role = Literal["owned", "inbound"]
EventKind = Literal["like", "share", "quote"]


def check_text(owner: str, **fields: Any) -> None:
    """TypeError naming the field when a text field got another type (a platform's schema drifted).

    Mappings copy optional text straight from the payload; this stops a dict or a number from
    reaching the store, where it would fail the whole page instead of quarantining one record.
    """
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{owner}.{name}: expected text, got {type(value).__name__} {str(value)[:40]!r}")


_PLAIN_TEXT = frozenset({str, type(None)})  # the types check_text passes without a look (it is run twice an item)


_Frozen = TypeVar("_Frozen")


class _Factory:
    """The default of a parameter whose field has a default factory (shown as dataclasses show it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def fields_set_at_once(cls: type[_Frozen]) -> type[_Frozen]:
    """A frozen dataclass with an __init__ that stores every field in one dict update, then runs __post_init__,
    and a `new` that builds one the same way without calling the class.

    dataclasses' own __init__ of a frozen class calls object.__setattr__ once per field: an item, its author
    and its counters are 27 calls, a tenth of a sync's work. The replacement takes the same parameters in
    the same order, with the same defaults and default factories (built the way dataclasses builds its own).
    Calling a class in Python 3.11 turns keyword arguments into a dict and back on the way to __init__ (an
    item built with keywords cost twice what the same call of a function does): `new` is that function.
    """
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY, "_cls": cls, "_new": object.__new__}
    parameters, lines = [], []
    declared = fields(cls)  # type: ignore[arg-type]  # a dataclass, which TypeVar bounds cannot say
    for each in declared:
        if each.default is not MISSING:
            namespace[f"_default_{each.name}"] = each.default
            parameters.append(f"{each.name}=_default_{each.name}")
        elif each.default_factory is not MISSING:
            namespace[f"_factory_{each.name}"] = each.default_factory
            parameters.append(f"{each.name}=_FACTORY")
            lines.append(f"    if {each.name} is _FACTORY: {each.name} = _factory_{each.name}()")
        else:
            parameters.append(each.name)
    stored = ", ".join(f"{each.name!r}: {each.name}" for each in declared)
    lines.append(f"    self.__dict__.update({{{stored}}})")
    if hasattr(cls, "__post_init__"):
        lines.append("    self.__post_init__()")
    exec("\n".join([f"def __init__(self, {', '.join(parameters)}) -> None:", *lines]), namespace)
    exec("\n".join([f"def new({', '.join(parameters)}):", "    self = _new(_cls)", *lines, "    return self"]),
         namespace)
    for name in ("__init__", "new"):
        made = namespace[name]
        made.__qualname__, made.__module__ = f"{cls.__qualname__}.{name}", cls.__module__
    setattr(cls, "__init__", namespace["__init__"])  # noqa: B010 - mypy refuses assigning to a method
    setattr(cls, "new", staticmethod(namespace["new"]))  # noqa: B010 - the classes declare it as a ClassVar
    return cls


@fields_set_at_once
@dataclass(frozen=True)
class Author:
    """A person or account on a platform, as seen at fetch time."""

    new: ClassVar[type[Author]]  # Author(...) without the class call's cost (fields_set_at_once)
    platform: str
    external_id: str
    handle: str
    display_name: str | None = None
    url: str | None = None
    followers: int | None = None
    following: int | None = None

    def __post_init__(self) -> None:
        if not {type(self.handle), type(self.display_name), type(self.url)} <= _PLAIN_TEXT:
            check_text("author", handle=self.handle, display_name=self.display_name, url=self.url)


@fields_set_at_once
@dataclass(frozen=True)
class Counters:
    """Engagement counters the platform reports for an item (None = not reported)."""

    new: ClassVar[type[Counters]]  # Counters(...) without the class call's cost (fields_set_at_once)
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None


@fields_set_at_once
@dataclass(frozen=True)
class Item:
    """Anything collected: a post, reply, share, quote, review or mention."""

    new: ClassVar[type[Item]]  # Item(...) without the class call's cost (fields_set_at_once)
    platform: str
    external_id: str
    kind: ItemKind
    role: Role
    author: Author | None
    text: str
    created_at: datetime
    url: str | None = None
    language: str | None = None
    parent_external_id: str | None = None
    root_external_id: str | None = None
    counters: Counters = field(default_factory=Counters)
    rating: float | None = None
    rating_scale: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not {type(self.text), type(self.url), type(self.language)} <= _PLAIN_TEXT:
            check_text("item", text=self.text, url=self.url, language=self.language)


@dataclass(frozen=True)
class EngagementEvent:
    """Someone liked or shared an item, where the platform says who (and maybe when)."""

    platform: str
    item_external_id: str
    actor: Author
    kind: EventKind
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be parsed: kept with its error, never silently dropped."""

    error: str
    payload: Any
    external_id: str | None = None


@dataclass
class Page:
    """One page of a stream: what it holds and the cursor that is safe once it is stored."""

    items: list[Item] = field(default_factory=list)
    events: list[EngagementEvent] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    bad_records: list[BadRecord] = field(default_factory=list)
    cursor: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)  # rule ("deleted", "too old", ...) -> records left out
    unexpanded: int = 0  # parts that could not be read (comment stubs, threads): counted, never silent
    problems: list[str] = field(default_factory=list)  # why those parts could not be read, one line each

    def skip(self, rule: str, count: int = 1) -> None:
        """Count records a rule left out on purpose (deleted, too old, a boost, ...)."""
        if count:
            self.skipped[rule] = self.skipped.get(rule, 0) + count

    def could_not_expand(self, count: int, problem: str) -> None:
        """Count parts that could not be read, with the reason."""
        self.unexpanded += count
        self.problems.append(problem)


@dataclass(frozen=True)
class SyncContext:
    """What the store tells a stream before it runs (connectors never read the database)."""

    cursor: str | None
    now: datetime
    recent_owned_ids: Sequence[str] = ()


class Stream:
    """A named sequence of pages with its own cursor; subclasses declare and override."""

    name: str = ""  # a class default; streams built per feed set their own

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        """Yield pages in an order where each page's cursor is safe once it is stored."""
        raise NotImplementedError


class Connector:
    """A platform: its settings model and the streams one source of it runs.

    Subclasses are built as `Connector(settings, session, secrets)` where `secrets` maps
    the names from `settings.secret_env_names()` to their values.
    """

    platform: ClassVar[str] = ""
    settings_model: ClassVar[type[SourceSettings]] = SourceSettings
    description: ClassVar[str] = ""
    auth: ClassVar[str] = ""
    rate_limit_headers: ClassVar[Any] = None

    def streams(self) -> list[Stream]:
        """The streams this source runs, in order."""
        raise NotImplementedError

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        """Parse a quarantined record again with today's mapping: its items ([] when a rule now skips it).

        Raises MalformedItemError (or the parse error) when the record is still broken, and
        NotImplementedError for platforms that cannot re-parse a lone record.
        """
        raise NotImplementedError(f"{self.platform}: quarantined records cannot be re-parsed yet")
