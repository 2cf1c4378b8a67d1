"""Day facts: each group of index_days columns recomputed, in SQL, for the days that changed."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, case, delete, func, select, true

from listener.index.day_bounds import ensure_day_bounds, on_local_day
from listener.index.sql import IndexContext, chunked
from listener.storage.index_models import (
    EngagementDayRow,
    EngagerDayRow,
    IndexDayRow,
    LocalDayBoundsRow,
    OwnedPostRow,
    ResponseRow,
    ReturnSpanRow,
)
from listener.storage.models import ItemProfileRow, ItemRow, SentimentRow
from listener.storage.tuple_upsert import upsert_tuples
from listener.storage.upsert import table_of
from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, SCORER_VERSION
from scoring.signals import PASSIVE_STARS, PROMOTER_STARS

ITEM_COLUMNS = ("inbound", "owned", "positive", "negative", "neutral", "scored", "compound_sum",
                "positive_mentions", "promoters", "passives", "detractors", "stars_sum")
ENGAGEMENT_COLUMNS = ("likes", "shares", "replies", "quotes")
POST_COLUMNS = ("posts", "posts_48h", "post_engagement_48h")
RESPONSE_COLUMNS = ("answered_in_time", "answered_late", "unanswered", "reply_seconds_median")
LOYALTY_COLUMNS = ("engagers", "returning_engagers", "new_engagers")
RETURN_COLUMNS = ("helped_delta", "returned_delta")
SUMMED_ITEM_COLUMNS = ITEM_COLUMNS[:2] + ("positive", "negative", "scored") + ITEM_COLUMNS[6:]  # _item_query's order
SPAN_KINDS = ("helped", "returned")
MENTION_KINDS = ("mention", "post")
UNSUPPORTED = "unsupported_language"
Days = set[date] | None
Values = dict[date, dict[str, Any]]


def _count(condition: Any) -> Any:
    """Rows meeting the condition (0 if none): what sum(CASE WHEN .. THEN 1 ELSE 0) counts, skipping the others."""
    return func.count().filter(condition)


def _total(condition: Any, value: Any) -> Any:
    """The sum of `value` over rows meeting the condition, 0.0 if none (the 0.0 a CASE added for the others changed
    no sum: the day's sum starts from 0 in Python)."""
    return func.coalesce(func.sum(value).filter(condition), 0.0)


class GatheredFacts:
    """A rebuild's day facts, gathered from every column group and written in one pass over index_days.

    Rows are inserted in the order a group by group write inserted them (the groups' order, then by day),
    so they get the same ids. The first group (item facts) has a JSON column, which stores a None it is
    given as JSON null but leaves a row it is not given as SQL NULL: a day without item facts is written
    without that group's columns, as before. For the other groups, a day without values gets their empty
    values, which are their columns' defaults.
    """

    def __init__(self) -> None:
        self._groups: list[tuple[tuple[str, ...], Values, dict[str, Any]]] = []
        self._days: dict[date, None] = {}  # every day, in insertion order

    def add(self, values: Values, columns: tuple[str, ...], empty: dict[str, Any]) -> None:
        """One column group's values, day by day."""
        self._groups.append((columns, values, empty))
        self._days.update(dict.fromkeys(sorted(values)))

    def save(self, ctx: IndexContext) -> None:
        """Write every day's row (into an index_days without the profile's rows)."""
        first_values = self._groups[0][1]
        self._write(ctx, self._groups, [day for day in self._days if day in first_values])
        self._write(ctx, self._groups[1:], [day for day in self._days if day not in first_values])

    @staticmethod
    def _write(ctx: IndexContext, groups: list[tuple[tuple[str, ...], Values, dict[str, Any]]],
               days: list[date]) -> None:
        columns = tuple(c for group_columns, _values, _empty in groups for c in group_columns)
        pickers = [(itemgetter(*group_columns), values, itemgetter(*group_columns)(empty))
                   for group_columns, values, empty in groups]
        rows = [(ctx.profile_id, day, *(value for pick, values, nothing in pickers
                                        for value in (pick(values[day]) if day in values else nothing)))
                for day in days]
        upsert_tuples(ctx.connection, IndexDayRow, ("profile_id", "day", *columns), rows, ["profile_id", "day"],
                      columns)


def _save(ctx: IndexContext, days: Days, values: Values, columns: tuple[str, ...], empty: dict[str, Any],
          gathered: GatheredFacts | None) -> None:
    """Upsert one column group; days asked for but without data are reset to `empty`. With `gathered` (a
    rebuild: `days` None), the values are handed to it to write with the other groups'."""
    if gathered is not None:
        gathered.add(values, columns, empty)
        return
    wanted = sorted(values) if days is None else sorted(days)
    pick = itemgetter(*columns)  # every group has two columns or more: a tuple
    rows = [(ctx.profile_id, d, *pick(values.get(d, empty))) for d in wanted]
    upsert_tuples(ctx.connection, IndexDayRow, ("profile_id", "day", *columns), rows, ["profile_id", "day"], columns)


def _linked_items(ctx: IndexContext, days: Days) -> tuple[Any, Any, tuple[Any, ...]]:
    """The profile's item links on these local days (None: all) joined to their items: the join, its links and
    the query's conditions.

    The local_day_bounds spans come first and each day's links are found in the created_at index: SQLite's planner
    does so by itself; PostgreSQL is told to (a LATERAL join), as without statistics on new rows it would compare
    every link with every span.
    """
    ensure_day_bounds(ctx, days)
    bounds, links, items = table_of(LocalDayBoundsRow), table_of(ItemProfileRow), table_of(ItemRow)
    on_day = and_(links.c.profile_id == bounds.c.profile_id, on_local_day(links.c.created_at))
    linked: Any
    if ctx.connection.dialect.name == "sqlite":
        linked, joined = links, bounds.join(links, on_day)
    else:
        # OFFSET 0 keeps PostgreSQL from flattening the subquery back into the join it would reorder
        linked = (select(links.c.platform, links.c.external_id, links.c.role).where(on_day).offset(0)
                  .lateral("day_links"))
        joined = bounds.join(linked, true())
    joined = joined.join(items, and_(items.c.platform == linked.c.platform,
                                     items.c.external_id == linked.c.external_id))
    return joined, linked, (bounds.c.profile_id == ctx.profile_id, _day_filter(bounds.c.day, days))


def _item_query(ctx: IndexContext, days: Days) -> Any:
    items, scores = table_of(ItemRow), table_of(SentimentRow)
    day = table_of(LocalDayBoundsRow).c.day
    joined, links, wanted = _linked_items(ctx, days)
    inbound = links.c.role == "inbound"
    scored = and_(inbound, items.c.kind != "share", scores.c.status == "scored")
    review = and_(inbound, items.c.rating.is_not(None))
    stars = items.c.rating * 5.0 / func.coalesce(items.c.rating_scale, 5.0)
    return (
        select(day, _count(inbound), _count(links.c.role == "owned"),
               _count(and_(scored, scores.c.compound >= POSITIVE_THRESHOLD)),
               _count(and_(scored, scores.c.compound <= NEGATIVE_THRESHOLD)), _count(scored),
               _total(scored, scores.c.compound),
               _count(and_(scored, items.c.kind.in_(MENTION_KINDS), scores.c.compound >= POSITIVE_THRESHOLD)),
               _count(and_(review, stars >= PROMOTER_STARS)),
               _count(and_(review, stars >= PASSIVE_STARS, stars < PROMOTER_STARS)),
               _count(and_(review, stars < PASSIVE_STARS)), _total(review, stars),
               _count(and_(inbound, items.c.kind != "share", scores.c.status == UNSUPPORTED)))
        .select_from(joined.outerjoin(scores, and_(scores.c.platform == links.c.platform,
                                                   scores.c.external_id == links.c.external_id,
                                                   scores.c.scorer_version == SCORER_VERSION)))
        .where(*wanted)
        .group_by(day)
    )


def _unsupported(ctx: IndexContext, days: Days) -> dict[date, Counter[str]]:
    items, scores = table_of(ItemRow), table_of(SentimentRow)
    day = table_of(LocalDayBoundsRow).c.day
    joined, links, wanted = _linked_items(ctx, days)
    rows = ctx.connection.execute(
        select(day, scores.c.language, func.count())
        .select_from(joined.join(scores, and_(scores.c.platform == links.c.platform,
                                              scores.c.external_id == links.c.external_id,
                                              scores.c.scorer_version == SCORER_VERSION)))
        .where(*wanted, links.c.role == "inbound", items.c.kind != "share", scores.c.status == UNSUPPORTED)
        .group_by(day, scores.c.language))
    found: dict[date, Counter[str]] = defaultdict(Counter)
    for day_found, language, count in rows:
        found[day_found][language or "?"] += count
    return found


def refresh_item_facts(ctx: IndexContext, days: Days, gathered: GatheredFacts | None = None) -> None:
    """Inbound/owned counts, sentiment, positive mentions and reviews of items made on these local days.

    Each day's counts and sums come from SQL, over the day's links in created_at order.
    """
    values: Values = {}
    unsupported_days: set[date] = set()  # the languages are looked up only where the counts found some
    for day, *sums, unsupported in ctx.connection.execute(_item_query(ctx, days)):
        counts = values[day] = dict(zip(SUMMED_ITEM_COLUMNS, sums, strict=True))
        counts["neutral"] = counts["scored"] - counts["positive"] - counts["negative"]
        counts["unsupported"] = None
        if unsupported:
            unsupported_days.add(day)
    for day, languages in (_unsupported(ctx, unsupported_days) if unsupported_days else {}).items():
        values[day]["unsupported"] = dict(sorted(languages.items()))
    _save(ctx, days, values, (*ITEM_COLUMNS, "unsupported"), {**dict.fromkeys(ITEM_COLUMNS, 0), "unsupported": None},
          gathered)


def _day_filter(column: Any, days: Days) -> Any:
    return true() if days is None else column.in_(sorted(days))


def refresh_engagement_facts(ctx: IndexContext, days: Days, gathered: GatheredFacts | None = None) -> None:
    """Engagement gained by owned items, and owned posts with their 48-hour engagement."""
    table = table_of(EngagementDayRow)
    rows = ctx.connection.execute(
        select(table.c.day, *(func.sum(table.c[c]) for c in ENGAGEMENT_COLUMNS))
        .where(table.c.profile_id == ctx.profile_id, _day_filter(table.c.day, days)).group_by(table.c.day))
    values: Values = {day: dict(zip(ENGAGEMENT_COLUMNS, sums, strict=True)) for day, *sums in rows}
    _save(ctx, days, values, ENGAGEMENT_COLUMNS, dict.fromkeys(ENGAGEMENT_COLUMNS, 0.0), gathered)
    posts = table_of(OwnedPostRow)
    by_day: dict[date, list[float | None]] = defaultdict(list)
    for day, at_48h in ctx.connection.execute(select(posts.c.day, posts.c.engagement_48h).where(
            posts.c.profile_id == ctx.profile_id, _day_filter(posts.c.day, days))):
        by_day[day].append(at_48h)
    post_values: Values = {}
    for day, values_48h in by_day.items():
        known = [v for v in values_48h if v is not None]
        post_values[day] = {"posts": len(values_48h), "posts_48h": len(known),
                            "post_engagement_48h": statistics.median(known) if known else None}
    _save(ctx, days, post_values, POST_COLUMNS, {"posts": 0, "posts_48h": 0, "post_engagement_48h": None}, gathered)


def _outcome_in_sql(table: Any, now: Any) -> Any:
    """response_outcome as a SQL expression (NULL while the window is open): stored times compare as times."""
    replied = table.c.first_reply_at.is_not(None)
    return case((and_(replied, table.c.first_reply_at <= table.c.deadline_at), "in_time"),
                (table.c.deadline_at > now, None), (replied, "late"), else_="unanswered")


def refresh_response_facts(ctx: IndexContext, days: Days, gathered: GatheredFacts | None = None) -> None:
    """Items whose SLA closes on these days: answered in time, late, or not at all; median reply time.

    Outcomes are counted in SQL; only the decided items' reply times are read, for the medians.
    """
    table = table_of(ResponseRow)
    outcome = _outcome_in_sql(table, ctx.now)
    wanted = (table.c.profile_id == ctx.profile_id, _day_filter(table.c.deadline_day, days))
    outcomes: dict[date, Counter[str]] = defaultdict(Counter)
    for day, decided, count in ctx.connection.execute(
            select(table.c.deadline_day, outcome, func.count()).where(*wanted).group_by(table.c.deadline_day, outcome)):
        if decided is not None:
            outcomes[day][decided] = count
    seconds: dict[date, list[float]] = defaultdict(list)
    for day, reply_seconds in ctx.connection.execute(
            select(table.c.deadline_day, table.c.reply_seconds)
            .where(*wanted, outcome.is_not(None), table.c.reply_seconds.is_not(None))):
        seconds[day].append(reply_seconds)
    values: Values = {day: {"answered_in_time": c["in_time"], "answered_late": c["late"], "unanswered": c["unanswered"],
                            "reply_seconds_median": statistics.median(seconds[day]) if seconds[day] else None}
                      for day, c in outcomes.items()}
    _save(ctx, days, values, RESPONSE_COLUMNS, {**dict.fromkeys(RESPONSE_COLUMNS, 0), "reply_seconds_median": None},
          gathered)


def response_outcome(deadline: Any, reply_at: Any, ctx: IndexContext) -> str | None:
    """in_time, late or unanswered once decided; None while the SLA window is still open."""
    if reply_at is not None and reply_at <= deadline:
        return "in_time"
    if deadline > ctx.now:
        return None
    return "late" if reply_at is not None else "unanswered"


def count_pending(ctx: IndexContext) -> int:
    """Items still inside their SLA window without an answer."""
    table = table_of(ResponseRow)
    return ctx.connection.execute(
        select(func.count()).where(table.c.profile_id == ctx.profile_id, table.c.deadline_at > ctx.now,
                                   table.c.first_reply_at.is_(None))).scalar_one()


def refresh_loyalty_facts(ctx: IndexContext, days: Days, gathered: GatheredFacts | None = None) -> None:
    """Distinct engagers per day, how many were returning, how many were new."""
    table = table_of(EngagerDayRow)
    rows = ctx.connection.execute(
        select(table.c.day, func.count(), _count(table.c.is_returning), _count(table.c.is_first))
        .where(table.c.profile_id == ctx.profile_id, _day_filter(table.c.day, days)).group_by(table.c.day))
    values: Values = {day: dict(zip(LOYALTY_COLUMNS, counts, strict=True)) for day, *counts in rows}
    _save(ctx, days, values, LOYALTY_COLUMNS, dict.fromkeys(LOYALTY_COLUMNS, 0), gathered)


def _span_counts(ctx: IndexContext, column: str, days: Iterable[date] | None) -> dict[tuple[str, date], int]:
    table = table_of(ReturnSpanRow)
    rows = ctx.connection.execute(
        select(table.c.kind, table.c[column], func.count())
        .where(table.c.profile_id == ctx.profile_id, table.c.kind.in_(SPAN_KINDS),
               _day_filter(table.c[column], None if days is None else set(days)))
        .group_by(table.c.kind, table.c[column]))
    return {(kind, day): count for kind, day, count in rows}


def refresh_return_facts(ctx: IndexContext, days: Days, gathered: GatheredFacts | None = None) -> None:
    """Return-rate deltas: people entering (span starts) minus leaving (span ended the day before)."""
    starts = _span_counts(ctx, "start_day", days)
    ends = _span_counts(ctx, "end_day", None if days is None else {d - timedelta(days=1) for d in days})
    touched = {d for _, d in starts} | {d + timedelta(days=1) for _, d in ends}
    values: Values = {}
    for day in touched:
        values[day] = {f"{kind}_delta": starts.get((kind, day), 0) - ends.get((kind, day - timedelta(days=1)), 0)
                       for kind in SPAN_KINDS}
    _save(ctx, days, values, RETURN_COLUMNS, dict.fromkeys(RETURN_COLUMNS, 0), gathered)


def prune_empty_days(ctx: IndexContext, days: set[date]) -> None:
    """Drop fact rows left with nothing in them, so an update stores what a rebuild would."""
    table = table_of(IndexDayRow)
    zero_columns = (*ITEM_COLUMNS, *ENGAGEMENT_COLUMNS, "posts", "posts_48h", "answered_in_time", "answered_late",
                    "unanswered", *LOYALTY_COLUMNS, *RETURN_COLUMNS)
    for chunk in chunked(sorted(days)):
        ctx.connection.execute(delete(table).where(
            table.c.profile_id == ctx.profile_id, table.c.day.in_(chunk), table.c.unsupported.is_(None),
            table.c.post_engagement_48h.is_(None), table.c.reply_seconds_median.is_(None),
            *(table.c[c] == 0 for c in zero_columns)))


FACT_GROUPS: dict[str, Callable[[IndexContext, Days, GatheredFacts | None], None]] = {
    "items": refresh_item_facts, "engagement": refresh_engagement_facts, "responses": refresh_response_facts,
    "loyalty": refresh_loyalty_facts, "returns": refresh_return_facts,
}
