"""Writing pages and reading sync state: the only place connectors' output meets the database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, or_, select, update

from connectors.base import Author, Item, Page
from listener.redaction import redact, redact_json
from listener.storage.id_lists import in_ids
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
from listener.storage.tuple_upsert import upsert_columns
from listener.storage.upsert import table_of, upsert_rows

COUNTERS = ("likes", "shares", "replies", "quotes", "views")
_NO_COUNTERS = (None,) * len(COUNTERS)
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
    save_owned_accounts(connection, profile_id, source, [author])


def save_owned_accounts(connection: Connection, profile_id: int, source: str, authors: Iterable[Author]) -> None:
    """Remember these authors as the profile's own accounts: one upsert, each account once."""
    unique = {(a.platform, a.external_id): a for a in authors}
    upsert_rows(
        connection, AccountRow,
        [{"profile_id": profile_id, "platform": a.platform, "external_id": a.external_id,
          "handle": a.handle, "source": source} for a in unique.values()],
        ["profile_id", "platform", "external_id"], ["handle", "source"],
    )


def _owned_authors(items: Iterable[Item]) -> list[Author]:
    return [i.author for i in items if i.role == "owned" and i.author is not None]


def _authors_of(page: Page) -> list[Author]:
    seen: dict[tuple[str, str], Author] = {}
    for author in [*page.authors, *(i.author for i in page.items if i.author), *(e.actor for e in page.events)]:
        seen[(author.platform, author.external_id)] = author
    return list(seen.values())


def save_authors(connection: Connection, authors: Sequence[Author], now: datetime) -> None:
    """Upsert authors and record today's follower count where the platform gave one."""
    _save_authors_seen(connection, [(authors, now)], AuthorRowsWritten())


_AUTHOR_UPDATE = ("handle", "display_name", "url", "followers", "following")
_FOLLOWER_UPDATE = ("followers", "observed_at")
MAX_REMEMBERED_AUTHOR_ROWS = 65536  # per table: a stream's memo is emptied when it grows past this


class AuthorRowsWritten:
    """The author and follower-count rows a stream's committed transactions stored, as last written.

    A row whose upsert would store what the key's row already holds changes nothing, so it is not sent:
    an account seen on every page of a backfill is written once, not once per group of pages. Rows a
    transaction writes are `staged` (each call of `_save_authors_seen` stages afresh) and count only once
    `commit` is called after it has committed; a failed transaction's are dropped with `discard`.
    """

    def __init__(self) -> None:
        self.authors: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # (platform, external_id) -> the update values
        self.counts: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # (platform, external_id, day) -> followers, time
        self.staged: tuple[dict[tuple[Any, ...], tuple[Any, ...]], dict[tuple[Any, ...], tuple[Any, ...]]] = ({}, {})

    def commit(self) -> None:
        """The staged rows are stored: remember them."""
        for remembered, staged in zip((self.authors, self.counts), self.staged, strict=True):
            if len(remembered) + len(staged) > MAX_REMEMBERED_AUTHOR_ROWS:
                remembered.clear()
            remembered.update(staged)
        self.discard()

    def discard(self) -> None:
        """The staged rows were not stored (the transaction failed): forget them."""
        self.staged = ({}, {})


def _save_authors_seen(connection: Connection, sightings: Sequence[tuple[Sequence[Author], datetime]],
                       written: AuthorRowsWritten) -> None:
    """save_authors for several pages' authors, each seen at its page's time, in one upsert per table.

    A row whose upsert would change nothing is not sent: the same key and update values as the key's row
    before it, in this group (a page's authors come back on the next page of a backfill) or as `written`
    remembers it. The check is made on the authors, before any row is built; the rows sent are staged in
    `written`.
    """
    authors: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    last_author: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    last_count: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    written.staged = (last_author, last_count)  # only this transaction's rows: what an earlier one staged is void
    stored_author, stored_count = written.authors, written.counts
    for seen, now in sightings:
        day = now.date()
        for a in seen:
            key, values = (a.platform, a.external_id), (a.handle, a.display_name, a.url, a.followers, a.following)
            before = last_author.get(key, _NOT_SEEN)
            if before != values and (before is not _NOT_SEEN or stored_author.get(key, _NOT_SEEN) != values):
                last_author[key] = values
                authors.append({"platform": a.platform, "external_id": a.external_id, "handle": a.handle,
                                "display_name": a.display_name, "url": a.url, "followers": a.followers,
                                "following": a.following, "updated_at": now})
            if a.followers is not None:
                day_key, counted = (*key, day), (a.followers, now)
                before = last_count.get(day_key, _NOT_SEEN)
                if before != counted and (before is not _NOT_SEEN or stored_count.get(day_key, _NOT_SEEN) != counted):
                    last_count[day_key] = counted
                    counts.append({"platform": a.platform, "author_external_id": a.external_id,
                                   "observed_on": day, "observed_at": now, "followers": a.followers})
    upsert_rows(connection, AuthorRow, authors, ["platform", "external_id"], _AUTHOR_UPDATE)
    upsert_rows(connection, FollowerCountRow, counts, ["platform", "author_external_id", "observed_on"],
                _FOLLOWER_UPDATE)


_NOT_SEEN = object()


_ITEMS = table_of(ItemRow)
# `platform = ? AND external_id IN (...)` uses the unique index; a row-value
# `(platform, external_id) IN (...)` makes SQLite 3.40 scan the whole items table.
# Built once per dialect, the ids bound as one list: building a select per page, or
# rendering an expanding IN per execution, cost as much as running it.


@lru_cache(maxsize=4)
def _stored_items_query(dialect: str) -> Select[Any]:
    links, snapshots, profiles = table_of(ItemProfileRow), table_of(CounterSnapshotRow), table_of(ProfileRow)
    owned = exists().where(links.c.profile_id.in_(select(profiles.c.id)), links.c.platform == _ITEMS.c.platform,
                           links.c.external_id == _ITEMS.c.external_id, links.c.role == "owned")
    snapshotted = exists().where(snapshots.c.platform == _ITEMS.c.platform,
                                 snapshots.c.external_id == _ITEMS.c.external_id)
    return (select(_ITEMS.c.platform, _ITEMS.c.external_id, *(_ITEMS.c[c] for c in COUNTERS), owned, snapshotted)
            .where(_ITEMS.c.platform == bindparam("platform"), in_ids(_ITEMS.c.external_id, dialect)))


@dataclass
class _Stored:
    """What the store holds of the items a group of pages brings, as the group's pages change it."""

    counters: dict[tuple[str, str], tuple[Any, ...]]  # the items' counters as stored
    owned: set[tuple[str, str]]  # items some profile links as owned
    snapshotted: set[tuple[str, str]]  # items with a counter snapshot


def _ids_by_platform(platforms: Sequence[str], ids: Sequence[str]) -> dict[str, Sequence[str]]:
    """The ids of each platform, in their order (a connector's items are all of one platform: the ids as given)."""
    if len(set(platforms)) == 1:
        return {platforms[0]: ids}
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in zip(platforms, ids, strict=True):
        by_platform.setdefault(platform, []).append(external_id)
    return dict(by_platform)


def _stored_items(connection: Connection, platforms: Sequence[str], ids: Sequence[str]) -> _Stored:
    by_platform = _ids_by_platform(platforms, ids)
    query = _stored_items_query(connection.dialect.name)
    stored = _Stored({}, set(), set())
    for platform, ids in by_platform.items():
        for row in connection.execute(query, {"platform": platform, "ids": ids}):
            key = (row[0], row[1])
            stored.counters[key] = tuple(row[2:7])
            if row[7]:
                stored.owned.add(key)
            if row[8]:
                stored.snapshotted.add(key)
    return stored


ITEM_COLUMNS = ("platform", "external_id", "kind", "author_external_id", "parent_external_id", "root_external_id",
                "text", "language", "url", "rating", "rating_scale", *COUNTERS, "created_at", "fetched_at", "raw")
_ITEM_FIELDS = ("platform", "external_id", "kind", "parent_external_id", "root_external_id", "text", "language",
                "url", "rating", "rating_scale", "created_at", "raw")  # the columns that are an Item field
_item_fields = attrgetter(*_ITEM_FIELDS)
_item_counters = attrgetter(*(f"counters.{name}" for name in COUNTERS))


def _item_columns(items: Sequence[Item], fetched: Sequence[datetime]) -> dict[str, list[Any]]:
    """The items table's columns for these items (each fetched at its time), ITEM_COLUMNS' order and values."""
    fields = dict(zip(_ITEM_FIELDS, map(list, zip(*map(_item_fields, items), strict=True)), strict=True))
    counters = dict(zip(COUNTERS, map(list, zip(*map(_item_counters, items), strict=True)), strict=True))
    authors = [None if item.author is None else item.author.external_id for item in items]
    columns = {**fields, **counters, "author_external_id": authors, "fetched_at": list(fetched)}
    return {name: columns[name] for name in ITEM_COLUMNS}


def _item_row(item: Item, now: datetime) -> dict[str, Any]:
    """One item's row of the items table, as dict (the store writes the same values column by column)."""
    return {name: column[0] for name, column in _item_columns([item], [now]).items()}


def _snapshot_columns(sightings: Sequence[tuple[Sequence[Item], datetime]], keys: Sequence[tuple[str, str]],
                      counters: Sequence[tuple[Any, ...]], stored: _Stored) -> dict[str, list[Any]]:
    """Counter snapshot rows, column by column, page after page, for the items a profile reads counters of.

    An item gets one where its counters are known and it is owned (on these pages, or linked as owned by
    any profile): when they are not what is stored (as the pages before left them), or when it has no
    snapshot yet (an item seen first as inbound, then as owned). The counters of items nobody owns are
    stored with the item only: nothing reads their history.
    """
    owned = stored.owned | {key for key, item in zip(keys, (i for items, _ in sightings for i in items),
                                                     strict=True) if item.role == "owned"}
    rows: list[tuple[Any, ...]] = []
    start = 0
    for items, now in sightings:
        end = start + len(items)
        page = [(key, values) for key, values in zip(keys[start:end], counters[start:end], strict=True)
                if key in owned]  # only an owned item's stored counters are ever compared
        written = [(*key, now, *values) for key, values in page
                   if values != _NO_COUNTERS and (stored.counters.get(key) != values or key not in stored.snapshotted)]
        stored.counters.update(page)  # as now stored
        stored.snapshotted.update((row[0], row[1]) for row in written)
        rows += written
        start = end
    names = ("platform", "external_id", "observed_at", *COUNTERS)
    return dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)) if rows else {}


THREADED_KINDS = ("reply", "comment")  # a share's or a quote's parent is what it passes on, not its thread


@lru_cache(maxsize=4)
def _parents_query(dialect: str) -> Select[Any]:
    return (select(_ITEMS.c.external_id, _ITEMS.c.parent_external_id, _ITEMS.c.root_external_id)
            .where(_ITEMS.c.platform == bindparam("platform"), in_ids(_ITEMS.c.external_id, dialect)))


def fill_roots(connection: Connection, items: Sequence[Item], roots: list[str | None]) -> None:
    """Give replies read outside their thread (a timeline, mentions) the root their parent knows, in `roots`.

    `roots` holds each item's root (its own at first). The parent's root, or the parent itself when
    it is top-level; looked up among the items, then in the store. A reply whose parent is unknown
    keeps no root until its thread is read.
    """
    orphans = [n for n, item in enumerate(items)
               if item.kind in THREADED_KINDS and item.parent_external_id and not roots[n]]
    if not orphans:
        return
    parents = {items[n].parent_external_id for n in orphans}
    known: dict[tuple[str, str | None], tuple[str | None, str | None]] = {
        (item.platform, item.external_id): (item.parent_external_id, root)
        for item, root in zip(items, roots, strict=True) if item.external_id in parents}
    for platform in {items[n].platform for n in orphans}:
        wanted = [items[n].parent_external_id for n in orphans if items[n].platform == platform]
        for found in connection.execute(_parents_query(connection.dialect.name), {"platform": platform, "ids": wanted}):
            known.setdefault((platform, found[0]), (found[1], found[2]))
    changed = True
    while changed:  # a reply to a reply on the same page needs its parent's root first
        changed = False
        for n in orphans:
            item = items[n]
            parent = known.get((item.platform, item.parent_external_id))
            root = parent[1] or (None if parent[0] else item.parent_external_id) if parent else None
            if root and not roots[n]:
                roots[n], changed = root, True
                known[(item.platform, item.external_id)] = (item.parent_external_id, root)


@lru_cache(maxsize=4)
def _orphans_query(dialect: str) -> Select[Any]:
    return (select(_ITEMS.c.external_id, _ITEMS.c.parent_external_id)
            .where(_ITEMS.c.platform == bindparam("platform"), in_ids(_ITEMS.c.parent_external_id, dialect),
                   _ITEMS.c.root_external_id.is_(None), or_(*(_ITEMS.c.kind == kind for kind in THREADED_KINDS))))


def adopt_orphans(connection: Connection, items: Sequence[Item], roots: Sequence[str | None]) -> None:
    """Give stored replies that waited for these items (their parents) the root, and so on down the thread.

    `roots`: each item's root as stored. With `fill_roots` this makes a reply's root the same whichever
    of it and its parent was stored first.
    """
    frontier = {(item.platform, item.external_id): root or item.external_id
                for item, root in zip(items, roots, strict=True)
                if (item.kind in THREADED_KINDS or not item.parent_external_id)
                and (root or not item.parent_external_id)}
    query = _orphans_query(connection.dialect.name)
    while frontier:
        adopted: dict[tuple[str, str], str] = {}
        for platform in {key[0] for key in frontier}:
            parents = [key[1] for key in frontier if key[0] == platform]
            for child, parent in connection.execute(query, {"platform": platform, "ids": parents}):
                adopted[(platform, child)] = frontier[(platform, parent)]
        for (platform, child), root in adopted.items():
            connection.execute(update(_ITEMS).where(_ITEMS.c.platform == platform, _ITEMS.c.external_id == child)
                               .values(root_external_id=root))
        frontier = adopted


def save_items(connection: Connection, profile_id: int, source: str, items: Sequence[Item], now: datetime) -> None:
    """Upsert items and their profile links; snapshot counters of owned items that are new or changed."""
    _save_items_seen(connection, profile_id, source, [(items, now)])


def _save_items_seen(connection: Connection, profile_id: int, source: str,
                     sightings: Sequence[tuple[Sequence[Item], datetime]]) -> None:
    """save_items for several pages' items, each seen at its page's time, one after the other, in one pass:
    what the store holds is read once and each page's snapshots compared with it as the pages before left it.
    Every table is written column by column, from the items themselves (no row dicts)."""
    everything = [item for items, _ in sightings for item in items]
    if not everything:
        return
    columns = _item_columns(everything, [now for items, now in sightings for _ in items])
    stored = _stored_items(connection, columns["platform"], columns["external_id"])
    keys = list(zip(columns["platform"], columns["external_id"], strict=True))
    snapshots = _snapshot_columns(sightings, keys, list(zip(*(columns[c] for c in COUNTERS), strict=True)), stored)
    roots = columns["root_external_id"]
    fill_roots(connection, everything, roots)
    upsert_columns(connection, ItemRow, columns, ["platform", "external_id"], ITEM_UPDATE,
                   keep_known=("author_external_id", "parent_external_id", "root_external_id", "language", "url"))
    adopt_orphans(connection, everything, roots)
    upsert_columns(connection, CounterSnapshotRow, snapshots, ["platform", "external_id", "observed_at"], COUNTERS)
    count = len(everything)
    links = {"profile_id": [profile_id] * count, "platform": columns["platform"],
             "external_id": columns["external_id"], "role": [item.role for item in everything],
             "source": [source] * count, "created_at": columns["created_at"]}
    upsert_columns(connection, ItemProfileRow, links, ["profile_id", "platform", "external_id"], ["role"])


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
                     "external_id": bad.external_id, "error": redact(bad.error[:2000]),
                     "payload": redact_json(json.loads(payload)), "first_seen_at": now})
    upsert_rows(connection, QuarantineRow, rows, ["source", "stream", "digest"], ["error"])


def save_cursor(connection: Connection, source: str, stream: str, cursor: str, now: datetime) -> None:
    """Move a stream's cursor (call in the same transaction as the rows it covers)."""
    upsert_rows(connection, SyncCursorRow,
                [{"source": source, "stream": stream, "cursor": cursor, "updated_at": now}],
                ["source", "stream"], ["cursor", "updated_at"])


def save_page(connection: Connection, profile_id: int, source: str, stream: str, page: Page,
              now: datetime) -> SavedCounts:
    """Store a page, the profile's own accounts among its authors and, if it carries one,
    its cursor: all in the caller's transaction."""
    return save_pages(connection, profile_id, source, stream, [(page, now)])[0]


def save_pages(connection: Connection, profile_id: int, source: str, stream: str,
               pages: Sequence[tuple[Page, datetime]], written: AuthorRowsWritten | None = None) -> list[SavedCounts]:
    """Store pages (each with the time it was fetched) in the caller's transaction: the rows `save_page` stores
    page after page, written with one statement per table for them all (a backfill stores ten at a time).
    `written`: the author rows the stream's earlier transactions stored (this one's are staged in it)."""
    _save_authors_seen(connection, [(_authors_of(page), now) for page, now in pages], written or AuthorRowsWritten())
    _save_items_seen(connection, profile_id, source, [(page.items, now) for page, now in pages])
    save_owned_accounts(connection, profile_id, source, [a for page, _ in pages for a in _owned_authors(page.items)])
    for page, now in pages:
        save_events(connection, page, now)
        save_quarantine(connection, source, stream, page, now)
    cursors = [(page.cursor, now) for page, now in pages if page.cursor is not None]
    if cursors:
        save_cursor(connection, source, stream, *cursors[-1])
    return [SavedCounts(len(page.items), len(page.events), len(page.bad_records)) for page, _ in pages]


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
