"""Detectors on simulated inbound streams: no false alerts on 90 days of seeded noise at normal
volume, exactly one alert at the right window for one injected drop, nothing on a low-volume day.

`python -m tests.test_alert_noise` prints the false-alert measurement over many seeds.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from listener.alerts.buckets import closed_windows, count_into_windows
from listener.alerts.detect import feed_windows, window_detectors
from listener.config.alerts import AlertsConfig
from listener.config.settings import ProfileConfig
from scoring.alert_detectors import Firing

ZONE = ZoneInfo("Europe/Berlin")
START_DAY = datetime(2026, 8, 3).date()  # a Monday; the 90 days cross the end of summer time
START = datetime.combine(START_DAY, time(0), ZONE).astimezone(UTC)
# Share of a day's items per local hour: quiet nights, busy afternoons and evenings.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4, 3, 2]
Row = tuple[datetime, str, float]


@dataclass(frozen=True)
class Noise:
    """An ordinary brand's inbound stream: volume and sentiment mix, both wobbling from day to day."""

    daily_volume: float = 160.0
    positive: float = 0.50
    negative: float = 0.15
    share_sd: float = 0.03
    volume_sd: float = 0.25
    weekend: float = 0.7


@dataclass(frozen=True)
class Drop:
    """An injected bad stretch: from `start` to `end` the mix turns negative."""

    start: datetime
    end: datetime
    positive: float = 0.25
    negative: float = 0.45


def local(day_offset: int, hour: int = 0) -> datetime:
    """A local wall-clock moment `day_offset` days after the start, as UTC."""
    return datetime.combine(START_DAY + timedelta(days=day_offset), time(hour), ZONE).astimezone(UTC)


def _compound(rng: random.Random, positive: float, negative: float) -> float:
    u = rng.random()
    if u < positive:
        return rng.uniform(0.1, 0.95)
    if u < positive + negative:
        return -rng.uniform(0.1, 0.95)
    return 0.0


def simulate(days: int, seed: int, noise: Noise = Noise(), drops: Sequence[Drop] = (),
             volume_by_day: dict[int, int] | None = None) -> list[Row]:
    """Seeded inbound items (created_at, status, compound) for `days` days."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for offset in range(days):
        weekday = (START_DAY + timedelta(days=offset)).weekday()
        scale = (noise.weekend if weekday >= 5 else 1.0) * rng.lognormvariate(0, noise.volume_sd)
        count = (volume_by_day or {}).get(offset, round(noise.daily_volume * scale))
        positive = min(max(noise.positive + rng.gauss(0, noise.share_sd), 0.05), 0.9)
        negative = min(max(noise.negative + rng.gauss(0, noise.share_sd), 0.02), 0.5)
        for hour in rng.choices(range(24), HOURLY, k=count):
            moment = local(offset, hour) + timedelta(seconds=rng.randrange(3600))
            drop = next((d for d in drops if d.start <= moment < d.end), None)
            mix = (drop.positive, drop.negative) if drop else (positive, negative)
            rows.append((moment, "scored", _compound(rng, *mix)))
    return sorted(rows)


def replay(rows: list[Row], alerts: AlertsConfig, days: int, cycle: timedelta = timedelta(hours=1)) -> list[Firing]:
    """Run the window detectors as the daemon would: every `cycle`, on the windows closed since."""
    profile = ProfileConfig(name="sim", timezone="Europe/Berlin", alerts=alerts)
    detectors = window_detectors(profile)
    until = local(days)
    hours = {d.hours for d in detectors}
    buckets = {h: count_into_windows(rows, closed_windows(START, until, h, ZONE), ZONE) for h in hours}
    states: dict[str, dict[str, Any]] = {}
    firings: list[Firing] = []
    now = START + cycle
    while now <= until:
        due = {h: [b for b in bs if now - cycle < b.end <= now] for h, bs in buckets.items()}
        firings += feed_windows(detectors, states, due, now)
        now += cycle
    return firings


def sentiment_and_volume_only() -> AlertsConfig:
    """Default settings (the index and connector detectors need a database, not this stream)."""
    return AlertsConfig()


def test_ninety_days_of_noise_at_normal_volume_raise_no_alert() -> None:
    rows = simulate(90, seed=7)
    assert len(rows) > 90 * 120  # normal volume: well above the minimum in daytime windows
    assert replay(rows, sentiment_and_volume_only(), 90) == []


def test_one_injected_drop_fires_exactly_once_at_its_second_bad_window() -> None:
    drop = Drop(local(40, 12), local(41, 0))
    firings = replay(simulate(60, seed=11, drops=[drop]), sentiment_and_volume_only(), 60)
    assert [(f.detector, f.key) for f in firings] == [("sentiment_drop", "6h")]
    fired = firings[0]
    assert fired.end == local(41, 0) and fired.start == local(40, 12)
    assert fired.facts["held_buckets"] == 2
    net = fired.facts["readings"]["net"]
    assert net["value"] < net["baseline"] - 3 * net["sd"]


def test_a_long_crisis_alerts_once_then_again_only_after_recovery_and_cooldown() -> None:
    drops = [Drop(local(30, 6), local(33, 0)), Drop(local(45, 6), local(46, 0))]
    firings = replay(simulate(60, seed=5, drops=drops), sentiment_and_volume_only(), 60)
    assert [(f.key, f.end) for f in firings] == [("6h", local(30, 18)), ("6h", local(45, 18))]


def test_a_low_volume_day_with_a_few_negative_items_fires_nothing() -> None:
    drop = Drop(local(40, 0), local(41, 0), positive=0.0, negative=0.8)
    rows = simulate(60, seed=3, drops=[drop], volume_by_day={40: 12})
    assert sum(1 for r in rows if local(40) <= r[0] < local(41) and r[2] <= -0.05) >= 5
    assert replay(rows, sentiment_and_volume_only(), 60) == []


def test_a_low_volume_brand_never_alerts_on_sentiment() -> None:
    rows = simulate(90, seed=9, noise=Noise(daily_volume=15, negative=0.3, share_sd=0.1))
    assert [f for f in replay(rows, sentiment_and_volume_only(), 90) if f.detector == "sentiment_drop"] == []


def test_a_burst_of_mentions_fires_one_volume_spike() -> None:
    spike = simulate(1, seed=2, noise=Noise(daily_volume=900, weekend=1.0))
    shifted = [(t + (local(30) - START), s, c) for t, s, c in spike if local(0, 12) <= t < local(0, 18)]
    firings = replay(sorted(simulate(45, seed=2) + shifted), sentiment_and_volume_only(), 45)
    assert [(f.detector, f.end) for f in firings] == [("volume_spike", local(30, 18))]
    assert firings[0].facts["ratio"] >= 3


def measure(seeds: range, days: int = 90, alerts: AlertsConfig | None = None) -> dict[str, int]:
    """False alerts per detector window over many seeded noise streams."""
    counts: dict[str, int] = {}
    for seed in seeds:
        for firing in replay(simulate(days, seed), alerts or AlertsConfig(), days):
            name = f"{firing.detector}:{firing.key}"
            counts[name] = counts.get(name, 0) + 1
    return counts


def detection_rate(seeds: range, negative: float, hours: int = 12, alerts: AlertsConfig | None = None) -> float:
    """Share of seeds where a drop to `negative` share, `hours` long from noon, fires in time."""
    caught = 0
    for seed in seeds:
        day = 30 + seed % 30
        drop = Drop(local(day, 12), local(day, 12) + timedelta(hours=hours), 0.65 - negative, negative)
        firings = replay(simulate(day + 3, seed, drops=[drop]), alerts or AlertsConfig(), day + 3)
        caught += any(f.detector == "sentiment_drop" and drop.start < f.end <= drop.end + timedelta(hours=12)
                      for f in firings)
    return caught / len(seeds)


if __name__ == "__main__":
    seeds = range(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
    print(f"{len(seeds)} seeds x 90 days of noise at ~160 inbound items/day (Europe/Berlin)")
    variants = {
        "defaults (k=3, hold 2, margins 0.2/0.1)": AlertsConfig(),
        "k=2.5": AlertsConfig.model_validate({"sentiment_drop": {"k": 2.5}}),
        "k=2": AlertsConfig.model_validate({"sentiment_drop": {"k": 2}}),
        "hold 1": AlertsConfig.model_validate({"sentiment_drop": {"hold_buckets": 1}}),
        "k=2, hold 1, no margins": AlertsConfig.model_validate(
            {"sentiment_drop": {"k": 2, "hold_buckets": 1, "net_margin": 0, "negative_margin": 0}}),
    }
    for label, config in variants.items():
        counts = measure(seeds, alerts=config)
        print(f"  {label}: {sum(counts.values())} false alerts {counts or ''}")
    noisy = Noise(share_sd=0.05, volume_sd=0.4)
    counts: dict[str, int] = {}
    for seed in seeds:
        for firing in replay(simulate(90, seed, noise=noisy), AlertsConfig(), 90):
            counts[firing.detector] = counts.get(firing.detector, 0) + 1
    total = sum(counts.values())
    print(f"  defaults, noisier stream (share sd 0.05, volume sd 0.4): {total} false alerts {counts or ''}")
    print("detection (negative share 15% -> X from noon; positive falls as much), defaults | k=2.5:")
    for hours in (12, 48):
        for negative in (0.25, 0.30, 0.35, 0.45):
            rates = [detection_rate(seeds, negative, hours, config) for config in (AlertsConfig(), variants["k=2.5"])]
            print(f"  {hours} h at X = {negative:.0%}: caught in {rates[0]:.0%} | {rates[1]:.0%} of {len(seeds)} seeds")
