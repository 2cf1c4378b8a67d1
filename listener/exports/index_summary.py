"""The RoR index over a week from stored points: start, end, each component's change, the chart series."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from listener.config.settings import COMPONENTS
from listener.exports.model import ComponentChange, IndexMoment, IndexSummary
from listener.exports.records import PointRecord
from listener.exports.weeks import IsoWeek


def chart_first_day(week: IsoWeek, chart_weeks: int) -> date:
    """The first day the chart shows: `chart_weeks` whole weeks before the reported one."""
    return week.monday - timedelta(weeks=chart_weeks)


def component_score(entry: Any) -> float | None:
    """A component's 0-100 score from its stored JSON ({"score": x, inputs...}, or a bare number)."""
    value = entry.get("score") if isinstance(entry, dict) else entry
    return round(float(value), 2) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def to_moment(point: PointRecord) -> IndexMoment:
    """A stored point as a rounded moment with every component's score."""
    return IndexMoment(
        day=point.day, daily_index=_round(point.daily_index), running_index=_round(point.running_index),
        provisional=point.provisional,
        components={name: component_score(entry) for name, entry in point.components.items()},
    )


def ordered_components(moments: Sequence[IndexMoment]) -> list[str]:
    """Component names present in any moment: the configured order first, then any others by name."""
    present = {name for m in moments for name in m.components}
    return [c for c in COMPONENTS if c in present] + sorted(present - set(COMPONENTS))


def latest_score(moments: Sequence[IndexMoment], name: str, first: date, last: date) -> float | None:
    """A component's latest score on a day in [first, last] (components are absent on days without data)."""
    scores = [m.components.get(name) for m in moments if first <= m.day <= last]
    present = [s for s in scores if s is not None]
    return present[-1] if present else None


def summarise_index(points: Sequence[PointRecord], week: IsoWeek, chart_weeks: int, version: str) -> IndexSummary:
    """Index start = the point of the day before the week (else its first), end = its last point;
    a component's start is its latest score in the week before, its end its latest score in this week."""
    moments = [to_moment(p) for p in points]
    eve = week.monday - timedelta(days=1)
    inside = [m for m in moments if week.monday <= m.day <= week.sunday]
    before = [m for m in moments if m.day == eve]
    start = before[0] if before else (inside[0] if inside else None)
    end = inside[-1] if inside else None
    first = chart_first_day(week, chart_weeks)
    series = [m for m in moments if first <= m.day <= week.sunday]
    names = ordered_components([m for m in moments if m.day >= eve - timedelta(days=6)] + series)
    changes = [ComponentChange(name, latest_score(moments, name, eve - timedelta(days=6), eve),
                               latest_score(moments, name, week.monday, week.sunday)) for name in names]
    return IndexSummary(version, start, end, changes, series, first)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
