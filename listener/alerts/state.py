"""The detectors' memory as JSON documents (stored in `alert_states` with the alerts they produced)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scoring.alert_detectors import Baseline, Latch, SeriesState


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def latch_to_json(latch: Latch) -> dict[str, Any]:
    """A latch as a JSON document."""
    until = latch.cooldown_until.isoformat() if latch.cooldown_until else None
    return {"armed": latch.armed, "cooldown_until": until, "fired_by": latch.fired_by}


def latch_from_json(data: Mapping[str, Any] | None) -> Latch:
    """A latch from its JSON document (a fresh one when there is none)."""
    if not data:
        return Latch()
    return Latch(bool(data.get("armed", True)), _time(data.get("cooldown_until")), data.get("fired_by"))


def series_to_json(series: SeriesState) -> dict[str, Any]:
    """A series state as a JSON document."""
    return {
        "last_end": series.last_end.isoformat() if series.last_end else None,
        "streak": series.streak,
        "streak_start": series.streak_start.isoformat() if series.streak_start else None,
        "baselines": {k: [b.mean, b.var, b.n] for k, b in series.baselines.items()},
    }


def series_from_json(data: Mapping[str, Any] | None) -> SeriesState:
    """A series state from its JSON document (a fresh one when there is none)."""
    if not data:
        return SeriesState()
    baselines = {k: Baseline(float(m), float(v), int(n)) for k, (m, v, n) in (data.get("baselines") or {}).items()}
    return SeriesState(_time(data.get("last_end")), int(data.get("streak", 0)),
                       _time(data.get("streak_start")), baselines)
