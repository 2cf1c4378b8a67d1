"""The formula pass: a profile's day facts -> its index series, written where it changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, true

from listener.config.settings import IndexConfig
from listener.index.days import count_pending
from listener.index.relationships import relationship_components, relationship_params
from listener.index.sql import IndexContext, chunked
from listener.storage.index_models import IndexDayRow
from listener.storage.models import AccountRow, FollowerCountRow, IndexPointRow, ItemProfileRow
from listener.storage.tuple_upsert import upsert_tuples
from listener.storage.upsert import table_of
from scoring.series import FACT_FIELDS, DayFacts, FormulaParams, Resume, SeriesInputs, compute_series, priors_after
from scoring.signals import day_bounds, followers_by_day, local_day

POINT_VALUES = ("parameters", "components", "coverage", "used_components", "daily_index", "running_index",
                "provisional")
COMPARED_VALUES = POINT_VALUES[1:]  # a point's parameters are those its formula version is named after
POINT_ROW = ("profile_id", "day", "formula_version", *POINT_VALUES, "computed_at")


def formula_params(index: IndexConfig) -> FormulaParams:
    """The formula's settings from a profile's [index] table."""
    return FormulaParams(
        weights=index.weights, half_life_days=index.half_life_days, baseline_days=index.baseline_days,
        baseline_min_days=index.baseline_min_days, sentiment_pseudo_count=index.sentiment_pseudo_count,
        engagement_pseudo_count=index.engagement_pseudo_count, advocacy_pseudo_count=index.advocacy_pseudo_count,
        loyalty_pseudo_count=index.loyalty_pseudo_count, responsiveness_pseudo_count=index.responsiveness_pseudo_count,
        nps_pseudo_count=index.nps_pseudo_count, return_rate_pseudo_count=index.return_rate_pseudo_count,
        loyalty_window_days=index.loyalty_window_days, nps_window_days=index.nps_window_days,
    )


def load_facts(ctx: IndexContext, days: set[date] | None = None) -> dict[date, DayFacts]:
    """Every stored day of the profile's facts, or those of `days` (a day without a row is left out)."""
    table = table_of(IndexDayRow)
    query = select(*(table.c[name] for name in FACT_FIELDS)).where(table.c.profile_id == ctx.profile_id)
    chunks = [query] if days is None else [query.where(table.c.day.in_(chunk)) for chunk in chunked(sorted(days))]
    facts = (DayFacts.from_mapping(dict(zip(FACT_FIELDS, row, strict=True)))
             for chunk in chunks for row in ctx.connection.execute(chunk))
    return {day_facts.day: day_facts for day_facts in facts}


# What the walk reads of days before the window of any day it computes: running totals only.
RUNNING_TOTAL_FIELDS = ("day", "promoters", "passives", "detractors", "stars_sum", "helped_delta", "returned_delta")


def running_totals(rows: Iterable[Sequence[Any]], first: date) -> dict[date, DayFacts]:
    """Days of running-total rows (RUNNING_TOTAL_FIELDS, oldest first) summed into one day each side of `first`.

    The walk adds days before the first day to its return counts only and later ones to every running
    total, each in day order; a sum kept on the group's last day, added in the same order, leaves every
    total from that day on as it was (the window of a computed day starts after these days).
    """
    summed: dict[date, DayFacts] = {}
    for _before_first, group in groupby(rows, key=lambda row: row[0] < first):
        days = list(group)
        promoters, passives, detractors, stars, helped, returned = 0, 0, 0, 0.0, 0, 0
        for _day, row_promoters, row_passives, row_detractors, row_stars, row_helped, row_returned in days:
            promoters, passives = promoters + row_promoters, passives + row_passives
            detractors, stars = detractors + row_detractors, stars + row_stars
            helped, returned = helped + row_helped, returned + row_returned
        last = days[-1][0]
        summed[last] = DayFacts(last, promoters=promoters, passives=passives, detractors=detractors,
                                stars_sum=stars, helped_delta=helped, returned_delta=returned)
    return summed


def load_walk_facts(ctx: IndexContext, full_from: date, first: date) -> dict[date, DayFacts]:
    """Facts for a walk from `first` to today whose windows reach back to `full_from`: earlier days only as
    running totals, days after today (those after a return span's end ahead) not at all."""
    table = table_of(IndexDayRow)
    rows = ctx.connection.execute(select(*(table.c[name] for name in RUNNING_TOTAL_FIELDS))
                                  .where(table.c.profile_id == ctx.profile_id, table.c.day < full_from)
                                  .order_by(table.c.day))
    facts = running_totals(rows, first)
    query = select(*(table.c[name] for name in FACT_FIELDS)).where(
        table.c.profile_id == ctx.profile_id, table.c.day >= full_from, table.c.day <= ctx.today)
    for row in ctx.connection.execute(query):
        facts[row[0]] = DayFacts.from_mapping(dict(zip(FACT_FIELDS, row, strict=True)))
    return facts


def first_changed_day(facts: Mapping[date, DayFacts], days: set[date], before: Mapping[date, DayFacts]) -> date | None:
    """The earliest of `days` whose facts differ from `before` (both as loaded; a missing day has no row)."""
    return min((day for day in days if facts.get(day) != before.get(day)), default=None)


def load_followers(ctx: IndexContext) -> dict[date, int]:
    """Followers of the profile's accounts by day (an account without a count that day keeps its last)."""
    accounts, counts = table_of(AccountRow), table_of(FollowerCountRow)
    rows = ctx.connection.execute(
        select(counts.c.platform, counts.c.author_external_id, counts.c.observed_on, counts.c.followers)
        .join(accounts, and_(accounts.c.platform == counts.c.platform,
                             accounts.c.external_id == counts.c.author_external_id))
        .where(accounts.c.profile_id == ctx.profile_id))
    per_account: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    for platform, account, observed_on, followers in rows:
        per_account[(platform, account)][observed_on] = followers
    days = sorted({d for history in per_account.values() for d in history})
    by_account = [followers_by_day(days, history) for history in per_account.values()]
    return {d: sum(by_day[d] or 0 for by_day in by_account) for d in days}


def first_day(ctx: IndexContext) -> date | None:
    """The local day of the profile's earliest item."""
    links = table_of(ItemProfileRow)
    first = ctx.connection.execute(select(func.min(links.c.created_at))
                                   .where(links.c.profile_id == ctx.profile_id)).scalar_one_or_none()
    return local_day(first, ctx.zone) if first else None


def provisional_from(now: datetime, zone: ZoneInfo, hours: float) -> date:
    """The first day still open to late data: it ended less than `hours` ago (or has not ended)."""
    day = local_day(now, zone)
    while now < day_bounds(day - timedelta(days=1), zone)[1] + timedelta(hours=hours):
        day -= timedelta(days=1)
    return day


def _stored(ctx: IndexContext, version: str, first: date) -> dict[date, tuple[Any, ...]]:
    """The stored points of this version from `first` on, without their parameters (the version digests them)."""
    points = table_of(IndexPointRow)
    rows = ctx.connection.execute(
        select(points.c.day, *(points.c[c] for c in COMPARED_VALUES))
        .where(points.c.profile_id == ctx.profile_id, points.c.formula_version == version, points.c.day >= first))
    return {day: tuple(values) for day, *values in rows}


def _first_unchanged_followers(ctx: IndexContext, version: str, start: date, before: date,
                               followers: dict[date, int]) -> date:
    """The first day before `before` whose stored point is missing or counted other followers, else `before`."""
    points = table_of(IndexPointRow)
    rows = ctx.connection.execute(
        select(points.c.day, points.c.components[("engagement", "followers")].as_integer())
        .where(points.c.profile_id == ctx.profile_id, points.c.formula_version == version, points.c.day < before)
        .order_by(points.c.day)).all()
    counted = followers_by_day((day for day, _ in rows), followers)
    expected = start
    for day, stored in rows:
        if day != expected or stored != counted[day]:
            return expected
        expected += timedelta(days=1)
    return expected


def resume_point(ctx: IndexContext, version: str, start: date, changed_from: date,
                 followers: dict[date, int]) -> Resume | None:
    """Where the formula can pick up: the first day whose inputs may have changed, with the stored walk before it.

    Days before it keep their facts (the update re-summed none of them), follower counts,
    finality and points; None when the whole series must be computed (a new first day,
    components beyond social, or nothing stored before that day).
    """
    if relationship_params(ctx).used:
        return None
    points = table_of(IndexPointRow)
    mine = (points.c.profile_id == ctx.profile_id, points.c.formula_version == version)
    first, last, provisional = ctx.connection.execute(select(
        func.min(points.c.day), func.max(points.c.day),
        func.min(points.c.day).filter(points.c.provisional == true())).where(*mine)).one()
    if first != start:
        return None
    day = min(changed_from, ctx.today, provisional_from(ctx.now, ctx.zone, ctx.index.provisional_hours),
              provisional or ctx.today, last + timedelta(days=1))
    day = _first_unchanged_followers(ctx, version, start, day, followers)
    previous = ctx.connection.execute(select(points.c.components, points.c.running_index)
                                      .where(*mine, points.c.day == day - timedelta(days=1))).first()
    if day <= start or previous is None:
        return None
    last_index_day = ctx.connection.execute(select(func.max(points.c.day)).where(
        *mine, points.c.day < day, points.c.daily_index.is_not(None))).scalar_one_or_none()
    return Resume(day, priors_after(previous.components), previous.running_index, last_index_day)


def write_series(ctx: IndexContext, version: str, parameters: dict[str, Any],
                 resummed: tuple[set[date], Mapping[date, DayFacts]] | None = None) -> int:
    """Compute the series from the facts and write the points that differ; returns its length.

    With `resummed` (the days whose facts the update re-summed, and their facts before) the
    walk resumes from the stored points before the first day that may differ; without, it
    runs from the first day.
    """
    start = first_day(ctx)
    if start is None:
        return 0
    followers, resume = load_followers(ctx), None
    if resummed is not None:
        changed_from = first_changed_day(load_facts(ctx, resummed[0]), *resummed) or ctx.today
        resume = resume_point(ctx, version, start, changed_from, followers)
    window = max(ctx.index.baseline_days, ctx.index.nps_window_days, ctx.index.loyalty_window_days) + 1
    facts = load_walk_facts(ctx, resume.day - timedelta(days=window), start) if resume else load_facts(ctx)
    inputs = SeriesInputs(facts, followers, start, ctx.today,
                          provisional_from(ctx.now, ctx.zone, ctx.index.provisional_hours), count_pending(ctx),
                          relationship_components(ctx, start) if resume is None else {}, resume)
    points = compute_series(inputs, formula_params(ctx.index))
    stored = _stored(ctx, version, resume.day if resume else start)
    changed = []
    for point in points:
        values = tuple(point[c] for c in COMPARED_VALUES)
        if stored.get(point["day"]) != values:  # one parameters object for all: the JSON is written once
            changed.append((ctx.profile_id, point["day"], version, parameters, *values, ctx.now))
    upsert_tuples(ctx.connection, IndexPointRow, POINT_ROW, changed, ["profile_id", "day", "formula_version"],
                  [*POINT_VALUES, "computed_at"])
    table = table_of(IndexPointRow)
    ctx.connection.execute(delete(table).where(
        table.c.profile_id == ctx.profile_id, table.c.formula_version == version,
        or_(table.c.day < start, table.c.day > ctx.today)))
    return (ctx.today - start).days + 1 if ctx.today >= start else 0
