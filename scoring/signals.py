"""Per-day relationship signals, as pure functions over plain values (no I/O, no clock)."""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import itemgetter

from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD


@dataclass(frozen=True)
class SentimentCounts:
    """One day's inbound sentiment: polarity counts, mean compound, and net sentiment."""

    positive: int
    negative: int
    neutral: int
    unscored: int
    mean_compound: float | None

    @property
    def polar(self) -> int:
        """Items that are clearly positive or negative."""
        return self.positive + self.negative

    @property
    def net(self) -> float | None:
        """NS = (pos - neg) / (pos + neg), None with no polar items."""
        return (self.positive - self.negative) / self.polar if self.polar else None


def count_sentiment(compounds: Iterable[float | None]) -> SentimentCounts:
    """Classify compounds with the VADER authors' thresholds; None = unscored (e.g. language)."""
    pos = neg = neu = unscored = 0
    scored: list[float] = []
    for value in compounds:
        if value is None:
            unscored += 1
            continue
        scored.append(value)
        if value >= POSITIVE_THRESHOLD:
            pos += 1
        elif value <= NEGATIVE_THRESHOLD:
            neg += 1
        else:
            neu += 1
    mean = sum(scored) / len(scored) if scored else None
    return SentimentCounts(pos, neg, neu, unscored, mean)


def shrink_net_sentiment(counts: SentimentCounts, prior: float, pseudo_count: float) -> float | None:
    """Net sentiment shrunk towards `prior` with `pseudo_count` imaginary polar items.

    With p = share positive among polar items, NS = 2p - 1; a Beta prior of strength k
    centred on the prior's share gives NS' = (pos - neg + k * prior) / (pos + neg + k).
    """
    if counts.polar == 0:
        return None
    return (counts.positive - counts.negative + pseudo_count * prior) / (counts.polar + pseudo_count)


# Any stored moment maps to a day in this range: a record from year 1 or 9999 (stored before the
# connector boundary refused such times) must not make date arithmetic overflow.
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)


def clamp_day(day: date) -> date:
    """The day, moved into FIRST_DAY .. LAST_DAY (where a day either side still exists)."""
    return min(max(day, FIRST_DAY), LAST_DAY)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of an aware moment in the profile's time zone (clamped to FIRST_DAY .. LAST_DAY)."""
    try:
        day = moment.astimezone(zone).date()
    except (OverflowError, ValueError):
        return LAST_DAY if moment.year > 1 else FIRST_DAY
    return day if FIRST_DAY <= day <= LAST_DAY else clamp_day(day)  # the test first: this runs per row


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a local day, as aware datetimes (23 or 25 h across DST)."""
    day = clamp_day(day)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start, end


@dataclass(frozen=True)
class CounterObservation:
    """An item's summed engagement counters (likes+shares+replies+quotes) at a moment."""

    at: datetime
    total: int


def attribute_growth(
    created_at: datetime, observations: Sequence[CounterObservation], zone: tzinfo
) -> dict[date, float]:
    """Engagement gained per local day, from counter snapshots of one item.

    The first observation's count is put on the day the item was made (backfilled items
    have no history, and most engagement comes on day one). Growth between two later
    snapshots is spread over the interval between them in proportion to time.
    """
    return attribute_growths(created_at, [(o.at, (o.total,)) for o in observations], 1, zone)[0]


def attribute_growths(created_at: datetime, observations: Sequence[tuple[datetime, Sequence[int]]], width: int,
                      zone: tzinfo) -> list[dict[date, float]]:
    """`attribute_growth` of each of `width` counters observed together (the snapshots' times, the item's day
    and each interval's spread found once for them all)."""
    ordered = sorted(observations, key=itemgetter(0))
    if not ordered:
        return [{} for _ in range(width)]
    first_day = local_day(created_at, zone)
    if len(ordered) == 1:  # one snapshot (a backfilled item): the loop below would put it all on the first day
        return [{first_day: 0.0 + ordered[0][1][counter]} for counter in range(width)]
    spreads: dict[int, dict[date, float]] = {}
    growths = []
    for counter in range(width):
        gained: dict[date, float] = defaultdict(float)
        gained[first_day] += ordered[0][1][counter]
        for index, (before, after) in enumerate(zip(ordered, ordered[1:], strict=False)):
            growth = after[1][counter] - before[1][counter]
            if growth:
                if index not in spreads:
                    spreads[index] = _spread(before[0], after[0], zone)
                for day, share in spreads[index].items():
                    gained[day] += growth * share
        growths.append(dict(gained))
    return growths


def _spread(start: datetime, end: datetime, zone: tzinfo) -> dict[date, float]:
    """Share of the interval [start, end) that falls on each local day."""
    # All arithmetic in UTC: Python subtracts two times of the same zone by wall clock,
    # which would lose or gain the DST hour.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = (end - start).total_seconds()
    if total <= 0:
        return {local_day(end, zone): 1.0}
    shares: dict[date, float] = {}
    cursor = start
    while cursor < end:
        day = local_day(cursor, zone)
        _, day_end = day_bounds(day, zone)
        stop = min(day_end.astimezone(UTC), end)
        shares[day] = shares.get(day, 0.0) + (stop - cursor).total_seconds() / total
        cursor = stop
    return shares


def followers_on(day: date, history: Mapping[date, int]) -> int | None:
    """The follower count on a day: that day's, else the nearest earlier, else the earliest."""
    return followers_by_day((day,), history)[day]


def followers_by_day(days: Iterable[date], history: Mapping[date, int]) -> dict[date, int | None]:
    """`followers_on` for each of `days` (in their order), walking the sorted history once, not once per day."""
    wanted = list(days)
    observed = sorted(history)
    found: dict[date, int | None] = {}
    seen = 0  # how many observations fall on or before the day
    for day in sorted(wanted):
        while seen < len(observed) and observed[seen] <= day:
            seen += 1
        found[day] = history[observed[seen - 1]] if seen else (history[observed[0]] if observed else None)
    return {day: found[day] for day in wanted}


def trailing_median(values: Mapping[date, float], day: date, window_days: int) -> float | None:
    """Median of the values on the `window_days` days before `day` (days with data only)."""
    start = day - timedelta(days=window_days)
    window = [v for d, v in values.items() if start <= d < day]
    return statistics.median(window) if window else None


def shrink_share(successes: float, trials: float, prior: float, pseudo_count: float) -> float | None:
    """A share shrunk towards `prior`: (s + k * prior) / (n + k), a Beta prior of strength k.

    None with no trials: a day without evidence has no value (the component is left out).
    """
    if trials <= 0:
        return None
    return (successes + pseudo_count * prior) / (trials + pseudo_count)


def _days_before(day: date, count: int) -> Iterable[date]:
    """The `count` days before `day`, latest first (by ordinal: this runs per day of the series, twice)."""
    ordinal = day.toordinal()
    if ordinal - count < 1:  # before year 1: the date arithmetic raises as it always did
        return [day - timedelta(days=i) for i in range(1, count + 1)]
    return map(date.fromordinal, range(ordinal - 1, ordinal - count - 1, -1))


def baseline(values: Mapping[date, float], day: date, window_days: int, min_days: int) -> float | None:
    """The profile's own level before `day`: the trailing median over days with data.

    None until `min_days` days are in the window. A median of zero (most days quiet) falls
    back to the window's mean, so a rare busy day is compared with something above zero.
    """
    return _level([values[d] for d in _days_before(day, window_days) if d in values], min_days)


def _level(window: list[float], min_days: int) -> float | None:
    """`baseline` of the values in one window, in any order (the median sorts them, the mean sums them exactly)."""
    if len(window) < min_days:
        return None
    middle = statistics.median(window)
    return middle if middle > 0 else statistics.fmean(window)


class TrailingBaselines:
    """`baseline` of many days over the same values: their days sorted once, each window a slice of them."""

    def __init__(self, values: Mapping[date, float], window_days: int, min_days: int) -> None:
        self._values, self._window_days, self._min_days = values, window_days, min_days
        days = sorted(values)
        self._ordinals = [d.toordinal() for d in days]
        self._levels = [values[d] for d in days]

    def at(self, day: date) -> float | None:
        """`baseline(values, day, window_days, min_days)`."""
        ordinal = day.toordinal()
        if ordinal - self._window_days < 1:  # a window before year 1: as `baseline` does it (it raises)
            return baseline(self._values, day, self._window_days, self._min_days)
        first = bisect.bisect_left(self._ordinals, ordinal - self._window_days)
        return _level(self._levels[first:bisect.bisect_left(self._ordinals, ordinal, first)], self._min_days)


def count_by_day(moments: Iterable[datetime], zone: tzinfo) -> dict[date, int]:
    """How many moments fall on each local day."""
    counts: dict[date, int] = defaultdict(int)
    for moment in moments:
        counts[local_day(moment, zone)] += 1
    return dict(counts)


def value_at_age(created_at: datetime, observations: Sequence[CounterObservation],
                 age: timedelta) -> float | None:
    """An item's counter total when it was `age` old, interpolated between snapshots.

    None while no snapshot reaches that age yet. A first snapshot taken later than `age`
    (a backfilled item) stands for it, as in `attribute_growth`.
    """
    moment = created_at + age
    ordered = sorted(observations, key=lambda o: o.at)
    if not ordered or ordered[-1].at < moment:
        return None
    if ordered[0].at >= moment:
        return float(ordered[0].total)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.at <= moment <= after.at:
            span = (after.at - before.at).total_seconds()
            fraction = (moment - before.at).total_seconds() / span if span else 1.0
            return before.total + fraction * (after.total - before.total)
    return float(ordered[-1].total)


PROMOTER_STARS = 4.5
PASSIVE_STARS = 3.5


def stars_out_of_five(rating: float, scale: float | None) -> float:
    """A rating on any scale (5 stars, 10 points ...) as stars out of five."""
    return rating * 5.0 / (scale or 5.0)


def rating_class(stars: float) -> str:
    """NPS class of a rating out of five: 5 promoter, 4 passive, 1-3 detractor.

    On a 0-10 scale this gives NPS's own cut: 9-10 promoter, 7-8 passive, 0-6 detractor.
    """
    if stars >= PROMOTER_STARS:
        return "promoter"
    return "passive" if stars >= PASSIVE_STARS else "detractor"


@dataclass(frozen=True)
class NpsCounts:
    """Reviews in a window by NPS class."""

    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        """Reviews counted."""
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        """100 x (promoters - detractors) / reviews, None without reviews."""
        return 100.0 * (self.promoters - self.detractors) / self.total if self.total else None


def shrink_nps(counts: NpsCounts, prior: float, pseudo_count: float) -> float | None:
    """NPS shrunk towards `prior` (in [-100, 100]) with `pseudo_count` imaginary reviews."""
    if counts.total == 0:
        return None
    return 100.0 * (counts.promoters - counts.detractors + pseudo_count * prior / 100.0) / (counts.total + pseudo_count)
