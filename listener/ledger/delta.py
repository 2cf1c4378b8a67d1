"""What rows added since the last update (past the watermarks) add to each person's history.

A touch is new when its item link is new, or (likes, shares) when the event or the owned
item's link is new; a brand reply is new when the person's item had none before. Rescored
old items and changed first replies cannot be folded: their people are rebuilt from history.
Every query here starts from the new rows, so its cost follows them, not history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from listener.index.sql import (
    KEY_LIST_CHUNK,
    PROFILE_ID,
    IndexContext,
    Key,
    chunked,
    is_owned_item,
    key_platforms,
    keys_in_parameters,
    keys_parameters,
)
from listener.storage.models import EngagementEventRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.upsert import table_of
from scoring.business_time import elapsed_seconds
from scoring.ledger import BrandReply, Touch
from scoring.sentiment import SCORER_VERSION

# An event without a timestamp (Mastodon favourites) seen in the same sync as its post is
# put on the post's creation day, like the post's first counter snapshot; one first seen
# later happened between two syncs, and the sync that saw it is the best time we have.
FIRST_SIGHTING_SLACK = timedelta(hours=1)
LINKS, ITEMS, EVENTS, SCORES = (table_of(m) for m in (ItemProfileRow, ItemRow, EngagementEventRow, SentimentRow))
# Aliases built once: building one copies every column of its table (a third of a millisecond for items).
PARENT, PARENT_LINK, CHILD_LINK = aliased(ITEMS), aliased(LINKS), aliased(LINKS)


def event_time(occurred_at: datetime | None, first_seen_at: datetime, item_created_at: datetime,
               item_fetched_at: datetime) -> datetime:
    """When a like or share happened: its timestamp, else our best estimate (see FIRST_SIGHTING_SLACK)."""
    if occurred_at is not None:
        return occurred_at
    if first_seen_at <= item_fetched_at + FIRST_SIGHTING_SLACK:
        return item_created_at
    return first_seen_at


@dataclass(frozen=True)
class Watermarks:
    """The highest ids the last update saw (`old`) and this one sees (`new`)."""

    old: dict[str, Any]
    new: dict[str, int]

    @staticmethod
    def between(column: Any, name: str) -> Any:
        """column in (old, new], the marks as parameters (see `parameters`): for statements built once."""
        return and_(column > bindparam(f"{name}_old", type_=Integer), column <= bindparam(f"{name}_new", type_=Integer))

    @staticmethod
    def at_most_old(column: Any, name: str) -> Any:
        """column <= old, the mark as a parameter (see `parameters`)."""
        return column <= bindparam(f"{name}_old", type_=Integer)

    def parameters(self, ctx: IndexContext) -> dict[str, int]:
        """The values of `between`'s and `at_most_old`'s parameters, and of PROFILE_ID."""
        values = {"profile_id": ctx.profile_id}
        for name, new in self.new.items():
            values[f"{name}_old"], values[f"{name}_new"] = int(self.old.get(name, 0)), new
        return values

    def is_old(self, row_id: int, name: str) -> bool:
        """Whether the last update saw this row."""
        return row_id <= int(self.old.get(name, 0))


@dataclass
class PersonDelta:
    """New touches and new brand replies of one person; `foldable` False when history changed."""

    touches: list[Touch] = field(default_factory=list)
    replies: list[BrandReply] = field(default_factory=list)
    foldable: bool = True


@cache
def _new_item_touches_query() -> Select[Any]:
    return (
        select(ITEMS.c.platform, ITEMS.c.author_external_id, ITEMS.c.created_at, ITEMS.c.kind,
               func.coalesce(ITEMS.c.root_external_id, ITEMS.c.external_id), SCORES.c.compound)
        .select_from(LINKS)
        .join(ITEMS, and_(ITEMS.c.platform == LINKS.c.platform, ITEMS.c.external_id == LINKS.c.external_id))
        .outerjoin(SCORES, and_(SCORES.c.platform == ITEMS.c.platform, SCORES.c.external_id == ITEMS.c.external_id,
                                SCORES.c.scorer_version == SCORER_VERSION))
        .where(Watermarks.between(LINKS.c.id, "item_profiles"), LINKS.c.profile_id == PROFILE_ID,
               LINKS.c.role == "inbound", ITEMS.c.author_external_id.is_not(None)))


def _new_item_touches(ctx: IndexContext, marks: Watermarks, deltas: dict[Key, PersonDelta]) -> None:
    rows = ctx.connection.execute(_new_item_touches_query(), marks.parameters(ctx))
    for platform, author, at, kind, thread, compound in rows:
        deltas[(platform, author)].touches.append(Touch(at, "item", kind, thread, compound))


@cache
def _new_event_queries() -> tuple[Select[Any], Select[Any]]:
    """New events of owned items, and the events of newly linked owned items."""
    events_of_items = (
        select(EVENTS.c.id, EVENTS.c.platform, EVENTS.c.actor_external_id, EVENTS.c.kind, EVENTS.c.occurred_at,
               EVENTS.c.first_seen_at, ITEMS.c.created_at, ITEMS.c.fetched_at,
               func.coalesce(ITEMS.c.root_external_id, ITEMS.c.external_id))
        .select_from(EVENTS)
        .join(ITEMS, and_(ITEMS.c.platform == EVENTS.c.platform, ITEMS.c.external_id == EVENTS.c.item_external_id)))
    new_events = events_of_items.where(Watermarks.between(EVENTS.c.id, "engagement_events"),
                                       is_owned_item(None, EVENTS.c.platform, EVENTS.c.item_external_id))
    of_new_links = (events_of_items
                    .join(LINKS, and_(LINKS.c.platform == EVENTS.c.platform,
                                      LINKS.c.external_id == EVENTS.c.item_external_id))
                    .where(Watermarks.between(LINKS.c.id, "item_profiles"), LINKS.c.profile_id == PROFILE_ID,
                           LINKS.c.role == "owned"))
    return new_events, of_new_links


def _new_event_touches(ctx: IndexContext, marks: Watermarks, deltas: dict[Key, PersonDelta]) -> None:
    seen: set[int] = set()
    parameters = marks.parameters(ctx)
    for query in _new_event_queries():
        rows = ctx.connection.execute(query, parameters)
        for event_id, platform, actor, kind, occurred, seen_at, created, fetched, thread in rows:
            if event_id not in seen:
                seen.add(event_id)
                at = event_time(occurred, seen_at, created, fetched)
                deltas[(platform, actor)].touches.append(Touch(at, "event", kind, thread))


@cache
def _rescored_old_items_query() -> Select[Any]:
    return (
        select(ITEMS.c.platform, ITEMS.c.author_external_id)
        .select_from(SCORES)
        .join(LINKS, and_(LINKS.c.platform == SCORES.c.platform, LINKS.c.external_id == SCORES.c.external_id))
        .join(ITEMS, and_(ITEMS.c.platform == SCORES.c.platform, ITEMS.c.external_id == SCORES.c.external_id))
        .where(Watermarks.between(SCORES.c.id, "sentiment_scores"), SCORES.c.scorer_version == SCORER_VERSION,
               LINKS.c.profile_id == PROFILE_ID, LINKS.c.role == "inbound",
               Watermarks.at_most_old(LINKS.c.id, "item_profiles"), ITEMS.c.author_external_id.is_not(None)))


def _rescored_old_items(ctx: IndexContext, marks: Watermarks, deltas: dict[Key, PersonDelta]) -> None:
    """New scores of items the last update already counted: their authors' days change."""
    rows = ctx.connection.execute(_rescored_old_items_query(), marks.parameters(ctx))
    for platform, author in rows:
        deltas[(platform, author)].foldable = False


@cache
def _replied_items_queries() -> tuple[Select[Any], Select[Any]]:
    """The parents of new owned items, and the new inbound items."""
    parents = (
        select(ITEMS.c.platform, ITEMS.c.parent_external_id).select_from(LINKS)
        .join(ITEMS, and_(ITEMS.c.platform == LINKS.c.platform, ITEMS.c.external_id == LINKS.c.external_id))
        .where(Watermarks.between(LINKS.c.id, "item_profiles"), LINKS.c.profile_id == PROFILE_ID,
               LINKS.c.role == "owned", ITEMS.c.parent_external_id.is_not(None)))
    inbound = (
        select(LINKS.c.platform, LINKS.c.external_id)
        .where(Watermarks.between(LINKS.c.id, "item_profiles"), LINKS.c.profile_id == PROFILE_ID,
               LINKS.c.role == "inbound"))
    return parents, inbound


def _replied_items(ctx: IndexContext, marks: Watermarks) -> set[Key]:
    """Inbound items that may have a new first reply: parents of new owned items, and new inbound items."""
    parameters = marks.parameters(ctx)
    parents, inbound = (ctx.connection.execute(query, parameters) for query in _replied_items_queries())
    return {(p, e) for p, e in parents} | {(p, e) for p, e in inbound}


@cache
def _first_replies_query(platforms: tuple[str, ...]) -> Select[Any]:
    parent, parent_link, child_link = PARENT, PARENT_LINK, CHILD_LINK
    return (
        select(parent.c.platform, parent.c.external_id, parent.c.author_external_id,
               func.coalesce(parent.c.root_external_id, parent.c.external_id), parent.c.created_at, parent_link.c.id,
               ITEMS.c.created_at, child_link.c.id)
        .select_from(parent)
        .join(parent_link, and_(parent_link.c.platform == parent.c.platform,
                                parent_link.c.external_id == parent.c.external_id))
        .join(ITEMS, and_(ITEMS.c.platform == parent.c.platform, ITEMS.c.parent_external_id == parent.c.external_id))
        .join(child_link, and_(child_link.c.platform == ITEMS.c.platform,
                               child_link.c.external_id == ITEMS.c.external_id))
        .where(keys_in_parameters(parent.c.platform, parent.c.external_id, platforms),
               parent_link.c.profile_id == PROFILE_ID, parent_link.c.role == "inbound",
               child_link.c.profile_id == PROFILE_ID, child_link.c.role == "owned",
               parent.c.author_external_id.is_not(None)))


def _first_replies(ctx: IndexContext, keys: list[Key]) -> Any:
    """Per item: (platform, author, thread, created_at, link id) and its owned replies (created_at, link id)."""
    return ctx.connection.execute(_first_replies_query(key_platforms(keys)),
                                  {"profile_id": ctx.profile_id, **keys_parameters(keys)})


def _first_reply(item_at: datetime, replies: list[datetime]) -> datetime | None:
    """The first reply's time, as the ledger counts it (a reply dated before its item is ignored)."""
    first = min(replies, default=None)
    return first if first is not None and first >= item_at else None


def _new_replies(ctx: IndexContext, marks: Watermarks, deltas: dict[Key, PersonDelta]) -> None:
    found: dict[tuple[Key, str, str, datetime, bool], list[tuple[datetime, int]]] = defaultdict(list)
    for chunk in chunked(sorted(_replied_items(ctx, marks)), KEY_LIST_CHUNK):
        for platform, external_id, author, thread, item_at, link_id, reply_at, reply_link in \
                _first_replies(ctx, chunk):
            item_seen = marks.is_old(link_id, "item_profiles")
            found[((platform, author), external_id, thread, item_at, item_seen)].append((reply_at, reply_link))
    business = ctx.business
    for (person, _item, thread, item_at, item_seen), replies in found.items():
        old = _first_reply(item_at, [at for at, link in replies if marks.is_old(link, "item_profiles")]) \
            if item_seen else None
        new = _first_reply(item_at, [at for at, _link in replies])
        if old == new:
            continue
        if old is not None or new is None:
            deltas[person].foldable = False
            continue
        seconds = elapsed_seconds(item_at, new, ctx.zone, business)
        deltas[person].replies.append(BrandReply(thread, item_at, new, seconds))


def fetch_person_deltas(ctx: IndexContext, marks: Watermarks) -> dict[Key, PersonDelta]:
    """What the rows past the watermarks add to each person's history."""
    deltas: dict[Key, PersonDelta] = defaultdict(PersonDelta)
    _new_item_touches(ctx, marks, deltas)
    _new_event_touches(ctx, marks, deltas)
    _rescored_old_items(ctx, marks, deltas)
    _new_replies(ctx, marks, deltas)
    return deltas
