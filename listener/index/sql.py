"""SQL helpers for the index: local-day ranges, epoch seconds, key filters, the update context."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    or_,
    true,
)

from listener.config.settings import IndexConfig
from listener.storage.id_lists import in_id_list, in_named_id_list
from listener.storage.models import ItemProfileRow
from listener.storage.upsert import table_of
from scoring.business_time import BusinessHours
from scoring.signals import day_bounds, local_day

ONE_MICROSECOND = timedelta(microseconds=1)
KEY_CHUNK = 400  # values bound one parameter each (an expanding IN): well under the drivers' limits
# Keys for `keys_in`, whose ids are bound as one list value per platform: no parameter limit, so chunks
# only bound the rows read at once; a poll of 1,000 items reads each of its queries once, not three times.
KEY_LIST_CHUNK = 5000
Key = tuple[str, str]
T = TypeVar("T")


@dataclass(frozen=True)
class IndexContext:
    """One profile's update: the open transaction, the profile, its settings and the moment."""

    connection: Connection
    profile_id: int
    zone: ZoneInfo
    index: IndexConfig
    now: datetime

    @property
    def today(self) -> date:
        """The profile's local day now."""
        return local_day(self.now, self.zone)

    @property
    def business(self) -> BusinessHours | None:
        """Opening hours for the SLA clock, when configured."""
        if not self.index.business_hours:
            return None
        return BusinessHours.parse(self.index.business_hours, self.index.business_days)

    def day_of(self, moment: datetime) -> date:
        """The local day of a moment."""
        return local_day(moment, self.zone)


def chunked(values: Iterable[T], size: int = KEY_CHUNK) -> Iterator[list[T]]:
    """Lists of at most `size` values (IN lists under the drivers' parameter limits; KEY_LIST_CHUNK for keys_in)."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def key_chunks(keys: Iterable[Key] | None) -> Iterator[list[Key] | None]:
    """Chunks of keys for `keys_in`, or a single None meaning "all keys"."""
    if keys is None:
        yield None
        return
    yield from chunked(sorted(keys), KEY_LIST_CHUNK)


def keys_in(platform: Any, external_id: Any, keys: Sequence[Key] | None) -> ColumnElement[bool]:
    """(platform, id) IN keys; true() for None (all), false() for an empty list."""
    if keys is None:
        return true()
    if not keys:
        return false()
    # Not tuple_(...).in_(...): SQLite would only use the index's first column for a row-value IN.
    # The ids bound as one value: SQLAlchemy renders (and SQLite prepares) an expanding IN anew for every length.
    return or_(*(and_(platform == p, in_id_list(external_id, ids)) for p, ids in _ids_by_platform(keys)))


def _ids_by_platform(keys: Iterable[Key]) -> list[tuple[str, list[str]]]:
    by_platform: dict[str, list[str]] = defaultdict(list)
    for key_platform, key_id in keys:
        by_platform[key_platform].append(key_id)
    return sorted(by_platform.items())


# For statements built once and run with new values: the profile's id as a parameter (see `profile_parameter`).
PROFILE_ID = bindparam("profile_id", type_=Integer)


def profile_parameter(ctx: IndexContext) -> dict[str, int]:
    """The value of PROFILE_ID in this update."""
    return {"profile_id": ctx.profile_id}


def key_platforms(keys: Sequence[Key] | None) -> tuple[str, ...] | None:
    """The platforms of these keys, in the order `keys_parameters` numbers them (None: all keys)."""
    return None if keys is None else tuple(platform for platform, _ in _ids_by_platform(keys))


def keys_in_parameters(platform: Any, external_id: Any, platforms: tuple[str, ...] | None,
                       name: str = "keys") -> ColumnElement[bool]:
    """`keys_in` for a statement built once per set of platforms: the ids are parameters (`keys_parameters`)."""
    if platforms is None:
        return true()
    if not platforms:
        return false()
    return or_(*(and_(platform == p, in_named_id_list(external_id, f"{name}_{i}")) for i, p in enumerate(platforms)))


def keys_parameters(keys: Sequence[Key] | None, name: str = "keys") -> dict[str, list[str]]:
    """The values of `keys_in_parameters(..., key_platforms(keys), name)`: each platform's ids."""
    if keys is None:
        return {}
    return {f"{name}_{i}": ids for i, (_, ids) in enumerate(_ids_by_platform(keys))}


def profile_keys_parameters(ctx: IndexContext, keys: Sequence[Key] | None) -> dict[str, Any]:
    """PROFILE_ID's value and the keys' (`keys_parameters`)."""
    return {**profile_parameter(ctx), **keys_parameters(keys)}


def is_owned_item(ctx: IndexContext | None, platform: Any, external_id: Any) -> ColumnElement[bool]:
    """The item these columns name is one of the profile's own.

    An EXISTS, not a join to the links: the query stays driven by its own conditions (a range of new
    event ids, say). Joined, SQLite scanned all the profile's links when the other table had no statistics
    (it was empty at the last ANALYZE), per update, however few rows were new. Without `ctx`, the profile is
    the PROFILE_ID parameter.
    """
    links = table_of(ItemProfileRow)
    profile = PROFILE_ID if ctx is None else ctx.profile_id
    return exists().where(links.c.profile_id == profile, links.c.platform == platform,
                          links.c.external_id == external_id, links.c.role == "owned")


def epoch_seconds(column: Any, dialect: str) -> ColumnElement[int]:
    """Whole seconds since 1970 (UTC) of a time column, in SQL."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


class LocalDays:
    """`local_day` for many aware moments: each local day's span is found once and remembered.

    Local days only move forward with time, so once the first and the last microsecond of the span
    `day_bounds` gives are both on the day, every moment between them is too; a span that does not
    check out is not remembered. Spans are filed under the UTC dates they cover, so moments in any
    order (a rebuild reads inbound items person by person) find theirs by their own date.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._spans: dict[date, list[tuple[datetime, datetime, date]]] = {}  # UTC date -> [start, end) and day

    def __call__(self, moment: datetime) -> date:
        """The local day of this moment."""
        for start, end, day in self._spans.get(moment.date(), ()):  # a UTC moment's own date: its spans
            if start <= moment < end:
                return day
        zone = self._zone
        day = local_day(moment, zone)
        try:
            start, end = (bound.astimezone(UTC) for bound in day_bounds(day, zone))
        except (OverflowError, ValueError):  # a day at the calendar's ends: not remembered
            return day
        last = end - ONE_MICROSECOND
        if start <= moment < end and local_day(start, zone) == day and local_day(last, zone) == day:
            for covered in range(start.toordinal(), last.toordinal() + 1):
                self._spans.setdefault(date.fromordinal(covered), []).append((start, end, day))
        return day


def day_ranges(days: Iterable[date], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """UTC [start, end) ranges covering the local days, consecutive days merged."""
    ranges: list[tuple[datetime, datetime]] = []
    previous = None
    for day in sorted(set(days)):
        start, end = day_bounds(day, zone)
        if previous is not None and day == previous + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
        previous = day
    return ranges


def in_ranges(column: Any, ranges: Sequence[tuple[datetime, datetime]] | None) -> ColumnElement[bool]:
    """column within any of the ranges; true() for None (everything)."""
    if ranges is None:
        return true()
    if not ranges:
        return false()
    return or_(*(and_(column >= start, column < end) for start, end in ranges))


def days_from(first: date, last: date) -> set[date]:
    """Every day from first to last, inclusive (empty when first > last)."""
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


STREAM_ROWS = 2000
STREAMED = {"stream_results": True, "yield_per": STREAM_ROWS}


def stream(ctx: IndexContext, query: Any, parameters: dict[str, Any] | None = None) -> Any:
    """A query's rows as they come (through a server-side cursor where the driver would hold them all)."""
    return ctx.connection.execute(query, parameters, execution_options=STREAMED)


def driver_rows(ctx: IndexContext, query: Any, parameters: dict[str, Any] | None = None) -> Iterator[Sequence[Any]]:
    """A query's rows as they come, on SQLite as the driver's own tuples: no SQLAlchemy row, no type processing.

    For a hot read whose columns need no processing but their times, which the caller decodes with
    `utc_time` (SQLite keeps times as text; elsewhere rows come processed, and `utc_time` returns an equal
    time). At a rebuild's 17,632 touch rows the rows and processors cost a tenth of the walk over them.
    """
    if ctx.connection.dialect.name != "sqlite":
        yield from stream(ctx, query, parameters)
        return
    result = ctx.connection.execute(query, parameters)  # SQLAlchemy's statement cache applies; nothing fetched yet
    try:
        # Through a chain, which has no close() for `yield from` to call when the walk is left early: the
        # cursor is closed below, unless its connection went first.
        rows: Iterable[Sequence[Any]] = result.cursor  # type: ignore[assignment]  # DB-API cursors iterate rows
        yield from itertools.chain(rows)
    finally:
        if not ctx.connection.closed:  # a walk left by an error ends after its connection, maybe
            result.close()


class KeyedRows:
    """Rows of one query ordered by their first two columns (a key), taken key by key in that order.

    Several such queries over the same keys, each ordered by the database, are walked in step
    with a query of the keys themselves: every stream holds only keys the key query has.
    """

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._groups = itertools.groupby(rows, key=itemgetter(0, 1))
        self._next = next(self._groups, None)

    def take(self, key: Key) -> list[Any]:
        """The rows of this key if the stream is at it, else none."""
        if self._next is None or self._next[0] != key:
            return []
        rows = list(self._next[1])
        self._next = next(self._groups, None)
        return rows
