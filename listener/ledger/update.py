"""The relationship ledger: bring the rows of the people whose history changed up to date.

A person is an author of inbound items or an actor of likes/shares on owned items (platform
+ author id), never one of the profile's own accounts. Their rows (engagers, engager_days,
return_spans, engager_states) are built from their whole history on a rebuild. An update
folds what is new into each touched person's stored rows (scoring.ledger_fold), reading
only the new rows: under power-law activity the people a sync touches are mostly the most
active ones, whose histories span the database. A person whose history changed before
their last touch (late data, a rescored item, an earlier first reply) is rebuilt whole.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    Text,
    and_,
    cast,
    delete,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from listener.index.sql import (
    PROFILE_ID,
    IndexContext,
    Key,
    LocalDays,
    chunked,
    driver_rows,
    key_platforms,
    keys_in,
    keys_in_parameters,
    profile_keys_parameters,
    profile_parameter,
    stream,
)
from listener.ledger.delta import PersonDelta, Watermarks, event_time, fetch_person_deltas
from listener.ledger.state import SUMMARY_COLUMNS, SUMMARY_FIELDS, fetch_stored_people, state_document
from listener.storage.index_models import EngagerDayRow, EngagerRow, EngagerStateRow, ReturnSpanRow
from listener.storage.models import AccountRow, EngagementEventRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.reader import utc_time
from listener.storage.tuple_upsert import upsert_tuples
from listener.storage.types import UTCDateTime
from listener.storage.upsert import table_of
from scoring.business_time import elapsed_seconds
from scoring.ledger import BrandReply, Touch
from scoring.ledger_fold import PersonLedger, Windows, compute_ledger, fold_ledger
from scoring.sentiment import SCORER_VERSION

PERSON_CHUNK = 300
# Aliases built once: building one copies every column of its table.
PARENT = aliased(table_of(ItemRow), name="parent")
PARENT_LINK = aliased(table_of(ItemProfileRow), name="parent_link")
T = TypeVar("T")


def _person_in(table: Any, keys: list[Key] | None) -> Any:
    return keys_in(table.c.platform, table.c.author_external_id, keys)


@cache
def _own_accounts_query() -> Select[Any]:
    accounts = table_of(AccountRow)
    return select(accounts.c.platform, accounts.c.external_id).where(accounts.c.profile_id == PROFILE_ID)


def own_accounts(ctx: IndexContext) -> set[Key]:
    """The profile's own accounts (never counted as engagers)."""
    return {(p, e) for p, e in ctx.connection.execute(_own_accounts_query(), profile_parameter(ctx))}


ITEM_TOUCH, EVENT_TOUCH = 0, 1  # a touch row's source: within a person, items come first
NO_TIME = cast(null(), UTCDateTime())  # typed NULLs: PostgreSQL would send an untyped one as text


@cache
def _item_touch_query(platforms: tuple[str, ...] | None, answers: bool = False) -> Any:
    """The inbound items of the people whose ids are the key parameters of `platforms` (None: everyone's), as
    touch rows (see `_touch`).

    With `answers`, also the items without an author, and each row followed by what the responses rule
    reads besides: the item's external id, its text, and its parent's external id.
    """
    links, items, scores = table_of(ItemProfileRow), table_of(ItemRow), table_of(SentimentRow)
    query = (
        select(items.c.platform.label("platform"), items.c.author_external_id.label("person"),
               literal_column(str(ITEM_TOUCH), Integer).label("source"), items.c.created_at.label("at"), items.c.kind,
               func.coalesce(items.c.root_external_id, items.c.external_id).label("thread"), scores.c.compound,
               NO_TIME.label("occurred_at"), NO_TIME.label("first_seen_at"), NO_TIME.label("fetched_at"))
        .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
        .outerjoin(scores, and_(scores.c.platform == items.c.platform, scores.c.external_id == items.c.external_id,
                                scores.c.scorer_version == SCORER_VERSION))
        .where(links.c.profile_id == PROFILE_ID, links.c.role == "inbound",
               keys_in_parameters(items.c.platform, items.c.author_external_id, platforms)))
    if not answers:
        return query.where(items.c.author_external_id.is_not(None))
    return query.add_columns(items.c.external_id, items.c.text, items.c.parent_external_id)


@cache
def _event_touch_query(platforms: tuple[str, ...] | None, answers: bool = False) -> Any:
    """The likes and shares of owned items by the people of `platforms`' key parameters (None: everyone's), as
    touch rows (see `_touch`); with `answers`, followed by empty columns in place of an item's answer columns."""
    links, items, events = table_of(ItemProfileRow), table_of(ItemRow), table_of(EngagementEventRow)
    nothing = (cast(null(), String), cast(null(), Text), cast(null(), String)) if answers else ()
    return (
        select(events.c.platform, events.c.actor_external_id, literal_column(str(EVENT_TOUCH), Integer),
               items.c.created_at, events.c.kind, func.coalesce(items.c.root_external_id, items.c.external_id),
               cast(null(), Float), events.c.occurred_at, events.c.first_seen_at, items.c.fetched_at, *nothing)
        .join(links, and_(links.c.platform == events.c.platform, links.c.external_id == events.c.item_external_id))
        .join(items, and_(items.c.platform == events.c.platform, items.c.external_id == events.c.item_external_id))
        .where(links.c.profile_id == PROFILE_ID, links.c.role == "owned",
               keys_in_parameters(events.c.platform, events.c.actor_external_id, platforms)))


def _touch(row: Sequence[Any], at: datetime) -> Touch:
    """The touch of a touch row: an item (its time, sentiment) or an event (its estimated time).

    A row is (platform, person, source, at, kind, thread, compound, occurred at, first seen at, fetched at),
    maybe followed by more columns; `at` is its time decoded (`utc_time`), and so are the others here: the
    row may come from the driver (`driver_rows`).
    """
    if row[2] == ITEM_TOUCH:
        return Touch(at, "item", row[4], row[5], row[6])
    return Touch(event_time(utc_time(row[7]), utc_time(row[8]), at, utc_time(row[9])), "event", row[4], row[5])


def _touch_rows(ctx: IndexContext, keys: list[Key]) -> Iterator[tuple[str, str, Touch]]:
    """(platform, person, touch) of these people's items, likes and shares."""
    platforms, parameters = key_platforms(keys), profile_keys_parameters(ctx, keys)
    for query in (_item_touch_query(platforms), _event_touch_query(platforms)):
        for row in stream(ctx, query, parameters):
            yield row[0], row[1], _touch(row, row[3])


OwnedReplies = Mapping[Key, tuple[datetime, str]]  # an item -> its first owned reply's time and external id


def _everyone_by_person(ctx: IndexContext, owned_replies: OwnedReplies,
                        on_item: Callable[[Sequence[Any]], None] | None = None,
                        ) -> Iterator[tuple[Key, list[Touch], list[BrandReply]]]:
    """Everyone's touches and brand replies, person by person in the database's order of people: one query, no
    list of people.

    Everyone who wrote an inbound item or liked/shared an owned item is a person here; a brand reply is the
    first of `owned_replies` to one of their items, if not before it. `on_item`, if given, is handed every
    inbound item (its author's or not) as (platform, external id, kind, text, created at, author, compound,
    parent's external id), in the same read.
    """
    touches = union_all(_item_touch_query(None, answers=True),
                        _event_touch_query(None, answers=True)).params(profile_parameter(ctx))  # once a rebuild
    columns = touches.selected_columns
    rows = driver_rows(ctx, touches.order_by(columns.platform, columns.person, columns.source, columns.at))
    business = ctx.business
    for key, group in itertools.groupby(rows, key=itemgetter(0, 1)):
        history, answered = [], []
        for row in group:
            at = utc_time(row[3])
            if row[2] == ITEM_TOUCH:
                if on_item is not None:
                    on_item((row[0], row[10], row[4], row[11], at, row[1], row[6], row[12]))
                if row[1] is None:  # an item without an author is no one's touch
                    continue
                reply = owned_replies.get((row[0], row[10]))
                if reply is not None and reply[0] >= at:
                    answered.append(BrandReply(row[5], at, reply[0], elapsed_seconds(at, reply[0], ctx.zone, business)))
            history.append(_touch(row, at))
        if history:
            yield key, history, answered


@cache
def _first_reply_query(platforms: tuple[str, ...]) -> Any:
    """(platform, author, item, thread, item's time, first owned reply's time) of the inbound items that have an
    owned reply, of the people of `platforms`' key parameters."""
    items, links = table_of(ItemRow), table_of(ItemProfileRow)
    parent, parent_link = PARENT, PARENT_LINK
    person = (parent.c.platform, parent.c.author_external_id, parent.c.external_id,
              func.coalesce(parent.c.root_external_id, parent.c.external_id), parent.c.created_at)
    owned_replies = and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id,
                         links.c.profile_id == PROFILE_ID, links.c.role == "owned")
    their_items = and_(parent_link.c.platform == parent.c.platform, parent_link.c.external_id == parent.c.external_id,
                       parent_link.c.profile_id == PROFILE_ID, parent_link.c.role == "inbound",
                       parent.c.author_external_id.is_not(None))
    # From the people's items, each one's replies looked up by parent: joined the other way round, SQLite
    # scanned every link of the profile (it cannot tell how few people a key list holds).
    first = (select(func.min(items.c.created_at)).join(links, owned_replies)
             .where(items.c.platform == parent.c.platform, items.c.parent_external_id == parent.c.external_id)
             .scalar_subquery())
    replied = (select(*person, first.label("first_reply")).join(parent_link, their_items)
               .where(keys_in_parameters(parent.c.platform, parent.c.author_external_id, platforms)).subquery())
    return select(replied).where(replied.c.first_reply.is_not(None))


def _brand_reply_rows(ctx: IndexContext, keys: list[Key]) -> Any:
    """(platform, author, reply): the brand's first reply to each inbound item of these people."""
    business = ctx.business
    return ((platform, author, BrandReply(thread, item_at, reply_at,
                                          elapsed_seconds(item_at, reply_at, ctx.zone, business)))
            for platform, author, _item, thread, item_at, reply_at in
            stream(ctx, _first_reply_query(key_platforms(keys)), profile_keys_parameters(ctx, keys))
            if reply_at >= item_at)


def _by_person(rows: Iterable[tuple[str, str, T]]) -> dict[Key, list[T]]:
    found: dict[Key, list[T]] = defaultdict(list)
    for platform, person, value in rows:
        found[(platform, person)].append(value)
    return found


DAY_KEY, DAY_VALUES = ("day",), ("interactions", "positive", "negative", "neutral", "compound_sum", "is_returning",
                                  "is_first")
SPAN_KEY, SPAN_VALUES = ("kind", "start_day"), ("end_day",)
WHO = ("platform", "author_external_id")
DAY_ROW = ("profile_id", *WHO, *DAY_KEY, *DAY_VALUES)  # the columns of a PersonDay's row, in its fields' order
SPAN_ROW = ("profile_id", *WHO, *SPAN_KEY, *SPAN_VALUES)  # the columns of a Span's row, in its fields' order
Stored = dict[tuple[Any, ...], tuple[Any, ...]]


@cache
def _stored_query(model: Any, key: tuple[str, ...], values: tuple[str, ...], platforms: tuple[str, ...]) -> Select[Any]:
    table = table_of(model)
    return (select(*(table.c[c] for c in (*WHO, *key)), table.c.id, *(table.c[c] for c in values))
            .where(table.c.profile_id == PROFILE_ID,
                   keys_in_parameters(table.c.platform, table.c.author_external_id, platforms)))


def _stored(ctx: IndexContext, model: Any, key: tuple[str, ...], values: tuple[str, ...], people: list[Key]) -> Stored:
    """Stored rows of these people: (who + key) -> (id, *values)."""
    rows = ctx.connection.execute(_stored_query(model, key, values, key_platforms(people)),
                                  profile_keys_parameters(ctx, people))
    width = len(WHO) + len(key)
    return {tuple(r[:width]): tuple(r[width:]) for r in rows}


def _write_changes(ctx: IndexContext, model: Any, key: tuple[str, ...], values: tuple[str, ...],
                   old: Stored, new: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Delete rows that went away, upsert rows that are new or differ; returns the keys of both.

    `new` rows are tuples of ("profile_id", *WHO, *key, *values).
    """
    names, width = (*WHO, *key), 1 + len(WHO) + len(key)
    columns = ("profile_id", *names, *values)
    if not old:  # nothing stored (a rebuild): every row is new
        upsert_tuples(ctx.connection, model, columns, new, ["profile_id", *names], values)
        return [r[1:width] for r in new]
    fresh = {r[1:width]: r for r in new}
    gone = [k for k in old if k not in fresh]
    changed = {k: r for k, r in fresh.items() if old.get(k, (None,))[1:] != r[width:]}
    table = table_of(model)
    for ids in chunked([old[k][0] for k in gone]):
        ctx.connection.execute(delete(table).where(table.c.id.in_(ids)))
    upsert_tuples(ctx.connection, model, columns, list(changed.values()), ["profile_id", *names], values)
    return gone + list(changed)


ENGAGER_ROW = ("profile_id", *WHO, *SUMMARY_COLUMNS)  # the columns of a ledger line's row, in its fields' order
STATE_ROW = ("profile_id", *WHO, "state")
SUMMARY_VALUES = attrgetter(*SUMMARY_FIELDS)


class _PersonRows:
    """The rows of one chunk of people, as they will be written (tuples in ENGAGER_ROW, DAY_ROW, SPAN_ROW and
    STATE_ROW order)."""

    def __init__(self) -> None:
        self.engagers: list[tuple[Any, ...]] = []
        self.days: list[tuple[Any, ...]] = []
        self.spans: list[tuple[Any, ...]] = []
        self.states: list[tuple[Any, ...]] = []

    def add(self, ctx: IndexContext, key: Key, ledger: PersonLedger) -> None:
        person = (ctx.profile_id, key[0], key[1])
        self.engagers.append((*person, *SUMMARY_VALUES(ledger.summary)))
        self.days.extend((*person, *day) for day in ledger.days)
        self.spans.extend((*person, span.kind, span.start, span.end) for span in ledger.spans)
        self.states.append((*person, state_document(ledger.state)))

    def people(self) -> set[Key]:
        """The people with a ledger line here."""
        return {(row[1], row[2]) for row in self.engagers}


def _windows(ctx: IndexContext) -> Windows:
    return Windows(ctx.index.loyalty_window_days, ctx.index.return_window_days)


def _upsert_people(ctx: IndexContext, rows: _PersonRows) -> None:
    upsert_tuples(ctx.connection, EngagerRow, ENGAGER_ROW, rows.engagers, ["profile_id", *WHO], SUMMARY_COLUMNS)
    upsert_tuples(ctx.connection, EngagerStateRow, STATE_ROW, rows.states, ["profile_id", *WHO], ["state"])


def _span_days(old_spans: Stored, spans: list[tuple[Any, ...]], rows: _PersonRows) -> set[date]:
    """A span moves the return-rate counts on its first day and on the day after its last."""
    new_ends = {r[1:5]: r[5] for r in rows.spans}  # (*WHO, kind, start_day) -> end_day
    ends = [e for k in spans for e in (old_spans.get(k, (None, None))[1], new_ends.get(k)) if e is not None]
    return {k[3] for k in spans} | {e + timedelta(days=1) for e in ends}


def _write(ctx: IndexContext, people: list[Key], rows: _PersonRows) -> tuple[set[date], set[date]]:
    """Write one chunk's rows where they changed; returns the loyalty and return-rate days touched."""
    kept = rows.people()
    gone = [k for k in people if k not in kept]
    for model in (EngagerRow, EngagerStateRow) if gone else ():
        table = table_of(model)
        ctx.connection.execute(delete(table).where(table.c.profile_id == ctx.profile_id, _person_in(table, gone)))
    _upsert_people(ctx, rows)
    old_days = _stored(ctx, EngagerDayRow, DAY_KEY, DAY_VALUES, people)
    old_spans = _stored(ctx, ReturnSpanRow, SPAN_KEY, SPAN_VALUES, people)
    days = _write_changes(ctx, EngagerDayRow, DAY_KEY, DAY_VALUES, old_days, rows.days)
    spans = _write_changes(ctx, ReturnSpanRow, SPAN_KEY, SPAN_VALUES, old_spans, rows.spans)
    return {k[2] for k in days}, _span_days(old_spans, spans, rows)


def _insert(ctx: IndexContext, rows: _PersonRows) -> None:
    """Write one chunk's rows into empty tables (a rebuild: every row is new)."""
    _upsert_people(ctx, rows)
    upsert_tuples(ctx.connection, EngagerDayRow, DAY_ROW, rows.days, ["profile_id", *WHO, *DAY_KEY], DAY_VALUES)
    upsert_tuples(ctx.connection, ReturnSpanRow, SPAN_ROW, rows.spans, ["profile_id", *WHO, *SPAN_KEY], SPAN_VALUES)


def _rebuild(ctx: IndexContext, people: list[Key]) -> tuple[set[date], set[date]]:
    """Rebuild these people's rows from their whole history."""
    loyalty: set[date] = set()
    returns: set[date] = set()
    day_of = LocalDays(ctx.zone)
    for chunk in chunked(people, PERSON_CHUNK):
        touches = _by_person(_touch_rows(ctx, chunk))
        replies = _by_person(_brand_reply_rows(ctx, chunk))
        rows = _PersonRows()
        for key in chunk:
            if touches.get(key):
                rows.add(ctx, key, compute_ledger(touches[key], replies.get(key, []), ctx.zone, _windows(ctx),
                                                  day_of))
        changed_loyalty, changed_returns = _write(ctx, chunk, rows)
        loyalty |= changed_loyalty
        returns |= changed_returns
    return loyalty, returns


def rebuild_people(ctx: IndexContext, owned_replies: OwnedReplies,
                   on_item: Callable[[Sequence[Any]], None] | None = None, day_of: LocalDays | None = None) -> None:
    """Build everyone's rows into empty tables: each source read once, in the database's order of people.

    Reading chunks of people by key lists made SQLite scan all the profile's links per chunk. `owned_replies`
    are the first owned reply to each item (`first_owned_replies`). `on_item`, if given, is handed every
    inbound item in the same read (see `_everyone_by_person`). `day_of`: the local days to use, if `on_item`'s
    consumer has one.
    """
    own = own_accounts(ctx)
    day_of = LocalDays(ctx.zone) if day_of is None else day_of
    for chunk in chunked(_everyone_by_person(ctx, owned_replies, on_item), PERSON_CHUNK):
        rows = _PersonRows()
        for key, history, answered in chunk:
            if key not in own:
                rows.add(ctx, key, compute_ledger(history, answered, ctx.zone, _windows(ctx), day_of))
        _insert(ctx, rows)


def _fold(ctx: IndexContext, people: list[Key],
          deltas: dict[Key, PersonDelta]) -> tuple[list[Key], set[date], set[date]]:
    """Fold the new touches and replies into the stored rows of the people that allow it.

    Returns the people that need a rebuild instead, and the loyalty and return-rate days touched.
    """
    ledgers = fetch_stored_people(ctx, people)
    stored = ledgers.people
    folding = [k for k in people if k in stored and deltas[k].foldable
               and stored[k].can_fold(deltas[k].touches, deltas[k].replies)]
    rows = _PersonRows()
    for key in folding:
        if deltas[key].touches or deltas[key].replies:
            rows.add(ctx, key, fold_ledger(stored[key], deltas[key].touches, deltas[key].replies, ctx.zone,
                                           _windows(ctx)))
    _upsert_people(ctx, rows)
    changed = rows.people()
    upsert_tuples(ctx.connection, EngagerDayRow, DAY_ROW, rows.days, ["profile_id", *WHO, *DAY_KEY], DAY_VALUES)
    old_spans = {k: v for k, v in ledgers.span_rows.items() if k[:2] in changed}  # read with the ledgers
    spans = _write_changes(ctx, ReturnSpanRow, SPAN_KEY, SPAN_VALUES, old_spans, rows.spans)
    folded = set(folding)
    rebuild = [k for k in people if k not in folded]
    return rebuild, {d[DAY_ROW.index("day")] for d in rows.days}, _span_days(old_spans, spans, rows)


def refresh_people(ctx: IndexContext, keys: Iterable[Key],
                   marks: Watermarks | None = None) -> tuple[set[date], set[date]]:
    """Bring the ledger rows of these people up to date (`rebuild_people` builds everyone's).

    With `marks`, what the rows past them add is folded into each person's stored rows where
    that is exact, and the others are rebuilt from their whole history. Returns the days whose
    loyalty counts and whose return-rate counts changed.
    """
    own = own_accounts(ctx)
    people = sorted(k for k in keys if k not in own)
    loyalty: set[date] = set()
    returns: set[date] = set()
    if marks is not None:
        deltas = fetch_person_deltas(ctx, marks)
        rebuild: list[Key] = []
        for chunk in chunked(people):
            chunk_rebuild, loyalty_days, return_days = _fold(ctx, chunk, deltas)
            rebuild += chunk_rebuild
            loyalty |= loyalty_days
            returns |= return_days
        people = rebuild
    rebuilt_loyalty, rebuilt_returns = _rebuild(ctx, people)
    return loyalty | rebuilt_loyalty, returns | rebuilt_returns
