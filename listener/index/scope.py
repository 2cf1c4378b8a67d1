"""What an update must redo: found from rows added since the last update (watermarks) or since a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel

from listener.index.sql import KEY_LIST_CHUNK, IndexContext, Key, chunked, days_from, is_owned_item, keys_in
from listener.storage.models import CounterSnapshotRow, EngagementEventRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.upsert import table_of
from scoring.sentiment import SCORER_VERSION

# Raw tables whose new rows (by id) can change the index. Ids only grow on SQLite, where
# writers take turns; see docs/ror-index.md for PostgreSQL.
WATERMARK_TABLES: dict[str, type[SQLModel]] = {"item_profiles": ItemProfileRow, "counter_snapshots": CounterSnapshotRow,
                    "engagement_events": EngagementEventRow, "sentiment_scores": SentimentRow}


@dataclass
class Scope:
    """Days whose item facts, owned items, inbound items (answers) and people to recompute."""

    days: set[date] = field(default_factory=set)
    owned: set[Key] = field(default_factory=set)
    responses: set[Key] = field(default_factory=set)
    people: set[Key] = field(default_factory=set)

    def merge(self, other: Scope) -> None:
        """Add another scope's work to this one."""
        self.days |= other.days
        self.owned |= other.owned
        self.responses |= other.responses
        self.people |= other.people


def current_marks(ctx: IndexContext) -> dict[str, int]:
    """The highest id of every watched table now."""
    return {name: ctx.connection.execute(select(func.max(table_of(model).c.id))).scalar_one() or 0
            for name, model in WATERMARK_TABLES.items()}


def _between(column: Any, old: dict[str, Any], new: dict[str, int], name: str) -> Any:
    return and_(column > int(old.get(name, 0)), column <= new[name])


PARENT = aliased(table_of(ItemRow), name="parent")  # built once: an alias copies its table's columns


def _items_of_links(ctx: IndexContext, condition: Any) -> Any:
    links, items = table_of(ItemProfileRow), table_of(ItemRow)
    parent = PARENT
    return ctx.connection.execute(
        select(links.c.platform, links.c.external_id, links.c.role, links.c.created_at, items.c.author_external_id,
               items.c.parent_external_id, parent.c.author_external_id)
        .join(items, and_(items.c.platform == links.c.platform, items.c.external_id == links.c.external_id))
        .outerjoin(parent, and_(parent.c.platform == items.c.platform,
                                parent.c.external_id == items.c.parent_external_id))
        .where(links.c.profile_id == ctx.profile_id, condition))


def _add_items(ctx: IndexContext, scope: Scope, rows: Any) -> set[Key]:
    """Mark what new or rescored items touch; returns the owned ones."""
    owned: set[Key] = set()
    for platform, external_id, role, created_at, author, parent, parent_author in rows:
        key = (platform, external_id)
        scope.days.add(ctx.day_of(created_at))
        if role == "inbound":
            scope.responses.add(key)
            if author:
                scope.people.add((platform, author))
        else:
            owned.add(key)
            if parent:
                scope.responses.add((platform, parent))
            if parent_author:
                scope.people.add((platform, parent_author))
    scope.owned |= owned
    return owned


def _add_around_new_owned(ctx: IndexContext, scope: Scope, owned: set[Key]) -> None:
    """Items answered by, and people who engaged with, owned items that arrived after them."""
    items, events = table_of(ItemRow), table_of(EngagementEventRow)
    for chunk in chunked(sorted(owned), KEY_LIST_CHUNK):
        children = ctx.connection.execute(select(items.c.platform, items.c.external_id)
                                          .where(keys_in(items.c.platform, items.c.parent_external_id, chunk)))
        scope.responses |= {(p, e) for p, e in children}
        actors = ctx.connection.execute(select(events.c.platform, events.c.actor_external_id)
                                        .where(keys_in(events.c.platform, events.c.item_external_id, chunk)))
        scope.people |= {(p, a) for p, a in actors}


def _owned_join(table: Any, id_column: str) -> Any:
    links = table_of(ItemProfileRow)
    return links, and_(links.c.platform == table.c.platform, links.c.external_id == table.c[id_column],
                       links.c.role == "owned")


def changes_since_marks(ctx: IndexContext, old: dict[str, Any], new: dict[str, int]) -> Scope:
    """Everything rows added after the `old` watermarks (up to `new`) touch."""
    scope = Scope()
    links, scores = table_of(ItemProfileRow), table_of(SentimentRow)
    linked = list(_items_of_links(ctx, _between(links.c.id, old, new, "item_profiles")))
    owned = _add_items(ctx, scope, linked)
    _add_around_new_owned(ctx, scope, owned)
    rescored = select(scores.c.platform, scores.c.external_id).where(
        _between(scores.c.id, old, new, "sentiment_scores"), scores.c.scorer_version == SCORER_VERSION)
    added = {(row[0], row[1]) for row in linked}  # a new item's first score adds nothing its new link did not
    keys = [(p, e) for p, e in ctx.connection.execute(rescored) if (p, e) not in added]
    for chunk in chunked(keys, KEY_LIST_CHUNK):
        _add_items(ctx, scope, _items_of_links(ctx, keys_in(links.c.platform, links.c.external_id, chunk)))
    snaps, events = table_of(CounterSnapshotRow), table_of(EngagementEventRow)
    link, on = _owned_join(snaps, "external_id")
    scope.owned |= {(p, e) for p, e in ctx.connection.execute(
        select(snaps.c.platform, snaps.c.external_id).join(link, on)
        .where(link.c.profile_id == ctx.profile_id, _between(snaps.c.id, old, new, "counter_snapshots")))}
    for platform, item, actor in ctx.connection.execute(
            select(events.c.platform, events.c.item_external_id, events.c.actor_external_id)
            .where(_between(events.c.id, old, new, "engagement_events"),
                   is_owned_item(ctx, events.c.platform, events.c.item_external_id))):
        scope.owned.add((platform, item))
        scope.people.add((platform, actor))
    return scope


def changes_since_time(ctx: IndexContext, since: datetime) -> Scope:
    """Everything made, observed or first seen at or after `since` (for `ror recompute --since`)."""
    scope = Scope(days=days_from(ctx.day_of(since), ctx.today))
    links = table_of(ItemProfileRow)
    _add_items(ctx, scope, _items_of_links(ctx, links.c.created_at >= since))
    snaps, events = table_of(CounterSnapshotRow), table_of(EngagementEventRow)
    link, on = _owned_join(snaps, "external_id")
    scope.owned |= {(p, e) for p, e in ctx.connection.execute(
        select(snaps.c.platform, snaps.c.external_id).join(link, on)
        .where(link.c.profile_id == ctx.profile_id, snaps.c.observed_at >= since))}
    link, on = _owned_join(events, "item_external_id")
    for platform, item, actor in ctx.connection.execute(
            select(events.c.platform, events.c.item_external_id, events.c.actor_external_id).join(link, on)
            .where(link.c.profile_id == ctx.profile_id,
                   or_(events.c.occurred_at >= since, events.c.first_seen_at >= since))):
        scope.owned.add((platform, item))
        scope.people.add((platform, actor))
    return scope
