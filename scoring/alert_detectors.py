"""Alert detectors: pure functions from bucket statistics and running baselines to verdicts and firings.

Every detector works the same way: a bucket (a closed time window, or the latest index
point, or a source's sync health) is assessed against its baseline into a verdict;
consecutive breaches make a streak; a streak of `hold_buckets` fires if the condition's
latch is armed and out of its cooldown; firing disarms the latch until a bucket
"recovers". No I/O and no clock: times come in as arguments.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

Verdict = Literal["breach", "elevated", "recovered", "warming", "no_data"]
SUCCESSFUL_RUNS = frozenset({"ok", "partial"})


@dataclass(frozen=True)
class Baseline:
    """An exponentially weighted mean and variance of one metric over past buckets."""

    mean: float = 0.0
    var: float = 0.0
    n: int = 0

    @property
    def sd(self) -> float:
        """Standard deviation."""
        return math.sqrt(max(self.var, 0.0))

    def updated(self, value: float, alpha: float, noise: float = 0.0) -> Baseline:
        """Fold in one value; the first values are averaged evenly (weight never below 1/n).

        `noise` is the value's own sampling sd: the variance learnt is what is left beyond
        it (the day-to-day wobble), so a busy window is judged more tightly than a quiet one.
        """
        weight = max(alpha, 1.0 / (self.n + 1))
        diff = value - self.mean
        excess = max(diff * diff - noise * noise, 0.0)
        return Baseline(self.mean + weight * diff, (1.0 - weight) * (self.var + weight * excess), self.n + 1)


def half_life_alpha(half_life_buckets: float) -> float:
    """EWMA weight of the newest bucket for a half-life counted in buckets."""
    return 1.0 - 0.5 ** (1.0 / half_life_buckets)


@dataclass(frozen=True)
class Latch:
    """Whether a condition may alert: a firing disarms it until recovery and starts a cooldown."""

    armed: bool = True
    cooldown_until: datetime | None = None
    fired_by: str | None = None

    def ready(self, at: datetime) -> bool:
        """Armed and out of the cooldown at `at`."""
        return self.armed and (self.cooldown_until is None or at >= self.cooldown_until)

    def fired(self, by: str, at: datetime, cooldown: timedelta) -> Latch:
        """The latch after `by` fired at `at`."""
        return Latch(False, at + cooldown, by)

    def recovered(self, by: str) -> Latch:
        """Re-armed when the series that fired (or any, if none did) is back to normal."""
        if self.armed or self.fired_by not in (None, by):
            return self
        return Latch(True, self.cooldown_until, None)


@dataclass(frozen=True)
class SeriesState:
    """One detector window's progress: the last bucket evaluated, the current streak, the baselines."""

    last_end: datetime | None = None
    streak: int = 0
    streak_start: datetime | None = None
    baselines: Mapping[str, Baseline] = field(default_factory=dict)


@dataclass(frozen=True)
class Reading:
    """One metric of one bucket against its baseline; `worse` is the distance on the bad side."""

    value: float
    baseline: float
    sd: float
    worse: float
    margin: float
    noise: float = 0.0

    def as_facts(self) -> dict[str, float]:
        """JSON-ready numbers, rounded for people."""
        return {k: round(v, 4) for k, v in vars(self).items()}


@dataclass(frozen=True)
class Assessment:
    """A bucket's verdict and the readings behind it."""

    verdict: Verdict
    readings: Mapping[str, Reading] = field(default_factory=dict)
    volume: int = 0


@dataclass(frozen=True)
class Firing:
    """A condition that should become an alert: what, over which span, and the facts behind it."""

    detector: str
    key: str
    start: datetime | None
    end: datetime
    facts: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """The result of feeding one bucket to a detector."""

    series: SeriesState
    latch: Latch
    assessment: Assessment
    firing: Firing | None = None


def advance(series: SeriesState, latch: Latch, verdict: Verdict, start: datetime, end: datetime,
            name: str, hold: int, cooldown: timedelta, may_fire: bool) -> tuple[SeriesState, Latch, bool]:
    """Move a series' streak and its condition's latch by one verdict; say whether it fires.

    A bucket that may not fire (too old to wake anyone for) leaves the latch untouched, so
    a condition that is still true fires as soon as a fresh bucket confirms it.
    """
    streak = series.streak + 1 if verdict == "breach" else 0
    streak_start = (series.streak_start or start) if streak else None
    if verdict == "recovered":
        latch = latch.recovered(name)
    fire = streak >= hold and may_fire and latch.ready(end)
    if fire:
        latch = latch.fired(name, end, cooldown)
    return replace(series, last_end=end, streak=streak, streak_start=streak_start), latch, fire


def judge(readings: Iterable[Reading], k: float, recover_k: float) -> Verdict:
    """Breach if any metric is worse by more than k sd and by its margin; recovered if all are near."""
    readings = list(readings)
    if any(r.worse > k * r.sd and r.worse >= r.margin for r in readings):
        return "breach"
    if all(r.worse <= recover_k * r.sd or r.worse < r.margin / 2 for r in readings):
        return "recovered"
    return "elevated"


# ---- sentiment drop -------------------------------------------------------------------


@dataclass(frozen=True)
class SentimentBucket:
    """Inbound items of one closed window: polarity counts of the scored ones, and all of them.

    `slot` is the local hour the window starts at: volume has a daily rhythm, so each slot of
    the day keeps its own volume baseline.
    """

    start: datetime
    end: datetime
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    total: int = 0
    slot: int = 0

    @property
    def volume(self) -> int:
        """Items with a sentiment score."""
        return self.positive + self.negative + self.neutral


@dataclass(frozen=True)
class SentimentDropSettings:
    """Sentiment-drop thresholds for one window (see docs/alerts.md for the defaults' reasons)."""

    k: float = 3.0
    net_margin: float = 0.2
    negative_margin: float = 0.1
    min_volume: int = 20
    hold_buckets: int = 2
    cooldown: timedelta = timedelta(hours=24)
    recover_k: float = 1.0
    half_life_buckets: float = 28.0
    min_baseline_buckets: int = 8
    pseudo_count: float = 10.0


def _net_reading(bucket: SentimentBucket, baseline: Baseline, s: SentimentDropSettings) -> Reading:
    """Net sentiment shrunk towards the baseline; its sd adds this window's sampling noise to the wobble."""
    polar, net, k = bucket.positive + bucket.negative, bucket.positive - bucket.negative, s.pseudo_count
    prior = baseline.mean if baseline.n else (net / polar if polar else 0.0)
    value = (net + k * prior) / (polar + k) if polar + k else prior
    share = min(max((1.0 + prior) / 2.0, 0.01), 0.99)  # positive share among polar items
    sampling = 2.0 * math.sqrt(share * (1.0 - share) * polar) / (polar + k) if polar + k else 0.0
    return Reading(value, prior, math.hypot(baseline.sd, sampling), prior - value, s.net_margin, sampling)


def _negative_reading(bucket: SentimentBucket, baseline: Baseline, s: SentimentDropSettings) -> Reading:
    """Share of negative items shrunk towards the baseline, with the same sd."""
    n, k = bucket.volume, s.pseudo_count
    prior = baseline.mean if baseline.n else bucket.negative / n
    value = (bucket.negative + k * prior) / (n + k)
    share = min(max(prior, 0.01), 0.99)
    sampling = math.sqrt(share * (1.0 - share) * n) / (n + k)
    return Reading(value, prior, math.hypot(baseline.sd, sampling), value - prior, s.negative_margin, sampling)


def assess_sentiment(bucket: SentimentBucket, baselines: Mapping[str, Baseline],
                     s: SentimentDropSettings) -> Assessment:
    """A window's net sentiment and negative share against their baselines."""
    if bucket.volume < s.min_volume:
        return Assessment("no_data", volume=bucket.volume)
    net, negative = baselines.get("net", Baseline()), baselines.get("negative", Baseline())
    readings = {"net": _net_reading(bucket, net, s), "negative": _negative_reading(bucket, negative, s)}
    if min(net.n, negative.n) < s.min_baseline_buckets:
        return Assessment("warming", readings, bucket.volume)
    return Assessment(judge(readings.values(), s.k, s.recover_k), readings, bucket.volume)


def learn(baselines: Mapping[str, Baseline], assessment: Assessment, alpha: float, k: float,
          min_buckets: int) -> dict[str, Baseline]:
    """Baselines after a bucket; once warm, outliers are clipped to k sd so a crisis is not learnt as normal."""
    learnt = dict(baselines)
    for name, reading in assessment.readings.items():
        baseline = baselines.get(name, Baseline())
        value = reading.value
        if baseline.n >= min_buckets:
            value = min(max(value, baseline.mean - k * reading.sd), baseline.mean + k * reading.sd)
        learnt[name] = baseline.updated(value, alpha, reading.noise)
    return learnt


def step_sentiment_drop(series: SeriesState, latch: Latch, bucket: SentimentBucket,
                        s: SentimentDropSettings, name: str, may_fire: bool = True) -> Step:
    """Feed one closed window to the sentiment-drop detector."""
    assessment = assess_sentiment(bucket, series.baselines, s)
    baselines = series.baselines
    if assessment.verdict != "no_data":
        baselines = learn(baselines, assessment, half_life_alpha(s.half_life_buckets), s.k, s.min_baseline_buckets)
    new_series, latch, fire = advance(series, latch, assessment.verdict, bucket.start, bucket.end,
                                      name, s.hold_buckets, s.cooldown, may_fire)
    new_series = replace(new_series, baselines=baselines)
    firing = None
    if fire:
        held_since = new_series.streak_start or bucket.start
        facts = {"window": name, "held_buckets": new_series.streak, "held_since": held_since.isoformat(),
                 "volume": assessment.volume, "min_volume": s.min_volume, "k": s.k,
                 "readings": {k: r.as_facts() for k, r in assessment.readings.items()}}
        firing = Firing("sentiment_drop", name, held_since, bucket.end, facts)
    return Step(new_series, latch, assessment, firing)


# ---- volume spike ---------------------------------------------------------------------


@dataclass(frozen=True)
class VolumeSpikeSettings:
    """Volume-spike thresholds."""

    ratio: float = 3.0
    k: float = 4.0
    min_volume: int = 30
    hold_buckets: int = 1
    cooldown: timedelta = timedelta(hours=12)
    recover_ratio: float = 1.5
    half_life_buckets: float = 28.0
    min_baseline_buckets: int = 8


def assess_volume(count: int, baseline: Baseline, s: VolumeSpikeSettings, key: str = "volume") -> Assessment:
    """Inbound items in a window against their baseline; sd never below Poisson noise."""
    sd = math.sqrt(max(baseline.var, baseline.mean, 1.0))
    readings = {key: Reading(float(count), baseline.mean, sd, count - baseline.mean, 0.0)}
    if baseline.n < s.min_baseline_buckets:
        return Assessment("warming", readings, count)
    if count >= s.min_volume and count >= s.ratio * baseline.mean and count - baseline.mean > s.k * sd:
        return Assessment("breach", readings, count)
    if count < s.min_volume or count <= s.recover_ratio * baseline.mean:
        return Assessment("recovered", readings, count)
    return Assessment("elevated", readings, count)


def step_volume_spike(series: SeriesState, latch: Latch, bucket: SentimentBucket,
                      s: VolumeSpikeSettings, name: str, may_fire: bool = True) -> Step:
    """Feed one closed window to the volume-spike detector (compared with the same slot on other days)."""
    key = f"volume@{bucket.slot:02d}"
    assessment = assess_volume(bucket.total, series.baselines.get(key, Baseline()), s, key)
    baselines = learn(series.baselines, assessment, half_life_alpha(s.half_life_buckets), s.k, s.min_baseline_buckets)
    new_series, latch, fire = advance(series, latch, assessment.verdict, bucket.start, bucket.end,
                                      name, s.hold_buckets, s.cooldown, may_fire)
    new_series = replace(new_series, baselines=baselines)
    firing = None
    if fire:
        reading = assessment.readings[key]
        facts = {"window": name, "volume": bucket.total, "baseline": round(reading.baseline, 2),
                 "sd": round(reading.sd, 2), "ratio": round(bucket.total / max(reading.baseline, 1e-9), 2),
                 "min_volume": s.min_volume, "k": s.k}
        firing = Firing("volume_spike", name, bucket.start, bucket.end, facts)
    return Step(new_series, latch, assessment, firing)


# ---- RoR index drop -------------------------------------------------------------------


@dataclass(frozen=True)
class IndexPoint:
    """A day of the running index; `at` is when the local day starts (the alert's moment)."""

    day: date
    at: datetime
    running: float | None
    provisional: bool


@dataclass(frozen=True)
class IndexDropSettings:
    """How far the running index may fall over `lookback_days` before it alerts."""

    drop_points: float = 10.0
    lookback_days: int = 7
    cooldown: timedelta = timedelta(hours=72)


def assess_index_drop(points: Sequence[IndexPoint], s: IndexDropSettings) -> tuple[Assessment, dict[str, Any]]:
    """The latest running index against its value `lookback_days` earlier."""
    known = [p for p in points if p.running is not None]
    if not known:
        return Assessment("no_data"), {}
    latest = known[-1]
    earlier = [p for p in known if p.day <= latest.day - timedelta(days=s.lookback_days)]
    if not earlier:
        return Assessment("no_data"), {}
    before = earlier[-1]
    value, earlier_value = latest.running, before.running
    assert value is not None and earlier_value is not None  # both come from `known`
    drop = earlier_value - value
    facts = {"day": latest.day.isoformat(), "value": round(value, 2),
             "earlier_day": before.day.isoformat(), "earlier_value": round(earlier_value, 2),
             "drop": round(drop, 2), "drop_points": s.drop_points, "lookback_days": s.lookback_days,
             "provisional": latest.provisional}
    verdict: Verdict = "breach" if drop >= s.drop_points else "recovered" if drop < s.drop_points / 2 else "elevated"
    return Assessment(verdict), facts


def step_index_drop(latch: Latch, points: Sequence[IndexPoint], s: IndexDropSettings,
                    may_fire: bool = True) -> tuple[Latch, Firing | None]:
    """Evaluate the latest index point; fires at most once per cooldown and re-arms after recovery."""
    assessment, facts = assess_index_drop(points, s)
    if assessment.verdict == "no_data":
        return latch, None
    at = max(p.at for p in points if p.running is not None)
    _, latch, fire = advance(SeriesState(), latch, assessment.verdict, at, at, "index", 1, s.cooldown, may_fire)
    return latch, Firing("index_drop", "index", None, at, facts) if fire else None


# ---- connector down -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceHealth:
    """What the sync runs say about one source."""

    source: str
    last_status: str | None
    last_error: str | None
    last_success_at: datetime | None
    failing_since: datetime | None
    failed_runs: int


@dataclass(frozen=True)
class ConnectorDownSettings:
    """How long a source may fail before it alerts."""

    after: timedelta = timedelta(minutes=60)
    cooldown: timedelta = timedelta(hours=6)


def assess_connector(health: SourceHealth, now: datetime, s: ConnectorDownSettings) -> Verdict:
    """Down when its runs have failed for longer than `after`; recovered on a successful run."""
    if health.last_status is None:
        return "no_data"
    if health.last_status in SUCCESSFUL_RUNS:
        return "recovered"
    if health.failing_since is not None and now - health.failing_since >= s.after:
        return "breach"
    return "elevated"


def step_connector_down(latch: Latch, health: SourceHealth, now: datetime,
                        s: ConnectorDownSettings) -> tuple[Latch, Firing | None]:
    """One alert per outage: keyed by when the failing began, re-armed by a successful run."""
    verdict = assess_connector(health, now, s)
    if verdict == "no_data":
        return latch, None
    since = health.failing_since or now
    _, latch, fire = advance(SeriesState(), latch, verdict, since, now, health.source, 1, s.cooldown, True)
    if not fire:
        return latch, None
    facts = {"source": health.source, "failing_since": since.isoformat(),
             "down_minutes": round((now - since).total_seconds() / 60), "failed_runs": health.failed_runs,
             "last_status": health.last_status, "last_error": health.last_error,
             "last_success_at": health.last_success_at.isoformat() if health.last_success_at else None}
    return latch, Firing("connector_down", health.source, since, since, facts)
