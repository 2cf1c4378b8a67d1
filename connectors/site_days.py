"""A website's day as the analytics connectors (Plausible, Matomo) report it: aggregates only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SiteDay:
    """One day of a site: visits, visitors, pageviews, bounce rate (0-1), mean visit seconds, goal conversions."""

    day: date
    visits: int
    visitors: int | None
    pageviews: int | None
    bounce_rate: float | None
    visit_duration_seconds: float | None
    conversions: int | None = None
