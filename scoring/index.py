"""From signals to the RoR index: component scores, the daily weighted mean, the running EWMA."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

FORMULA_VERSION = "ror-3"  # 3: components beyond social (survey NPS, retention, e-mail, web)
COMPONENTS = ("sentiment", "engagement", "advocacy", "loyalty", "responsiveness", "nps", "return_rate")


def sentiment_component(net: float) -> float:
    """50 x (1 + NS): 0 all negative, 50 balanced, 100 all positive."""
    return 50.0 * (1.0 + net)


def relative_component(value: float, baseline: float) -> float:
    """100 x / (x + b): 50 at the profile's own baseline, saturating instead of exploding."""
    if value + baseline <= 0:
        return 50.0
    return 100.0 * value / (value + baseline)


def share_component(share: float) -> float:
    """100 x a share in [0, 1] (loyalty, responsiveness, relationship return)."""
    return 100.0 * share


def nps_component(nps: float) -> float:
    """(NPS + 100) / 2."""
    return (nps + 100.0) / 2.0


@dataclass(frozen=True)
class DailyIndex:
    """A day's weighted mean over the components with data, and which they were."""

    value: float | None
    coverage: float
    used: tuple[str, ...]


def daily_index(components: Mapping[str, float | None], weights: Mapping[str, float]) -> DailyIndex:
    """Weighted mean of present components, weights renormalised; coverage = weight share used."""
    total_weight = sum(weights.values())
    present = {k: v for k, v in components.items() if v is not None and weights.get(k, 0) > 0}
    used_weight = sum(weights[k] for k in present)
    if not present or used_weight <= 0:
        return DailyIndex(None, 0.0, ())
    value = sum(weights[k] * v for k, v in present.items()) / used_weight
    return DailyIndex(value, used_weight / total_weight, tuple(sorted(present)))


def ewma_step(previous: float | None, value: float, days_since: float, half_life_days: float) -> float:
    """Running index after a new daily point `days_since` days after the previous one."""
    if previous is None:
        return value
    alpha = 1.0 - 0.5 ** (days_since / half_life_days)
    return previous + alpha * (value - previous)


def parameters_digest(parameters: Mapping[str, object]) -> str:
    """A short stable digest of the formula parameters, to tell two series apart."""
    text = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
