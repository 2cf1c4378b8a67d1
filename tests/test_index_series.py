"""The formula over day facts: each component hand-computed, coverage, EWMA, shrinkage, provisional days."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from operator import add
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from listener.config.settings import DEFAULT_WEIGHTS
from listener.index.series import RUNNING_TOTAL_FIELDS, provisional_from, running_totals
from scoring.series import DayFacts, FormulaParams, Resume, SeriesInputs, compute_series, priors_after

D0 = date(2026, 11, 1)
PARAMS = FormulaParams(weights=DEFAULT_WEIGHTS, baseline_min_days=1, engagement_pseudo_count=0,
                       advocacy_pseudo_count=0)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def run(facts: list[DayFacts], days: int, params: FormulaParams = PARAMS, followers: dict[date, int] | None = None,
        pending: int = 0) -> list[dict[str, Any]]:
    inputs = SeriesInputs({f.day: f for f in facts}, followers or {}, D0, day(days - 1), day(days), pending)
    return compute_series(inputs, params)


def component(points: list[dict[str, Any]], n: int, name: str) -> dict[str, Any]:
    return points[n]["components"][name]


def test_a_day_without_data_has_no_components_and_no_index() -> None:
    point = run([], 1)[0]
    assert all(c["score"] is None for c in point["components"].values())
    assert (point["daily_index"], point["running_index"], point["coverage"], point["used_components"]) == \
        (None, None, 0.0, [])


def test_a_single_positive_item_moves_sentiment_one_eleventh_of_the_way() -> None:
    s = component(run([DayFacts(D0, positive=1, scored=1, compound_sum=0.6)], 1), 0, "sentiment")
    assert (s["net"], s["prior"], s["mean_compound"]) == (1.0, 0.0, 0.6)
    assert s["net_shrunk"] == pytest.approx(1 / 11) and s["score"] == pytest.approx(50 * (1 + 1 / 11))


def test_sentiment_is_shrunk_towards_the_previous_day() -> None:
    points = run([DayFacts(D0, positive=10, scored=10), DayFacts(day(1), negative=2, scored=2)], 2)
    first, second = component(points, 0, "sentiment"), component(points, 1, "sentiment")
    assert first["net_shrunk"] == pytest.approx(10 / 20)
    assert second["prior"] == pytest.approx(0.5)
    assert second["net_shrunk"] == pytest.approx((-2 + 10 * 0.5) / 12)


@pytest.mark.parametrize(
    ("pseudo", "expected_score"),
    [
        (0.0, 100 * 0.02 / (0.02 + 0.01)),  # raw: twice the baseline
        (10.0, 100 * 0.015 / (0.015 + 0.01)),  # 20 events shrunk towards a baseline of 10: 10*(20+10)/(10+10) = 15
    ],
)
def test_engagement_rate_against_the_trailing_median(pseudo: float, expected_score: float) -> None:
    facts = [DayFacts(D0, likes=8, replies=2), DayFacts(day(1), likes=15, shares=4, quotes=1)]
    points = run(facts, 2, replace(PARAMS, engagement_pseudo_count=pseudo), followers={D0: 1000})
    assert component(points, 0, "engagement")["score"] is None  # no baseline on the first day
    e = component(points, 1, "engagement")
    assert (e["rate"], e["baseline"], e["engagement"], e["followers"]) == (0.02, 0.01, 20.0, 1000)
    assert e["score"] == pytest.approx(expected_score)


def test_engagement_without_followers_or_engagement_has_no_component() -> None:
    points = run([DayFacts(D0, likes=5), DayFacts(day(1), likes=5)], 3)
    assert all(component(points, n, "engagement")["score"] is None for n in range(3))


def test_advocacy_counts_quiet_days_as_zero() -> None:
    facts = [DayFacts(D0, shares=2), DayFacts(day(2), quotes=1, positive_mentions=3)]
    points = run(facts, 3)
    assert component(points, 1, "advocacy")["score"] == 0.0  # nothing vs a baseline of 2
    a = component(points, 2, "advocacy")
    assert (a["value"], a["baseline"]) == (4, 1.0)  # median of 2 and 0
    assert a["score"] == pytest.approx(100 * 4 / 5)


def test_loyalty_waits_for_a_full_window_then_shrinks() -> None:
    params = replace(PARAMS, loyalty_window_days=2)
    facts = [DayFacts(day(n), engagers=4, returning_engagers=2, new_engagers=1) for n in range(3)]
    points = run(facts, 3, params)
    assert component(points, 1, "loyalty")["score"] is None and component(points, 1, "loyalty")["warming_up"]
    loyalty = component(points, 2, "loyalty")
    assert (loyalty["share"], loyalty["engagers"], loyalty["returning"], loyalty["new"]) == (0.5, 4, 2, 1)
    assert loyalty["shrunk"] == pytest.approx((2 + 10 * 0.5) / 14) and loyalty["score"] == pytest.approx(50.0)


def test_responsiveness_counts_closed_items_and_shows_pending_today() -> None:
    facts = [DayFacts(D0, answered_in_time=3, answered_late=1, unanswered=1, reply_seconds_median=5400.0)]
    r = component(run(facts, 1, pending=4), 0, "responsiveness")
    assert (r["closed"], r["in_time"], r["late"], r["unanswered"], r["pending"]) == (5, 3, 1, 1, 4)
    assert r["share"] == 0.6 and r["median_reply_minutes"] == 90.0
    assert r["shrunk"] == pytest.approx((3 + 5 * 0.5) / 10) and r["score"] == pytest.approx(55.0)


def test_nps_over_a_trailing_window() -> None:
    params = replace(PARAMS, nps_window_days=3, nps_pseudo_count=0)
    facts = [DayFacts(D0, promoters=2, stars_sum=10), DayFacts(day(3), detractors=1, stars_sum=2)]
    points = run(facts, 5, params)
    assert component(points, 2, "nps")["nps"] == 100.0  # day 0 still in the 3-day window
    late = component(points, 3, "nps")
    assert (late["nps"], late["reviews"], late["average_stars"], late["score"]) == (-100.0, 1, 2.0, 0.0)
    assert component(points, 4, "nps")["reviews"] == 1


def test_nps_single_review_is_shrunk() -> None:
    n = component(run([DayFacts(D0, detractors=1, stars_sum=1)], 1), 0, "nps")
    assert n["nps"] == -100.0 and n["nps_shrunk"] == pytest.approx(-100 / 11)


def test_return_rate_sums_span_deltas_over_days() -> None:
    facts = [DayFacts(D0, helped_delta=2), DayFacts(day(1), returned_delta=1), DayFacts(day(2), helped_delta=-1)]
    points = run(facts, 3, replace(PARAMS, return_rate_pseudo_count=0))
    assert [(component(points, n, "return_rate")["helped"], component(points, n, "return_rate")["returned"])
            for n in range(3)] == [(2, 0), (2, 1), (1, 1)]
    assert [component(points, n, "return_rate")["score"] for n in range(3)] == [0.0, 50.0, 100.0]


def test_daily_index_is_the_weighted_mean_of_components_with_data() -> None:
    weights = dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {"sentiment": 0.25, "responsiveness": 0.15, "nps": 0.6}
    params = replace(PARAMS, weights=weights, sentiment_pseudo_count=0, responsiveness_pseudo_count=0)
    point = run([DayFacts(D0, positive=3, negative=1, answered_in_time=1, unanswered=1)], 1, params)[0]
    assert point["daily_index"] == pytest.approx((0.25 * 75 + 0.15 * 50) / 0.4)
    assert point["coverage"] == pytest.approx(0.4) and point["used_components"] == ["responsiveness", "sentiment"]


def test_running_index_is_an_ewma_over_days_with_a_value() -> None:
    weights = dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {"sentiment": 1.0}
    params = replace(PARAMS, weights=weights, sentiment_pseudo_count=0, half_life_days=1)
    points = run([DayFacts(D0, positive=1), DayFacts(day(2), negative=1)], 3, params)
    assert [p["running_index"] for p in points] == [100.0, 100.0, pytest.approx(100 - 0.75 * 100)]


def test_index_moves_less_on_three_items_than_on_three_hundred_with_the_same_shares() -> None:
    good = DayFacts(D0, positive=3, engagers=3, returning_engagers=3, answered_in_time=3, promoters=3)
    history = [replace(good, day=day(n)) for n in range(40)]

    def bad_day(scale: int) -> DayFacts:
        return DayFacts(day(40), negative=3 * scale, engagers=3 * scale, answered_late=3 * scale,
                        detractors=3 * scale, helped_delta=3 * scale)

    def move(scale: int) -> float:
        points = run([*history, bad_day(scale)], 41)
        return points[39]["daily_index"] - points[40]["daily_index"]

    few, many = move(1), move(100)
    assert 0 < few < many
    assert few < many / 3


@pytest.mark.parametrize(
    ("now", "hours", "first_provisional"),
    [
        (datetime(2026, 11, 18, 13, tzinfo=UTC), 48, date(2026, 11, 16)),  # the 16th ended 37 h ago
        (datetime(2026, 11, 18, 23, 30, tzinfo=UTC), 48, date(2026, 11, 17)),  # 00:30 on the 19th in Berlin
        (datetime(2026, 11, 18, 13, tzinfo=UTC), 0, date(2026, 11, 18)),  # only today
        # The 25-hour 2026-10-25 ended at 23:00 UTC; 48 h later it is final, the 24th long since.
        (datetime(2026, 10, 26, 23, 30, tzinfo=UTC), 48, date(2026, 10, 25)),
        (datetime(2026, 10, 27, 23, 0, tzinfo=UTC), 48, date(2026, 10, 26)),
    ],
)
def test_days_stay_provisional_until_their_window_has_passed(now: datetime, hours: float,
                                                             first_provisional: date) -> None:
    assert provisional_from(now, ZoneInfo("Europe/Berlin"), hours) == first_provisional


def test_a_walk_without_later_days_and_with_earlier_ones_summed_gives_the_same_points() -> None:
    """A resumed walk reads the days before its windows as two summed days, not one row each (the stars in
    day order: their float sum depends on it), and no day after today."""
    rng = random.Random(7)
    facts = [DayFacts(day(n), inbound=3, positive=rng.randrange(3), scored=3, compound_sum=rng.uniform(-2, 2),
                      promoters=rng.randrange(3), passives=rng.randrange(2), detractors=rng.randrange(2),
                      stars_sum=rng.uniform(0, 9) if rng.random() < 0.7 else 0.0,
                      helped_delta=rng.randrange(-1, 3), returned_delta=rng.randrange(-1, 2))
             for n in range(-5, 340) if rng.random() < 0.8]
    first, today, resume_day = day(0), day(299), day(250)
    whole = compute_series(SeriesInputs({f.day: f for f in facts}, {}, first, today, day(300)), PARAMS)
    before = whole[(resume_day - first).days - 1]
    resume = Resume(resume_day, priors_after(before["components"]), before["running_index"],
                    max(p["day"] for p in whole if p["day"] < resume_day and p["daily_index"] is not None))
    full_from = resume_day - timedelta(days=max(PARAMS.baseline_days, PARAMS.nps_window_days,
                                                PARAMS.loyalty_window_days) + 1)
    early = [f for f in facts if f.day < full_from]
    rows = [tuple(getattr(f, name) for name in RUNNING_TOTAL_FIELDS) for f in early]
    later = {f.day: f for f in facts if f.day >= full_from}
    up_to_today = {d: f for d, f in later.items() if d <= today}
    by_row = {row[0]: DayFacts(**dict(zip(RUNNING_TOTAL_FIELDS, row, strict=True))) for row in rows}
    summed = running_totals(rows, first)

    def walk(walk_facts: dict[date, DayFacts]) -> list[dict[str, Any]]:
        return compute_series(SeriesInputs(walk_facts, {}, first, today, day(300), resume=resume), PARAMS)

    in_walk = [f.stars_sum for f in early if f.day >= first]
    assert len(summed) == 2 and reduce(add, in_walk, 0.0) != reduce(add, reversed(in_walk), 0.0)
    assert summed[max(f.day for f in early)].stars_sum == reduce(add, in_walk, 0.0)  # the walk's order
    assert len(up_to_today) < len(later)
    assert walk({**summed, **up_to_today}) == walk({**by_row, **later}) == whole[(resume_day - first).days:]
