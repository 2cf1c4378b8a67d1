"""Share-type signals, NPS and baselines: hand-computed values, missing data, single items."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from scoring.series import shrink_count
from scoring.signals import (
    CounterObservation,
    NpsCounts,
    TrailingBaselines,
    baseline,
    rating_class,
    shrink_nps,
    shrink_share,
    stars_out_of_five,
    value_at_age,
)


@pytest.mark.parametrize(
    ("successes", "trials", "prior", "pseudo", "expected"),
    [
        (0, 0, 0.5, 10, None),  # missing data: no value at all, not a zero
        (1, 1, 0.5, 10, (1 + 5) / 11),  # a single item moves the share by 1/11 of the way
        (3, 3, 0.5, 10, (3 + 5) / 13),
        (300, 300, 0.5, 10, (300 + 5) / 310),
        (2, 4, 0.8, 0, 0.5),  # no prior strength: the raw share
        (0, 2, 1.0, 2, 0.5),
    ],
)
def test_shrink_share_pulls_small_samples_towards_the_running_value(
        successes: float, trials: float, prior: float, pseudo: float, expected: float | None) -> None:
    assert shrink_share(successes, trials, prior, pseudo) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("rating", "scale", "stars", "kind"),
    [
        (5, 5, 5.0, "promoter"), (4, 5, 4.0, "passive"), (3, 5, 3.0, "detractor"), (1, None, 1.0, "detractor"),
        (4.5, 5, 4.5, "promoter"), (10, 10, 5.0, "promoter"), (9, 10, 4.5, "promoter"), (8, 10, 4.0, "passive"),
        (7, 10, 3.5, "passive"), (6, 10, 3.0, "detractor"), (0, 10, 0.0, "detractor"), (100, 100, 5.0, "promoter"),
    ],
)
def test_ratings_on_any_scale_become_nps_classes(rating: float, scale: float | None, stars: float, kind: str) -> None:
    assert stars_out_of_five(rating, scale) == pytest.approx(stars)
    assert rating_class(stars_out_of_five(rating, scale)) == kind


@pytest.mark.parametrize(
    ("counts", "prior", "pseudo", "nps", "shrunk"),
    [
        (NpsCounts(0, 0, 0), 0.0, 10, None, None),
        (NpsCounts(1, 0, 0), 0.0, 10, 100.0, 100 * 1 / 11),
        (NpsCounts(0, 0, 1), 20.0, 10, -100.0, 100 * (-1 + 10 * 0.2) / 11),
        (NpsCounts(6, 2, 2), 0.0, 10, 40.0, 100 * 4 / 20),
        (NpsCounts(60, 20, 20), 0.0, 10, 40.0, 100 * 40 / 110),
    ],
)
def test_nps_and_its_shrinkage(counts: NpsCounts, prior: float, pseudo: float, nps: float | None,
                               shrunk: float | None) -> None:
    assert counts.nps == (pytest.approx(nps) if nps is not None else None)
    assert shrink_nps(counts, prior, pseudo) == (pytest.approx(shrunk) if shrunk is not None else None)


DAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("values", "window", "min_days", "expected"),
    [
        ({}, 28, 1, None),
        ({DAY - timedelta(days=1): 4.0}, 28, 1, 4.0),  # a single day of history
        ({DAY - timedelta(days=1): 4.0}, 28, 7, None),  # not enough history yet
        ({DAY - timedelta(days=i): float(i) for i in range(1, 8)}, 28, 7, 4.0),
        ({DAY: 100.0, DAY - timedelta(days=1): 2.0, DAY - timedelta(days=2): 4.0}, 28, 1, 3.0),  # excludes the day
        ({DAY - timedelta(days=40): 9.0, DAY - timedelta(days=1): 1.0}, 28, 1, 1.0),  # outside the window
        ({DAY - timedelta(days=i): (3.0 if i == 1 else 0.0) for i in range(1, 8)}, 28, 7, 3 / 7),  # median 0: mean
        ({DAY - timedelta(days=i): 0.0 for i in range(1, 8)}, 28, 7, 0.0),
    ],
)
def test_baseline_is_the_trailing_median_of_days_with_data(values: dict[date, float], window: int, min_days: int,
                                                          expected: float | None) -> None:
    assert baseline(values, DAY, window, min_days) == (pytest.approx(expected) if expected is not None else None)
    assert TrailingBaselines(values, window, min_days).at(DAY) == baseline(values, DAY, window, min_days)


def test_trailing_baselines_give_every_day_what_baseline_gives_it() -> None:
    chance = random.Random(5)
    values = {DAY - timedelta(days=chance.randrange(0, 400)): chance.choice([0.0, 0.0, chance.random() * 9])
              for _ in range(250)}
    for window, min_days in ((28, 7), (1, 1), (60, 1), (7, 3)):
        baselines = TrailingBaselines(values, window, min_days)
        for offset in range(-10, 420):
            day = DAY - timedelta(days=offset)
            assert baselines.at(day) == baseline(values, day, window, min_days), (day, window)


def test_trailing_baselines_near_the_first_day_raise_as_baseline_does() -> None:
    values = {date(1, 1, 3): 1.0}
    with pytest.raises(OverflowError):
        baseline(values, date(1, 1, 5), 28, 1)
    with pytest.raises(OverflowError):
        TrailingBaselines(values, 28, 1).at(date(1, 1, 5))


@pytest.mark.parametrize(
    ("count", "base", "pseudo", "expected"),
    [
        (3.0, 1.0, 5.0, 1.0 * 8 / 6),  # a quiet profile: 3 shares move it from 1 to 1.33
        (300.0, 100.0, 5.0, 100 * 305 / 105),  # a busy one follows its data
        (3.0, 1.0, 0.0, 3.0),  # no pseudo-count: the raw count
        (3.0, 0.0, 5.0, 3.0),  # no baseline yet: the raw count
        (0.0, 2.0, 5.0, 2 * 5 / 7),
    ],
)
def test_counts_shrink_towards_the_baseline_with_pseudo_events(count: float, base: float, pseudo: float,
                                                                expected: float) -> None:
    assert shrink_count(count, base, pseudo) == pytest.approx(expected)


CREATED = datetime(2026, 11, 16, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        ([], None),
        ([(1, 5)], None),  # not 48 hours old yet
        ([(24, 10), (72, 30)], 20.0),  # interpolated half-way
        ([(48, 12)], 12.0),
        ([(100, 40)], 40.0),  # backfilled: the first snapshot stands for 48 h
    ],
)
def test_engagement_at_48_hours_of_age(observations: list[tuple[int, int]], expected: float | None) -> None:
    snaps = [CounterObservation(CREATED + timedelta(hours=h), total) for h, total in observations]
    assert value_at_age(CREATED, snaps, timedelta(hours=48)) == expected
