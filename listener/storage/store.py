"""Writing pages and reading sync state: the only place connectors' output meets the database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from connectors.base import Author, Item, Page
from listener.storage.models import (
    AccountRow,
    AuthorRow,
    CounterSnapshotRow,
    EngagementEventRow,
    FollowerCountRow,
    ItemProfileRow,
    ItemRow,
    ProfileRow,
    QuarantineRow,
    SyncCursorRow,
)
from listener.storage.upsert import table_of, upsert_rows

COUNTERS = ("likes", "shares", "replies", "quotes", "views")
ITEM_UPDATE = ("kind", "author_external_id", "parent_external_id", "root_external_id", "text",
               "language", "url", "rating", "rating_scale", *COUNTERS, "raw")


@dataclass(frozen=True)
class SavedCounts:
    """What one page added to the store."""

    items: int
    events: int
    quarantined: int


def ensure_profile(connection: Connection, name: str, timezone: str) -> int:
    """The id of the profile row, created or updated from config."""
    upsert_rows(connection, ProfileRow, [{"name": name, "timezone": timezone}], ["name"], ["timezone"])
    return connection.execute(select(table_of(ProfileRow).c.id).where(table_of(ProfileRow).c.name == name)).scalar_one()


def save_owned_account(connection: Connection, profile_id: int, source: str, author: Author) -> None:
    """Remember that this author is one of the profile's own accounts."""
    upsert_rows(
        connection, AccountRow,
        [{"profile_id": profile_id, "platform": author.platform, "external_id": author.external_id,
          "handle": author.handle, "source": source}],
        ["profile_id", "platform", "external_id"], ["handle", "source"],
    )


def _authors_of(page: Page) -> list[Author]:
    seen: dict[tuple[str, str], Author] = {}
    for author in [*page.authors, *(i.author for i in page.items if i.author), *(e.actor for e in page.events)]:
        seen[(author.platform, author.external_id)] = author
    return list(seen.values())


def save_authors(connection: Connection, authors: Sequence[Author], now: datetime) -> None:
    """Upsert authors and record today's follower count where the platform gave one."""
    upsert_rows(
        connection, AuthorRow,
        [{"platform": a.platform, "external_id": a.external_id, "handle": a.handle,
          "display_name": a.display_name, "url": a.url, "followers": a.followers,
          "following": a.following, "updated_at": now} for a in authors],
        ["platform", "external_id"], ["handle", "display_name", "url", "followers", "following"],
    )
    counts = [{"platform": a.platform, "author_external_id": a.external_id, "observed_on": now.date(),
               "observed_at": now, "followers": a.followers} for a in authors if a.followers is not None]
    upsert_rows(connection, FollowerCountRow, counts,
                ["platform", "author_external_id", "observed_on"], ["followers", "observed_at"])


def _stored_counters(connection: Connection, items: Sequence[Item]) -> dict[tuple[str, str], tuple[Any, ...]]:
    table = table_of(ItemRow)
    by_platform: dict[str, list[str]] = {}
    for item in items:
        by_platform.setdefault(item.platform, []).append(item.external_id)
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    # `platform = ? AND external_id IN (...)` uses the unique index; a row-value
    # `(platform, external_id) IN (...)` makes SQLite 3.40 scan the whole items table.
    for platform, ids in by_platform.items():
        for start in range(0, len(ids), 500):
            rows = connection.execute(
                select(table.c.platform, table.c.external_id, *(table.c[c] for c in COUNTERS))
                .where(table.c.platform == platform, table.c.external_id.in_(ids[start : start + 500]))
            )
            found.update({(r[0], r[1]): tuple(r[2:]) for r in rows})
    return found


def _item_row(item: Item, now: datetime) -> dict[str, Any]:
    counters = item.counters
    return {
        "platform": item.platform, "external_id": item.external_id, "kind": item.kind,
        "author_external_id": item.author.external_id if item.author else None,
        "parent_external_id": item.parent_external_id, "root_external_id": item.root_external_id,
        "text": item.text, "language": item.language, "url": item.url, "rating": item.rating,
        "rating_scale": item.rating_scale, "likes": counters.likes, "shares": counters.shares,
        "replies": counters.replies, "quotes": counters.quotes, "views": counters.views,
        "created_at": item.created_at, "fetched_at": now, "raw": item.raw,
    }


def save_items(connection: Connection, profile_id: int, source: str, items: Sequence[Item], now: datetime) -> None:
    """Upsert items and their profile links; snapshot counters that are new or changed."""
    if not items:
        return
    before = _stored_counters(connection, items)
    rows = [_item_row(i, now) for i in items]
    snapshots = [
        {"platform": r["platform"], "external_id": r["external_id"], "observed_at": now,
         **{c: r[c] for c in COUNTERS}}
        for r in rows
        if any(r[c] is not None for c in COUNTERS)
        and before.get((r["platform"], r["external_id"])) != tuple(r[c] for c in COUNTERS)
    ]
    upsert_rows(connection, ItemRow, rows, ["platform", "external_id"], ITEM_UPDATE,
                keep_known=("author_external_id", "parent_external_id", "root_external_id", "language", "url"))
    upsert_rows(connection, CounterSnapshotRow, snapshots, ["platform", "external_id", "observed_at"], COUNTERS)
    links = [{"profile_id": profile_id, "platform": i.platform, "external_id": i.external_id,
              "role": i.role, "source": source, "created_at": i.created_at} for i in items]
    upsert_rows(connection, ItemProfileRow, links, ["profile_id", "platform", "external_id"], ["role"])


def save_events(connection: Connection, page: Page, now: datetime) -> None:
    """Upsert who-liked / who-shared events; the first sighting time is kept."""
    rows = [{"platform": e.platform, "item_external_id": e.item_external_id,
             "actor_external_id": e.actor.external_id, "kind": e.kind,
             "occurred_at": e.occurred_at, "first_seen_at": now} for e in page.events]
    upsert_rows(connection, EngagementEventRow, rows,
                ["platform", "item_external_id", "actor_external_id", "kind"], ["occurred_at"])


def save_quarantine(connection: Connection, source: str, stream: str, page: Page, now: datetime) -> None:
    """Keep records that failed to parse, once each, with their error."""
    rows = []
    for bad in page.bad_records:
        payload = json.dumps(bad.payload, sort_keys=True, default=str)
        rows.append({"source": source, "stream": stream, "digest": hashlib.sha256(payload.encode()).hexdigest(),
                     "external_id": bad.external_id, "error": bad.error[:2000],
                     "payload": json.loads(payload), "first_seen_at": now})
    upsert_rows(connection, QuarantineRow, rows, ["source", "stream", "digest"], ["error"])


def save_cursor(connection: Connection, source: str, stream: str, cursor: str, now: datetime) -> None:
    """Move a stream's cursor (call in the same transaction as the rows it covers)."""
    upsert_rows(connection, SyncCursorRow,
                [{"source": source, "stream": stream, "cursor": cursor, "updated_at": now}],
                ["source", "stream"], ["cursor", "updated_at"])


def save_page(connection: Connection, profile_id: int, source: str, stream: str, page: Page, now: datetime) -> SavedCounts:
    """Store a page and, if it carries one, its cursor: all in the caller's transaction."""
    save_authors(connection, _authors_of(page), now)
    save_items(connection, profile_id, source, page.items, now)
    save_events(connection, page, now)
    save_quarantine(connection, source, stream, page, now)
    if page.cursor is not None:
        save_cursor(connection, source, stream, page.cursor, now)
    return SavedCounts(len(page.items), len(page.events), len(page.bad_records))


def load_cursor(connection: Connection, source: str, stream: str) -> str | None:
    """A stream's cursor, or None before its first stored page."""
    table = table_of(SyncCursorRow)
    return connection.execute(
        select(table.c.cursor).where(and_(table.c.source == source, table.c.stream == stream))
    ).scalar_one_or_none()


def recent_owned_ids(connection: Connection, profile_id: int, source: str, since: datetime) -> list[str]:
    """External ids of owned top-level posts this source found that were created after `since`.

    Replies under them come with their thread; the brand's own replies elsewhere come back
    through mentions, so re-reading only top-level posts keeps the request count down.
    """
    links, items = table_of(ItemProfileRow), table_of(ItemRow)
    return list(connection.execute(
        select(links.c.external_id)
        .join(items, and_(items.c.platform == links.c.platform, items.c.external_id == links.c.external_id))
        .where(links.c.profile_id == profile_id, links.c.source == source, links.c.role == "owned",
               links.c.created_at >= since, items.c.kind.in_(("post", "quote")))
        .order_by(links.c.created_at)
    ).scalars())


def refresh_window_start(now: datetime, days: int) -> datetime:
    """The oldest creation time still refreshed."""
    return now - timedelta(days=days)
