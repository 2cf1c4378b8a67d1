"""Local days as UTC spans in a table (local_day_bounds), so SQL can group rows by the profile's local day.

SQL databases here have no time-zone rules of their own (SQLite none at all), so the spans are
worked out in Python from the zone's rules, one row per local day that has data, and queries
join a row's time to the span it falls in. A day's span runs from its first moment to the next
day's first moment: the spans never overlap, a skipped day's is empty, and a moment's span is
the day `local_day` gives it (moments before FIRST_DAY and after LAST_DAY are in those days, as
`local_day` clamps them).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, select

from listener.index.sql import IndexContext, chunked, epoch_seconds
from listener.storage.index_models import LocalDayBoundsRow
from listener.storage.models import ItemProfileRow
from listener.storage.upsert import table_of
from scoring.signals import FIRST_DAY, LAST_DAY, day_bounds, local_day

SECONDS_PER_DAY = 86400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A moment's local day is within a day of its UTC date, and SQL's integer division rounds towards zero
# (a day late before 1970): the UTC dates' neighbours this far either side cover every local day.
MARGIN_DAYS = 2
ONE_MICROSECOND = timedelta(microseconds=1)
EARLIEST, LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def day_start(day: date, zone: tzinfo) -> datetime:
    """The first UTC moment whose local day is `day` or later (the end of time past LAST_DAY)."""
    if day <= FIRST_DAY:
        return EARLIEST
    if day > LAST_DAY:
        return LATEST
    guess = day_bounds(day, zone)[0].astimezone(UTC)  # local midnight; may not exist, or not be the first moment
    try:
        if local_day(guess, zone) >= day > local_day(guess - ONE_MICROSECOND, zone):
            return guess
        low, high = guess - timedelta(days=2), guess + timedelta(days=2)
    except OverflowError:  # next to the calendar's ends
        return guess
    while high - low > ONE_MICROSECOND:  # local days never go back in time: the first moment on or after `day`
        middle = low + (high - low) // 2
        if local_day(middle, zone) >= day:
            high = middle
        else:
            low = middle
    return high


def _days_with_links(ctx: IndexContext) -> set[date]:
    """Every local day any of the profile's item links could be on (their UTC dates and neighbours)."""
    links = table_of(ItemProfileRow)
    day_number = epoch_seconds(links.c.created_at, ctx.connection.dialect.name) // SECONDS_PER_DAY
    numbers = ctx.connection.execute(
        select(day_number).distinct().where(links.c.profile_id == ctx.profile_id)).scalars()
    first, last = FIRST_DAY.toordinal(), LAST_DAY.toordinal()
    ordinals = {EPOCH_ORDINAL + n + shift for n in numbers for shift in range(-MARGIN_DAYS, MARGIN_DAYS + 1)}
    return {date.fromordinal(min(max(o, first), last)) for o in ordinals}


def ensure_day_bounds(ctx: IndexContext, days: Iterable[date] | None) -> None:
    """Store the spans of these local days (None: of every day with item links) that are not stored yet."""
    table = table_of(LocalDayBoundsRow)
    wanted = _days_with_links(ctx) if days is None else set(days)
    stored: set[date] = set()
    for chunk in chunked(sorted(wanted)):
        stored.update(ctx.connection.execute(select(table.c.day).where(
            table.c.profile_id == ctx.profile_id, table.c.day.in_(chunk))).scalars())
    missing = sorted(wanted - stored)
    if not missing:
        return
    starts: dict[date, datetime] = {}

    def start(day: date) -> datetime:
        if day not in starts:
            starts[day] = day_start(day, ctx.zone)
        return starts[day]

    ctx.connection.execute(insert(table), [
        {"profile_id": ctx.profile_id, "day": day, "starts_at": start(day), "ends_at": start(day + timedelta(days=1))}
        for day in missing])


def on_local_day(column: Any) -> ColumnElement[bool]:
    """Join condition: the time `column` falls in the local_day_bounds row's span."""
    table = table_of(LocalDayBoundsRow)
    return and_(column >= table.c.starts_at, column < table.c.ends_at)
