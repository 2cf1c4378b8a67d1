"""Per-item derived rows: engagement each owned item gained per day, and inbound items awaiting an answer."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import aliased

from listener.index.sql import (
    PROFILE_ID,
    IndexContext,
    Key,
    KeyedRows,
    LocalDays,
    driver_rows,
    key_chunks,
    key_platforms,
    keys_in_parameters,
    profile_keys_parameters,
    profile_parameter,
    stream,
)
from listener.storage.index_models import EngagementDayRow, OwnedPostRow, ResponseRow
from listener.storage.models import CounterSnapshotRow, EngagementEventRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.reader import utc_time
from listener.storage.tuple_upsert import upsert_tuples
from listener.storage.upsert import table_of
from scoring.business_time import elapsed_seconds, sla_deadline
from scoring.needs_answer import answer_reason
from scoring.sentiment import SCORER_VERSION
from scoring.signals import CounterObservation, attribute_growths, count_by_day, value_at_age

COUNTER_KINDS = ("likes", "shares", "replies", "quotes")
EVENT_COUNTER = {"like": "likes", "share": "shares", "quote": "quotes"}
POST_KINDS = ("post", "quote")
PER_POST_AGE = timedelta(hours=48)
FLUSH_ROWS = 5000
ENGAGEMENT_DAY_ROW = ("profile_id", "platform", "external_id", "day", *COUNTER_KINDS)  # "day" fourth in both
OWNED_POST_ROW = ("profile_id", "platform", "external_id", "day", "engagement", "engagement_48h")


OWNED_LINK = aliased(table_of(ItemProfileRow), name="owned_link")  # built once: an alias copies its columns
PARENT_LINK = aliased(table_of(ItemProfileRow), name="parent_link")


def _owned_links() -> Any:
    return OWNED_LINK


# The queries below are built once per set of platforms (None: every item), run with `_parameters`.
@cache
def _owned_query(platforms: tuple[str, ...] | None) -> Any:
    links, items = _owned_links(), table_of(ItemRow)
    query = (select(items.c.platform, items.c.external_id, items.c.kind, items.c.created_at)
             .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
             .where(links.c.profile_id == PROFILE_ID, links.c.role == "owned",
                    keys_in_parameters(items.c.platform, items.c.external_id, platforms)))
    return query if platforms is not None else query.order_by(items.c.platform, items.c.external_id)


def _owned_items(ctx: IndexContext, keys: list[Key] | None) -> dict[Key, tuple[str, datetime]]:
    rows = ctx.connection.execute(_owned_query(key_platforms(keys)), profile_keys_parameters(ctx, keys))
    return {(p, e): (kind, created) for p, e, kind, created in rows}


@cache
def _snapshot_query(platforms: tuple[str, ...] | None) -> Any:
    links, snaps = _owned_links(), table_of(CounterSnapshotRow)
    return (
        select(snaps.c.platform, snaps.c.external_id, snaps.c.observed_at, *(snaps.c[k] for k in COUNTER_KINDS))
        .join(links, and_(links.c.platform == snaps.c.platform, links.c.external_id == snaps.c.external_id))
        .where(links.c.profile_id == PROFILE_ID, links.c.role == "owned",
               keys_in_parameters(snaps.c.platform, snaps.c.external_id, platforms))
        .order_by(snaps.c.platform, snaps.c.external_id, snaps.c.observed_at))


def _snapshot_values(rows: Iterable[Sequence[Any]]) -> list[tuple[datetime, dict[str, int]]]:
    """One item's snapshot rows as (observed at, counters), oldest first (rows maybe the driver's: `driver_rows`)."""
    return [(utc_time(r[2]), {k: r[3 + i] or 0 for i, k in enumerate(COUNTER_KINDS)}) for r in rows]


def _snapshots(ctx: IndexContext, keys: list[Key] | None) -> dict[Key, list[tuple[datetime, dict[str, int]]]]:
    rows = ctx.connection.execute(_snapshot_query(key_platforms(keys)), profile_keys_parameters(ctx, keys))
    return {key: _snapshot_values(group) for key, group in itertools.groupby(rows, key=lambda r: (r[0], r[1]))}


@cache
def _timed_query(platforms: tuple[str, ...] | None) -> Any:
    links, events = _owned_links(), table_of(EngagementEventRow)
    query = (select(events.c.platform, events.c.item_external_id, events.c.kind, events.c.occurred_at)
             .join(links, and_(links.c.platform == events.c.platform,
                               links.c.external_id == events.c.item_external_id))
             .where(links.c.profile_id == PROFILE_ID, links.c.role == "owned",
                    events.c.occurred_at.is_not(None),
                    keys_in_parameters(events.c.platform, events.c.item_external_id, platforms)))
    return query if platforms is not None else query.order_by(events.c.platform, events.c.item_external_id)


def _timed_values(rows: Iterable[Sequence[Any]]) -> dict[str, list[datetime]]:
    """One item's timed events as counter -> times."""
    found: dict[str, list[datetime]] = defaultdict(list)
    for _platform, _item, kind, occurred_at in rows:
        if kind in EVENT_COUNTER:
            found[EVENT_COUNTER[kind]].append(occurred_at)
    return found


def _timed_events(ctx: IndexContext, keys: list[Key] | None) -> dict[Key, dict[str, list[datetime]]]:
    rows = ctx.connection.execute(_timed_query(key_platforms(keys)), profile_keys_parameters(ctx, keys))
    return {key: _timed_values(group) for key, group in itertools.groupby(
        sorted(rows, key=lambda r: (r[0], r[1])), key=lambda r: (r[0], r[1]))}


def item_engagement_days(created_at: datetime, snapshots: Sequence[tuple[datetime, dict[str, int]]],
                         timed: dict[str, list[datetime]], ctx: IndexContext) -> dict[date, dict[str, float]]:
    """Per local day and counter, engagement an owned item gained.

    A counter whose events carry timestamps (Bluesky likes) is counted on the events' days;
    the others from the growth of counter snapshots, spread over the time between them.
    """
    days: dict[date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTER_KINDS, 0.0))
    grown = [kind for kind in COUNTER_KINDS if not timed.get(kind)]
    observations = [(at, [counts[kind] for kind in grown]) for at, counts in snapshots]
    growths = dict(zip(grown, attribute_growths(created_at, observations, len(grown), ctx.zone), strict=True))
    for kind in COUNTER_KINDS:
        if kind in growths:
            gained = growths[kind]
        else:
            gained = {d: float(n) for d, n in count_by_day(timed[kind], ctx.zone).items()}
        for day, value in gained.items():
            days[day][kind] += value
    return days


@cache
def _old_days_query(model: Any, day_column: str, platforms: tuple[str, ...]) -> Any:
    table = table_of(model)
    return select(table.c[day_column]).where(table.c.profile_id == PROFILE_ID,
                                             keys_in_parameters(table.c.platform, table.c.external_id, platforms))


def _old_days(ctx: IndexContext, model: Any, day_column: str, keys: list[Key] | None) -> set[date]:
    if keys is None:
        return set()
    query = _old_days_query(model, day_column, key_platforms(keys))
    return set(ctx.connection.execute(query, profile_keys_parameters(ctx, keys)).scalars())


@cache
def _delete_keys_statement(model: Any, platforms: tuple[str, ...] | None) -> Any:
    table = table_of(model)
    return delete(table).where(table.c.profile_id == PROFILE_ID,
                               keys_in_parameters(table.c.platform, table.c.external_id, platforms))


def _delete_keys(ctx: IndexContext, model: Any, keys: list[Key] | None) -> None:
    ctx.connection.execute(_delete_keys_statement(model, key_platforms(keys)), profile_keys_parameters(ctx, keys))


class _OwnedRows:
    """Engagement-day and owned-post rows of some owned items, as they will be written."""

    def __init__(self) -> None:
        self.days: list[tuple[Any, ...]] = []  # in ENGAGEMENT_DAY_ROW order
        self.posts: list[tuple[Any, ...]] = []  # in OWNED_POST_ROW order

    def add(self, ctx: IndexContext, key: Key, kind: str, created_at: datetime,
            snapshots: list[tuple[datetime, dict[str, int]]], timed: dict[str, list[datetime]]) -> None:
        """The rows of one owned item."""
        for day, gained in item_engagement_days(created_at, snapshots, timed, ctx).items():
            self.days.append((ctx.profile_id, key[0], key[1], day, *(gained[kind] for kind in COUNTER_KINDS)))
        if kind in POST_KINDS:
            self.posts.append(_post_row(ctx, key, created_at, snapshots))

    def save(self, ctx: IndexContext) -> set[date]:
        """Write the rows; returns their days."""
        upsert_tuples(ctx.connection, EngagementDayRow, ENGAGEMENT_DAY_ROW, self.days,
                      ["profile_id", "platform", "external_id", "day"], COUNTER_KINDS)
        upsert_tuples(ctx.connection, OwnedPostRow, OWNED_POST_ROW, self.posts,
                      ["profile_id", "platform", "external_id"], ["day", "engagement", "engagement_48h"])
        return {r[3] for r in self.days} | {r[3] for r in self.posts}


def refresh_owned(ctx: IndexContext, keys: Iterable[Key] | None) -> set[date]:
    """Rewrite engagement rows of these owned items (None: all, into empty tables); returns the days that changed."""
    if keys is None:
        return _build_all_owned(ctx)
    changed: set[date] = set()
    for chunk in key_chunks(keys):
        assert chunk is not None
        changed |= _old_days(ctx, EngagementDayRow, "day", chunk) | _old_days(ctx, OwnedPostRow, "day", chunk)
        _delete_keys(ctx, EngagementDayRow, chunk)
        _delete_keys(ctx, OwnedPostRow, chunk)
        owned, snapshots, timed = _owned_items(ctx, chunk), _snapshots(ctx, chunk), _timed_events(ctx, chunk)
        rows = _OwnedRows()
        for key, (kind, created_at) in owned.items():
            rows.add(ctx, key, kind, created_at, snapshots.get(key, []), timed.get(key, {}))
        changed |= rows.save(ctx)
    return changed


def _build_all_owned(ctx: IndexContext) -> set[date]:
    """Every owned item's rows: the items, their snapshots and their timed events each read once, in step by key."""
    everyone = profile_parameter(ctx)
    snapshots = KeyedRows(driver_rows(ctx, _snapshot_query(None), everyone))
    timed = KeyedRows(stream(ctx, _timed_query(None), everyone))
    changed: set[date] = set()
    rows = _OwnedRows()
    for platform, external_id, kind, created_at in driver_rows(ctx, _owned_query(None), everyone):
        key = (platform, external_id)
        rows.add(ctx, key, kind, utc_time(created_at), _snapshot_values(snapshots.take(key)),
                 _timed_values(timed.take(key)))
        if len(rows.days) >= FLUSH_ROWS:
            changed |= rows.save(ctx)
            rows = _OwnedRows()
    return changed | rows.save(ctx)


def _post_row(ctx: IndexContext, key: Key, created_at: datetime,
              snapshots: Sequence[tuple[datetime, dict[str, int]]]) -> tuple[Any, ...]:
    totals = [CounterObservation(at, sum(counts.values())) for at, counts in snapshots]
    return (ctx.profile_id, key[0], key[1], ctx.day_of(created_at), float(totals[-1].total) if totals else 0.0,
            value_at_age(created_at, totals, PER_POST_AGE))


@cache
def _inbound_items_query(platforms: tuple[str, ...] | None) -> Any:
    links, items, scores = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
    parent_link = PARENT_LINK
    return (
        select(items.c.platform, items.c.external_id, items.c.kind, items.c.text, items.c.created_at,
               items.c.author_external_id, scores.c.compound, parent_link.c.id.is_not(None))
        .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
        .outerjoin(scores, and_(scores.c.platform == items.c.platform, scores.c.external_id == items.c.external_id,
                                scores.c.scorer_version == SCORER_VERSION))
        .outerjoin(parent_link, and_(parent_link.c.profile_id == PROFILE_ID, parent_link.c.role == "owned",
                                     parent_link.c.platform == items.c.platform,
                                     parent_link.c.external_id == items.c.parent_external_id))
        .where(links.c.profile_id == PROFILE_ID, links.c.role == "inbound", items.c.kind.not_in(("share", "review")),
               keys_in_parameters(items.c.platform, items.c.external_id, platforms)))


def _inbound_items(ctx: IndexContext, keys: list[Key] | None) -> Any:
    return ctx.connection.execute(_inbound_items_query(key_platforms(keys)), profile_keys_parameters(ctx, keys))


@cache
def _first_owned_replies_query(platforms: tuple[str, ...] | None) -> Any:
    links, items = _owned_links(), table_of(ItemRow)
    return (
        select(items.c.platform, items.c.parent_external_id, items.c.created_at, items.c.external_id)
        .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
        .where(links.c.profile_id == PROFILE_ID, links.c.role == "owned", items.c.parent_external_id.is_not(None),
               keys_in_parameters(items.c.platform, items.c.parent_external_id, platforms)))


def first_owned_replies(ctx: IndexContext, parents: list[Key] | None) -> dict[Key, tuple[datetime, str]]:
    """The earliest owned reply to each parent item: (when, its external id)."""
    rows = ctx.connection.execute(_first_owned_replies_query(key_platforms(parents)),
                                  profile_keys_parameters(ctx, parents))
    first: dict[Key, tuple[datetime, str]] = {}
    for platform, parent, created_at, external_id in rows:
        key = (platform, parent)
        if key not in first or created_at < first[key][0]:
            first[key] = (created_at, external_id)
    return first


RESPONSE_COLUMNS = ("profile_id", "platform", "external_id", "author_external_id", "reason", "created_at",
                    "deadline_at", "deadline_day", "first_reply_at", "first_reply_external_id", "reply_seconds")
DEADLINE_DAY = RESPONSE_COLUMNS.index("deadline_day")


class ResponseRule:
    """The responses row of one inbound item, if it needs an answer (values in RESPONSE_COLUMNS order)."""

    def __init__(self, ctx: IndexContext, replies: dict[Key, tuple[datetime, str]],
                 day_of: LocalDays | None = None) -> None:
        """`day_of`: the local days to use, if another pass over the same times has one."""
        self._business, self._sla_hours, self._zone = ctx.business, ctx.index.sla_hours, ctx.zone
        self._profile_id, self._replies = ctx.profile_id, replies
        self._day_of = LocalDays(ctx.zone) if day_of is None else day_of

    def row(self, platform: str, external_id: str, kind: str, text: str | None, created_at: datetime,
            author: str | None, compound: float | None, parent_owned: Any) -> tuple[Any, ...] | None:
        """The row, or None when the item needs no answer."""
        reason = answer_reason(kind, text or "", compound, bool(parent_owned))
        if reason is None:
            return None
        business, zone = self._business, self._zone
        deadline = sla_deadline(created_at, self._sla_hours, zone, business)
        reply = self._replies.get((platform, external_id))
        reply_at, reply_id = reply if reply and reply[0] >= created_at else (None, None)
        return (self._profile_id, platform, external_id, author, reason, created_at, deadline, self._day_of(deadline),
                reply_at, reply_id, elapsed_seconds(created_at, reply_at, zone, business) if reply_at else None)


def response_rows(ctx: IndexContext, items: Iterable[Sequence[Any]],
                  replies: dict[Key, tuple[datetime, str]]) -> Iterator[tuple[Any, ...]]:
    """The responses rows (values in RESPONSE_COLUMNS order) of the inbound items that need an answer."""
    rule = ResponseRule(ctx, replies)
    for item in items:
        row = rule.row(*item)
        if row is not None:
            yield row


def _save_responses(ctx: IndexContext, rows: list[tuple[Any, ...]]) -> None:
    upsert_tuples(ctx.connection, ResponseRow, RESPONSE_COLUMNS, rows, ["profile_id", "platform", "external_id"],
                  ["reason", "deadline_at", "deadline_day", "first_reply_at", "first_reply_external_id",
                   "reply_seconds"])


def owned_keys(ctx: IndexContext) -> set[Key]:
    """The keys of the profile's own items."""
    links = _owned_links()
    rows = ctx.connection.execute(select(links.c.platform, links.c.external_id)
                                  .where(links.c.profile_id == ctx.profile_id, links.c.role == "owned"))
    return {(platform, external_id) for platform, external_id in rows}


class ResponseWriter:
    """Responses rows of inbound items met one by one (a rebuild's walk over them), written in batches."""

    def __init__(self, ctx: IndexContext, replies: dict[Key, tuple[datetime, str]],
                 day_of: LocalDays | None = None) -> None:
        """`replies`: the first owned reply to each item (`first_owned_replies`); `day_of` as `ResponseRule`'s."""
        self._ctx, self._rule = ctx, ResponseRule(ctx, replies, day_of)
        self._owned = owned_keys(ctx)  # "is the parent owned" looked up here: joined, it cost the read a fifth
        self._rows: list[tuple[Any, ...]] = []

    def add(self, item: Sequence[Any]) -> None:
        """One inbound item's values, in `ResponseRule.row`'s order but with its parent's external id last."""
        platform, external_id, kind, text, created_at, author, compound, parent = item
        row = self._rule.row(platform, external_id, kind, text, created_at, author, compound,
                             parent is not None and (platform, parent) in self._owned)
        if row is not None:
            self._rows.append(row)
            if len(self._rows) >= FLUSH_ROWS:
                self.flush()

    def flush(self) -> None:
        """Write the rows held."""
        _save_responses(self._ctx, self._rows)
        self._rows = []


def refresh_responses(ctx: IndexContext, keys: Iterable[Key] | None) -> set[date]:
    """Rewrite the responses rows of these inbound items (None: all); returns deadline days that changed.

    All items are streamed in one query (a rebuild); a few are looked up by key (an update).
    """
    changed: set[date] = set()
    for chunk in key_chunks(keys):
        changed |= _old_days(ctx, ResponseRow, "deadline_day", chunk)
        _delete_keys(ctx, ResponseRow, chunk)
        rows = response_rows(ctx, _inbound_items(ctx, chunk), first_owned_replies(ctx, chunk))
        while batch := list(itertools.islice(rows, FLUSH_ROWS)):
            _save_responses(ctx, batch)
            changed.update(row[DEADLINE_DAY] for row in batch)
    return changed
