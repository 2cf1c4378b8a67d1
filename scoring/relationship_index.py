"""Index components beyond social: survey NPS, customer retention, e-mail and website engagement (pure).

Each component is computed for every day of the series from a trailing window of imported or
synced data, and has no score (None) on a day its window holds no evidence, so coverage works as
for the social components. A component takes part only when its weight in [index.weights] is > 0.

- survey_nps: NPS of the survey answers of the last `survey_window_days` (9-10 promoter, 7-8
  passive, 0-6 detractor), shrunk towards the running value like the review NPS; score (NPS+100)/2.
- retention: 1 - churn. The customers who ordered in the period before the last one (each
  period `retention_period_days`), and the share of them who ordered again in the last one;
  shrunk towards 0.5 with `retention_pseudo_count` imaginary customers; score 100 x share.
- email_engagement: unique clicks / recipients of the campaigns sent in the last
  `email_window_days`, against the same rate of the `email_baseline_days` before them: 50 at the
  profile's usual level, as the social engagement component.
- web_engagement: goal conversions per visit over the last `web_window_days` against the
  `web_baseline_days` before; where the site records no conversions, visits that did not bounce.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from scoring.index import nps_component, relative_component, share_component
from scoring.ledger import merge_intervals
from scoring.series import COMPONENTS
from scoring.signals import NpsCounts, shrink_nps, shrink_share

RELATIONSHIP_COMPONENTS = ("survey_nps", "retention", "email_engagement", "web_engagement")


@dataclass(frozen=True)
class Campaign:
    """A sent campaign: local day sent, recipients, unique opens, unique clicks."""

    day: date
    recipients: int
    opens: int
    clicks: int


@dataclass(frozen=True)
class WebDay:
    """A website's day: visits, bounce rate (0-1), mean visit duration, goal conversions (None: not recorded)."""

    day: date
    visits: int
    bounce_rate: float | None = None
    visit_duration_seconds: float | None = None
    conversions: int | None = None


@dataclass(frozen=True)
class RelationshipFacts:
    """What the components read: survey answers and orders by local day, campaigns, website days."""

    answers: Sequence[tuple[date, int]] = ()
    orders: Sequence[tuple[date, str]] = ()  # (local day, customer key)
    campaigns: Sequence[Campaign] = ()
    web: Sequence[WebDay] = ()


@dataclass(frozen=True)
class RelationshipParams:
    """Windows and shrinkage of the components (from the profile's [index] table)."""

    weights: Mapping[str, float] = field(default_factory=dict)
    survey_window_days: int = 90
    survey_pseudo_count: float = 10.0
    retention_period_days: int = 365
    retention_pseudo_count: float = 5.0
    email_window_days: int = 28
    email_baseline_days: int = 90
    web_window_days: int = 7
    web_baseline_days: int = 28

    @property
    def used(self) -> tuple[str, ...]:
        """The components with a weight > 0, in their fixed order."""
        return tuple(name for name in RELATIONSHIP_COMPONENTS if self.weights.get(name, 0) > 0)


class _Window:
    """Sums of per-day values over (start, end] day windows, by bisecting a sorted day list."""

    def __init__(self, rows: Sequence[tuple[date, tuple[float, ...]]], width: int) -> None:
        rows = sorted(rows, key=lambda r: r[0])
        self.days = [r[0] for r in rows]
        self.sums = [tuple(0.0 for _ in range(width)),
                     *accumulate((r[1] for r in rows), lambda a, b: tuple(x + y for x, y in zip(a, b, strict=True)))]

    def total(self, after: date, upto: date) -> tuple[float, ...]:
        """Per-value sums over the days in (after, upto]."""
        low, high = self.sums[bisect_right(self.days, after)], self.sums[bisect_right(self.days, upto)]
        return tuple(h - lo for h, lo in zip(high, low, strict=True))


def _nps_class(score: int) -> tuple[float, float, float]:
    return (1.0, 0.0, 0.0) if score >= 9 else (0.0, 1.0, 0.0) if score >= 7 else (0.0, 0.0, 1.0)


def survey_nps(facts: RelationshipFacts, days: Sequence[date], params: RelationshipParams) -> dict[date, Any]:
    """Per day: the survey NPS of the trailing window, shrunk towards the running value."""
    window, prior, found = _Window([(d, _nps_class(s)) for d, s in facts.answers], 3), 0.0, {}
    for day in days:
        p, m, d = window.total(day - timedelta(days=params.survey_window_days), day)
        counts = NpsCounts(int(p), int(m), int(d))
        shrunk = shrink_nps(counts, prior, params.survey_pseudo_count)
        found[day] = {"score": nps_component(shrunk) if shrunk is not None else None, "nps": counts.nps,
                      "nps_shrunk": shrunk, "prior": prior, "answers": counts.total, "promoters": counts.promoters,
                      "passives": counts.passives, "detractors": counts.detractors,
                      "window_days": params.survey_window_days}
        prior = shrunk if shrunk is not None else prior
    return found


def _customer_days(orders: Sequence[tuple[date, str]], period: int) -> tuple[list[tuple[date, date]],
                                                                              list[tuple[date, date]]]:
    """Day intervals in which each customer is in the base (ordered in the period before) and retained."""
    by_customer: dict[str, list[date]] = {}
    for day, customer in orders:
        by_customer.setdefault(customer, []).append(day)
    base, kept = [], []
    span = timedelta(days=period)
    for ordered in by_customer.values():
        recent = merge_intervals([(o, o + span - timedelta(days=1)) for o in ordered])
        earlier = merge_intervals([(o + span, o + 2 * span - timedelta(days=1)) for o in ordered])
        base += earlier
        kept += [(max(a, c), min(b, d)) for a, b in earlier for c, d in recent if max(a, c) <= min(b, d)]
    return base, kept


def _count_on(intervals: Sequence[tuple[date, date]], days: Sequence[date]) -> dict[date, int]:
    starts, ends = sorted(a for a, _ in intervals), sorted(b for _, b in intervals)
    return {day: bisect_right(starts, day) - bisect_right(ends, day - timedelta(days=1)) for day in days}


def retention(facts: RelationshipFacts, days: Sequence[date], params: RelationshipParams) -> dict[date, Any]:
    """Per day: of the customers who ordered in the period before the last, the share who ordered in the last."""
    base, kept = _customer_days(facts.orders, params.retention_period_days)
    bases, retained = _count_on(base, days), _count_on(kept, days)
    found = {}
    for day in days:
        shrunk = shrink_share(retained[day], bases[day], 0.5, params.retention_pseudo_count)
        share = retained[day] / bases[day] if bases[day] else None
        found[day] = {"score": share_component(shrunk) if shrunk is not None else None, "customers": bases[day],
                      "retained": retained[day], "retention": share, "churn": None if share is None else 1 - share,
                      "shrunk": shrunk, "period_days": params.retention_period_days}
    return found


def _relative(recent: float | None, usual: float | None) -> float | None:
    return relative_component(recent, usual) if recent is not None and usual else None


def email_engagement(facts: RelationshipFacts, days: Sequence[date], params: RelationshipParams) -> dict[date, Any]:
    """Per day: the click rate of the campaigns of the trailing window against the window before it."""
    window = _Window([(c.day, (1.0, c.recipients, c.opens, c.clicks)) for c in facts.campaigns], 4)
    found = {}
    for day in days:
        start = day - timedelta(days=params.email_window_days)
        campaigns, recipients, opens, clicks = window.total(start, day)
        _, base_recipients, _, base_clicks = window.total(start - timedelta(days=params.email_baseline_days), start)
        rate = clicks / recipients if recipients else None
        usual = base_clicks / base_recipients if base_recipients else None
        found[day] = {"score": _relative(rate, usual), "campaigns": int(campaigns), "recipients": int(recipients),
                      "open_rate": opens / recipients if recipients else None, "click_rate": rate,
                      "baseline_click_rate": usual}
    return found


def _engaged(web: WebDay, by_conversions: bool) -> float:
    if by_conversions:
        return float(web.conversions or 0)
    return web.visits * (1 - web.bounce_rate) if web.bounce_rate is not None else 0.0


def web_engagement(facts: RelationshipFacts, days: Sequence[date], params: RelationshipParams) -> dict[date, Any]:
    """Per day: conversions (or non-bounced visits) per visit of the trailing window against the window before."""
    by_conversions = any(w.conversions for w in facts.web)
    window = _Window([(w.day, (w.visits, _engaged(w, by_conversions), (w.visit_duration_seconds or 0) * w.visits))
                      for w in facts.web], 3)
    found = {}
    for day in days:
        start = day - timedelta(days=params.web_window_days)
        visits, engaged, seconds = window.total(start, day)
        base_visits, base_engaged, _ = window.total(start - timedelta(days=params.web_baseline_days), start)
        rate = engaged / visits if visits else None
        usual = base_engaged / base_visits if base_visits else None
        found[day] = {"score": _relative(rate, usual), "visits": int(visits), "measure": "conversions" if
                      by_conversions else "visits not bounced", "rate": rate, "baseline": usual,
                      "mean_visit_seconds": seconds / visits if visits else None}
    return found


def index_components(weights: Mapping[str, float]) -> tuple[str, ...]:
    """The components a profile's index shows: the social ones, then those beyond social that have a weight."""
    return (*COMPONENTS, *(name for name in RELATIONSHIP_COMPONENTS if weights.get(name, 0) > 0))


COMPUTE = {"survey_nps": survey_nps, "retention": retention, "email_engagement": email_engagement,
           "web_engagement": web_engagement}


def compute_relationship_components(facts: RelationshipFacts, days: Sequence[date],
                                    params: RelationshipParams) -> dict[date, dict[str, Any]]:
    """Per day, the weighted components beyond social with their inputs (none when no weight is set)."""
    per_component = {name: COMPUTE[name](facts, days, params) for name in params.used}
    return {day: {name: values[day] for name, values in per_component.items()} for day in days}
