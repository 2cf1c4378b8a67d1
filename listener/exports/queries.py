"""Store reads for one weekly summary, each bounded by a time range on an indexed column.

Every query starts from `item_profiles` by (profile_id, created_at) (ix_item_profiles_created)
or from a unique key, so the cost follows the size of the week, not of the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Join, and_, or_, select

from listener.exports.records import (
    EventRecord,
    ItemDetail,
    ItemRecord,
    PointRecord,
    ReplyRecord,
    SnapshotRecord,
)
from listener.storage.models import (
    AccountRow,
    AuthorRow,
    CounterSnapshotRow,
    EngagementEventRow,
    FollowerCountRow,
    IndexPointRow,
    ItemProfileRow,
    ItemRow,
    ProfileRow,
    SentimentRow,
)
from listener.storage.upsert import table_of
from scoring.sentiment import SCORER_VERSION

CHUNK = 500
# An event without a timestamp that was first seen within this long of its item's first
# fetch came with a backfill: when it happened is unknown, so it goes on the item's
# creation, like the first counter snapshot does in the aggregator.
SAME_SYNC_TOLERANCE = timedelta(hours=1)

LINKS, ITEMS, SCORES = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
SNAPSHOTS, EVENTS, AUTHORS = table_of(CounterSnapshotRow), table_of(EngagementEventRow), table_of(AuthorRow)


def _item_join() -> Join:
    return LINKS.join(ITEMS, and_(ITEMS.c.platform == LINKS.c.platform, ITEMS.c.external_id == LINKS.c.external_id))


def _in_range(profile_id: int, start: datetime, end: datetime, role: str | None = None) -> list[ColumnElement[bool]]:
    conditions = [LINKS.c.profile_id == profile_id, LINKS.c.created_at >= start, LINKS.c.created_at < end]
    return conditions + ([LINKS.c.role == role] if role else [])


def find_profile_id(connection: Connection, name: str) -> int | None:
    """The stored profile's id, or None if nothing was ever stored for it."""
    profiles = table_of(ProfileRow)
    return connection.execute(select(profiles.c.id).where(profiles.c.name == name)).scalar_one_or_none()


def fetch_items(connection: Connection, profile_id: int, start: datetime, end: datetime) -> list[ItemRecord]:
    """Items linked to the profile and created in [start, end), with their current sentiment."""
    sentiment = and_(SCORES.c.platform == LINKS.c.platform, SCORES.c.external_id == LINKS.c.external_id,
                     SCORES.c.scorer_version == SCORER_VERSION)
    rows = connection.execute(
        select(LINKS.c.platform, LINKS.c.external_id, LINKS.c.role, ITEMS.c.kind, ITEMS.c.author_external_id,
               ITEMS.c.parent_external_id, LINKS.c.created_at, ITEMS.c.text, SCORES.c.status, SCORES.c.compound,
               ITEMS.c.rating, ITEMS.c.rating_scale, ITEMS.c.likes, ITEMS.c.shares, ITEMS.c.replies, ITEMS.c.quotes)
        .select_from(_item_join().outerjoin(SCORES, sentiment))
        .where(*_in_range(profile_id, start, end))
    )
    return [ItemRecord(platform, external_id, role, kind, author, parent, created, text, status, compound, rating,
                       scale, tuple(counters))
            for (platform, external_id, role, kind, author, parent, created, text, status, compound, rating, scale,
                 *counters) in rows]


def fetch_inbound_authors(connection: Connection, profile_id: int, start: datetime,
                          end: datetime) -> set[tuple[str, str]]:
    """Distinct (platform, author) of inbound items created in [start, end)."""
    rows = connection.execute(
        select(LINKS.c.platform, ITEMS.c.author_external_id).distinct().select_from(_item_join())
        .where(*_in_range(profile_id, start, end, "inbound"), ITEMS.c.author_external_id.is_not(None))
    )
    return {(platform, author) for platform, author in rows}


def fetch_owned_snapshots(connection: Connection, profile_id: int, start: datetime,
                          end: datetime) -> list[SnapshotRecord]:
    """Counter snapshots of owned items created in [start, end), in time order per item."""
    join = LINKS.join(SNAPSHOTS, and_(SNAPSHOTS.c.platform == LINKS.c.platform,
                                      SNAPSHOTS.c.external_id == LINKS.c.external_id))
    rows = connection.execute(
        select(LINKS.c.platform, LINKS.c.external_id, LINKS.c.created_at, SNAPSHOTS.c.observed_at,
               SNAPSHOTS.c.likes, SNAPSHOTS.c.shares, SNAPSHOTS.c.replies, SNAPSHOTS.c.quotes)
        .select_from(join).where(*_in_range(profile_id, start, end, "owned"))
        .order_by(LINKS.c.platform, LINKS.c.external_id, SNAPSHOTS.c.observed_at)
    )
    return [SnapshotRecord(*row[:4], tuple(row[4:])) for row in rows]


def fetch_owned_events(connection: Connection, profile_id: int, start: datetime, end: datetime) -> list[EventRecord]:
    """Likes and shares of owned items created in [start, end), each placed at its best known moment."""
    join = _item_join().join(EVENTS, and_(EVENTS.c.platform == LINKS.c.platform,
                                          EVENTS.c.item_external_id == LINKS.c.external_id))
    rows = connection.execute(
        select(EVENTS.c.platform, EVENTS.c.actor_external_id, EVENTS.c.occurred_at, EVENTS.c.first_seen_at,
               LINKS.c.created_at, ITEMS.c.fetched_at)
        .select_from(join).where(*_in_range(profile_id, start, end, "owned"))
    )
    return [EventRecord(platform, actor, event_moment(occurred, seen, created, fetched))
            for platform, actor, occurred, seen, created, fetched in rows]


def event_moment(occurred: datetime | None, first_seen: datetime, created: datetime, fetched: datetime) -> datetime:
    """When an event happened: its timestamp; else when first seen, or the item's creation after a backfill."""
    if occurred is not None:
        return occurred
    return created if first_seen - fetched <= SAME_SYNC_TOLERANCE else first_seen


def fetch_replies_by(connection: Connection, parents: Sequence[tuple[str, str]],
                     authors: set[tuple[str, str]]) -> list[ReplyRecord]:
    """Replies to the given items written by the given (platform, author) accounts, found through ix_items_parent."""
    replies: list[ReplyRecord] = []
    for chunk in _chunks(parents):
        rows = connection.execute(
            select(ITEMS.c.platform, ITEMS.c.parent_external_id, ITEMS.c.created_at, ITEMS.c.author_external_id)
            .where(keys_in(ITEMS.c.platform, ITEMS.c.parent_external_id, chunk), ITEMS.c.kind == "reply")
        )
        replies.extend(ReplyRecord(p, parent, at) for p, parent, at, author in rows if (p, author) in authors)
    return replies


def fetch_authors(connection: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The author of each of the given items (by the items' unique key)."""
    found: dict[tuple[str, str], str | None] = {}
    for chunk in _chunks(keys):
        rows = connection.execute(
            select(ITEMS.c.platform, ITEMS.c.external_id, ITEMS.c.author_external_id)
            .where(keys_in(ITEMS.c.platform, ITEMS.c.external_id, chunk))
        )
        found.update({(p, e): author for p, e, author in rows})
    return found


def fetch_owned_accounts(connection: Connection, profile_id: int) -> set[tuple[str, str]]:
    """The profile's own accounts as (platform, external_id)."""
    accounts = table_of(AccountRow)
    rows = connection.execute(select(accounts.c.platform, accounts.c.external_id)
                              .where(accounts.c.profile_id == profile_id))
    return {(platform, external_id) for platform, external_id in rows}


def fetch_followers(connection: Connection, accounts: Iterable[tuple[str, str]], day: date) -> dict[str, int]:
    """Followers per platform on `day`: each account's latest count up to that day, else its earliest."""
    counts = table_of(FollowerCountRow)
    per_platform: dict[str, int] = {}
    for platform, account in sorted(accounts):
        mine = and_(counts.c.platform == platform, counts.c.author_external_id == account)
        latest = connection.execute(select(counts.c.followers).where(mine, counts.c.observed_on <= day)
                                    .order_by(counts.c.observed_on.desc()).limit(1)).scalar_one_or_none()
        if latest is None:
            latest = connection.execute(select(counts.c.followers).where(mine)
                                        .order_by(counts.c.observed_on).limit(1)).scalar_one_or_none()
        if latest is not None:
            per_platform[platform] = per_platform.get(platform, 0) + latest
    return per_platform


def fetch_points(connection: Connection, profile_id: int, version: str, first: date, last: date) -> list[PointRecord]:
    """Stored index points of one formula series for days in [first, last], oldest first."""
    points = table_of(IndexPointRow)
    rows = connection.execute(
        select(points.c.day, points.c.daily_index, points.c.running_index, points.c.provisional, points.c.components)
        .where(points.c.profile_id == profile_id, points.c.formula_version == version,
               points.c.day >= first, points.c.day <= last)
        .order_by(points.c.day)
    )
    return [PointRecord(day, daily, running, bool(provisional), components or {})
            for day, daily, running, provisional, components in rows]


def fetch_details(connection: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ItemDetail]:
    """Link and author handle of a few items."""
    found: dict[tuple[str, str], ItemDetail] = {}
    join = ITEMS.outerjoin(AUTHORS, and_(AUTHORS.c.platform == ITEMS.c.platform,
                                         AUTHORS.c.external_id == ITEMS.c.author_external_id))
    for chunk in _chunks(keys):
        rows = connection.execute(
            select(ITEMS.c.platform, ITEMS.c.external_id, ITEMS.c.url, AUTHORS.c.handle)
            .select_from(join).where(keys_in(ITEMS.c.platform, ITEMS.c.external_id, chunk))
        )
        found.update({(p, e): ItemDetail(url, handle) for p, e, url, handle in rows})
    return found


def keys_in(platform: Any, external_id: Any, keys: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """(platform, id) in keys, written as `platform = p AND id IN (...)` per platform.

    SQLite answers a row-value `(a, b) IN (VALUES ...)` with a full table scan; this form
    searches the (platform, id) index instead.
    """
    ids: dict[str, list[str]] = {}
    for key_platform, key_id in keys:
        ids.setdefault(key_platform, []).append(key_id)
    return or_(*(and_(platform == p, external_id.in_(values)) for p, values in sorted(ids.items())))


def _chunks(keys: Sequence[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]
