"""Running the detectors for one profile: windows closed since the last run, the index, source health.

The detectors' state is saved in the same transaction as the alerts it produced, so a crash
neither loses an alert nor lets a restart raise it a second time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from listener.alerts.buckets import (
    Bounds,
    closed_windows,
    data_complete_until,
    load_windows,
    most_negative_items,
    source_health,
)
from listener.alerts.content import title_for
from listener.alerts.outbox import NewAlert
from listener.alerts.state import latch_from_json, latch_to_json, series_from_json, series_to_json
from listener.config.settings import ProfileConfig
from listener.storage.alert_models import AlertStateRow
from listener.storage.models import IndexPointRow
from listener.storage.upsert import table_of, upsert_rows
from scoring.alert_detectors import (
    Firing,
    IndexPoint,
    SentimentBucket,
    SeriesState,
    step_connector_down,
    step_index_drop,
    step_sentiment_drop,
    step_volume_spike,
)
from scoring.signals import day_bounds, local_day

WARMUP = timedelta(days=28)  # history a new detector learns its baseline from
STALE_AFTER = timedelta(hours=24)  # a window older than this at evaluation never wakes anyone
LATE_DATA_HOURS = 48.0  # replies keep arriving: a window this young is provisional, as index days are
States = dict[str, dict[str, Any]]


def load_states(connection: Connection, profile_id: int) -> States:
    """Every detector's saved state for a profile."""
    table = table_of(AlertStateRow)
    rows = connection.execute(select(table.c.detector, table.c.state).where(table.c.profile_id == profile_id))
    return {detector: dict(state or {}) for detector, state in rows}


def save_states(connection: Connection, profile_id: int, states: States, now: datetime) -> None:
    """Store the detectors' states (in the caller's transaction, with their alerts)."""
    rows = [{"profile_id": profile_id, "detector": k, "state": v, "updated_at": now} for k, v in states.items()]
    upsert_rows(connection, AlertStateRow, rows, ["profile_id", "detector"], ["state", "updated_at"])


@dataclass(frozen=True)
class WindowDetector:
    """A detector fed with closed windows of one length."""

    key: str
    hours: int
    step: Callable[..., Any]
    settings: Any

    @property
    def window(self) -> str:
        """The window's name, e.g. 6h."""
        return f"{self.hours}h"

    def series(self, states: States) -> SeriesState:
        """This detector's saved progress for its window."""
        return series_from_json(states.get(self.key, {}).get("series", {}).get(self.window))

    def put(self, states: States, series: SeriesState, latch: Any) -> None:
        """Store progress and the condition's latch back into the states."""
        state = states.setdefault(self.key, {})
        state.setdefault("series", {})[self.window] = series_to_json(series)
        state["latch"] = latch_to_json(latch)


def window_detectors(profile: ProfileConfig) -> list[WindowDetector]:
    """The enabled sentiment-drop windows and the volume-spike window."""
    alerts, detectors = profile.alerts, []
    if alerts.sentiment_drop.enabled:
        detectors += [WindowDetector("sentiment_drop", h, step_sentiment_drop, alerts.sentiment_drop.settings(h))
                      for h in alerts.sentiment_drop.windows_hours]
    if alerts.volume_spike.enabled:
        spike = alerts.volume_spike
        detectors.append(WindowDetector("volume_spike", spike.window_hours, step_volume_spike, spike.settings()))
    return detectors


def pending_windows(detectors: list[WindowDetector], states: States, ready: datetime, now: datetime,
                    zone: Any) -> dict[int, list[Bounds]]:
    """Per window length: the windows closed and complete since the laggiest detector's last one."""
    by_hours: dict[int, list[WindowDetector]] = defaultdict(list)
    for detector in detectors:
        by_hours[detector.hours].append(detector)
    pending = {}
    for hours, group in by_hours.items():
        since = max(min(d.series(states).last_end or now - WARMUP for d in group), now - WARMUP)
        pending[hours] = closed_windows(since, min(ready, now), hours, zone)
    return pending


def feed_windows(detectors: list[WindowDetector], states: States, buckets: dict[int, list[SentimentBucket]],
                 now: datetime) -> list[Firing]:
    """Feed each detector the windows it has not seen, all lengths merged in time order (pure)."""
    events = [(b, d) for d in detectors for b in buckets.get(d.hours, [])]
    firings = []
    for bucket, detector in sorted(events, key=lambda e: (e[0].end, e[1].hours, e[1].key)):
        series = detector.series(states)
        if series.last_end and bucket.end <= series.last_end:
            continue
        latch = latch_from_json(states.get(detector.key, {}).get("latch"))
        step = detector.step(series, latch, bucket, detector.settings, detector.window,
                             may_fire=now - bucket.end <= STALE_AFTER)
        detector.put(states, step.series, step.latch)
        if step.firing:
            firings.append(step.firing)
    return firings


def run_window_detectors(connection: Connection, profile: ProfileConfig, profile_id: int, states: States,
                         ready: datetime | None, now: datetime) -> list[Firing]:
    """Load the windows closed (and complete) since the last run and feed them to the detectors."""
    detectors = window_detectors(profile)
    if ready is None or not detectors:
        return []
    pending = pending_windows(detectors, states, ready, now, profile.zone)
    buckets = {hours: load_windows(connection, profile_id, windows, profile.zone) for hours, windows in pending.items()}
    return feed_windows(detectors, states, buckets, now)


def run_index_drop(connection: Connection, profile: ProfileConfig, profile_id: int, states: States,
                   now: datetime) -> list[Firing]:
    """Compare the latest running index with its value `lookback_days` earlier."""
    settings = profile.alerts.index_drop.settings()
    table = table_of(IndexPointRow)
    mine = table.c.profile_id == profile_id
    # The series the aggregator wrote last is the one the config asks for now.
    version = connection.execute(
        select(table.c.formula_version).where(mine).order_by(table.c.computed_at.desc()).limit(1)
    ).scalar_one_or_none()
    first_day = local_day(now, profile.zone) - timedelta(days=settings.lookback_days + 3)
    rows = connection.execute(
        select(table.c.day, table.c.running_index, table.c.provisional)
        .where(mine, table.c.formula_version == version, table.c.day >= first_day).order_by(table.c.day)
    )
    points = [IndexPoint(day, day_bounds(day, profile.zone)[0], running, bool(provisional))
              for day, running, provisional in rows]
    state = states.setdefault("index_drop", {})
    latch, firing = step_index_drop(latch_from_json(state.get("latch")), points, settings)
    state["latch"] = latch_to_json(latch)
    return [firing] if firing else []


def run_connector_down(connection: Connection, profile: ProfileConfig, states: States, now: datetime) -> list[Firing]:
    """One check per enabled source of the profile."""
    settings, firings = profile.alerts.connector_down.settings(), []
    for source in profile.sources:
        if not source.enabled:
            continue
        state = states.setdefault(f"connector_down:{source.name}", {})
        latch, firing = step_connector_down(latch_from_json(state.get("latch")),
                                            source_health(connection, source.name), now, settings)
        state["latch"] = latch_to_json(latch)
        if firing:
            firings.append(Firing(firing.detector, firing.key, firing.start, firing.end,
                                  {**firing.facts, "platform": source.platform}))
    return firings


def run_detectors(connection: Connection, profile: ProfileConfig, profile_id: int, states: States,
           now: datetime) -> list[Firing]:
    """Every enabled detector of a profile; `states` is updated in place."""
    sources = [s.name for s in profile.sources if s.enabled]
    ready = data_complete_until(connection, sources, now)
    firings = run_window_detectors(connection, profile, profile_id, states, ready, now)
    if profile.alerts.index_drop.enabled:
        firings += run_index_drop(connection, profile, profile_id, states, now)
    if profile.alerts.connector_down.enabled:
        firings += run_connector_down(connection, profile, states, now)
    return firings


def to_alert(connection: Connection, profile: ProfileConfig, profile_id: int, firing: Firing,
             now: datetime) -> NewAlert:
    """An outbox entry for a firing: its facts, the items behind it, whether numbers may still move."""
    facts = {**firing.facts, "profile": profile.name, "timezone": profile.timezone, "detector": firing.detector,
             "observed_at": firing.end.isoformat(), "window_start": firing.start.isoformat() if firing.start else None}
    if firing.detector in ("sentiment_drop", "volume_spike") and firing.start is not None:
        facts["items"] = most_negative_items(connection, profile_id, firing.start, firing.end,
                                             profile.alerts.top_items, firing.detector == "sentiment_drop")
        late_hours = getattr(profile.index, "provisional_hours", LATE_DATA_HOURS)
        facts["provisional"] = now < firing.end + timedelta(hours=late_hours)
    provisional = bool(facts.get("provisional"))
    return NewAlert(firing.detector, f"{firing.detector}:{firing.key}", firing.start, firing.end,
                    title_for(firing.detector, facts), provisional, facts)
