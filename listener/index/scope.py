"""What an update must redo: found from rows added since the last update (watermarks) or since a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel

from listener.index.sql import (
    KEY_LIST_CHUNK,
    PROFILE_ID,
    IndexContext,
    Key,
    chunked,
    days_from,
    is_owned_item,
    key_platforms,
    keys_in_parameters,
    keys_parameters,
)
from listener.ledger.delta import Watermarks
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


@cache
def _max_id_queries() -> dict[str, Select[Any]]:
    return {name: select(func.max(table_of(model).c.id)) for name, model in WATERMARK_TABLES.items()}


def current_marks(ctx: IndexContext) -> dict[str, int]:
    """The highest id of every watched table now."""
    return {name: ctx.connection.execute(query).scalar_one() or 0 for name, query in _max_id_queries().items()}


PARENT = aliased(table_of(ItemRow), name="parent")  # built once: an alias copies its table's columns
LINKS, ITEMS, SCORES = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
SNAPSHOTS, EVENTS = table_of(CounterSnapshotRow), table_of(EngagementEventRow)


def _items_of_links_query(condition: Any) -> Select[Any]:
    """The profile's links that meet `condition`, with their items' authors and parents (the profile is
    PROFILE_ID)."""
    links, items, parent = LINKS, ITEMS, PARENT
    return (
        select(links.c.platform, links.c.external_id, links.c.role, links.c.created_at, items.c.author_external_id,
               items.c.parent_external_id, parent.c.author_external_id)
        .join(items, and_(items.c.platform == links.c.platform, items.c.external_id == links.c.external_id))
        .outerjoin(parent, and_(parent.c.platform == items.c.platform,
                                parent.c.external_id == items.c.parent_external_id))
        .where(links.c.profile_id == PROFILE_ID, condition))


def _items_of_links(ctx: IndexContext, query: Select[Any], parameters: dict[str, Any]) -> Any:
    return ctx.connection.execute(query, {**parameters, "profile_id": ctx.profile_id})


@cache
def _new_links_query() -> Select[Any]:
    return _items_of_links_query(Watermarks.between(LINKS.c.id, "item_profiles"))


@cache
def _links_of_keys_query(platforms: tuple[str, ...]) -> Select[Any]:
    return _items_of_links_query(keys_in_parameters(LINKS.c.platform, LINKS.c.external_id, platforms))


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


@cache
def _around_owned_queries(platforms: tuple[str, ...]) -> tuple[Select[Any], Select[Any]]:
    """The replies to, and the likes and shares of, the items of the key parameters."""
    return (select(ITEMS.c.platform, ITEMS.c.external_id)
            .where(keys_in_parameters(ITEMS.c.platform, ITEMS.c.parent_external_id, platforms)),
            select(EVENTS.c.platform, EVENTS.c.actor_external_id)
            .where(keys_in_parameters(EVENTS.c.platform, EVENTS.c.item_external_id, platforms)))


def _add_around_new_owned(ctx: IndexContext, scope: Scope, owned: set[Key]) -> None:
    """Items answered by, and people who engaged with, owned items that arrived after them."""
    for chunk in chunked(sorted(owned), KEY_LIST_CHUNK):
        children, actors = _around_owned_queries(key_platforms(chunk))
        parameters = keys_parameters(chunk)
        scope.responses |= {(p, e) for p, e in ctx.connection.execute(children, parameters)}
        scope.people |= {(p, a) for p, a in ctx.connection.execute(actors, parameters)}


def _owned_join(table: Any, id_column: str) -> Any:
    links = table_of(ItemProfileRow)
    return links, and_(links.c.platform == table.c.platform, links.c.external_id == table.c[id_column],
                       links.c.role == "owned")


@cache
def _new_row_queries() -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The new scores (this scorer's), the new snapshots of owned items, the new events of owned items."""
    rescored = select(SCORES.c.platform, SCORES.c.external_id).where(
        Watermarks.between(SCORES.c.id, "sentiment_scores"), SCORES.c.scorer_version == SCORER_VERSION)
    link, on = _owned_join(SNAPSHOTS, "external_id")
    snapshots = (select(SNAPSHOTS.c.platform, SNAPSHOTS.c.external_id).join(link, on)
                 .where(link.c.profile_id == PROFILE_ID, Watermarks.between(SNAPSHOTS.c.id, "counter_snapshots")))
    events = (select(EVENTS.c.platform, EVENTS.c.item_external_id, EVENTS.c.actor_external_id)
              .where(Watermarks.between(EVENTS.c.id, "engagement_events"),
                     is_owned_item(None, EVENTS.c.platform, EVENTS.c.item_external_id)))
    return rescored, snapshots, events


def changes_since_marks(ctx: IndexContext, old: dict[str, Any], new: dict[str, int]) -> Scope:
    """Everything rows added after the `old` watermarks (up to `new`) touch."""
    scope = Scope()
    marks = Watermarks(old, new).parameters(ctx)
    linked = list(_items_of_links(ctx, _new_links_query(), marks))
    owned = _add_items(ctx, scope, linked)
    _add_around_new_owned(ctx, scope, owned)
    rescored, snapshots, events = _new_row_queries()
    added = {(row[0], row[1]) for row in linked}  # a new item's first score adds nothing its new link did not
    keys = [(p, e) for p, e in ctx.connection.execute(rescored, marks) if (p, e) not in added]
    for chunk in chunked(keys, KEY_LIST_CHUNK):
        _add_items(ctx, scope, _items_of_links(ctx, _links_of_keys_query(key_platforms(chunk)),
                                               keys_parameters(chunk)))
    scope.owned |= {(p, e) for p, e in ctx.connection.execute(snapshots, marks)}
    for platform, item, actor in ctx.connection.execute(events, marks):
        scope.owned.add((platform, item))
        scope.people.add((platform, actor))
    return scope


def changes_since_time(ctx: IndexContext, since: datetime) -> Scope:
    """Everything made, observed or first seen at or after `since` (for `ror recompute --since`)."""
    scope = Scope(days=days_from(ctx.day_of(since), ctx.today))
    _add_items(ctx, scope, _items_of_links(ctx, _items_of_links_query(LINKS.c.created_at >= since), {}))
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
