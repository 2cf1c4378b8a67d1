"""Inline SVG line charts over the chart window: the daily and running index, and the components apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from listener.exports.columns import component_label
from listener.exports.model import IndexMoment, WeeklySummary
from listener.exports.safety import escape_html
from listener.exports.weeks import IsoWeek

WIDTH, HEIGHT = 560, 260  # scaled to the page width: a phone shows it at about 60 %
LEFT, RIGHT, TOP, BOTTOM = 32, 8, 10, 30
DAILY_COLOR, RUNNING_COLOR = "#1f4e9c", "#222222"
# Okabe-Ito's colour-blind-safe set (plus one of Tol's): no two components share a hue.
COMPONENT_COLORS = {
    "sentiment": "#d55e00", "engagement": "#e69f00", "advocacy": "#009e73", "loyalty": "#56b4e9",
    "responsiveness": "#cc79a7", "nps": "#0072b2", "return_rate": "#882255",
}
FALLBACK_COLORS = ("#7a7a7a", "#a0522d", "#3b7dd8", "#6b8e23")
INDEX_LINES = ("daily_index", "running_index")


@dataclass(frozen=True)
class Line:
    """One series of the chart."""

    key: str
    label: str
    color: str
    width: float
    dash: str | None
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Frame:
    """Maps days and 0-100 scores to SVG coordinates."""

    first: date
    days: int

    def x(self, day: date) -> float:
        """Centre of the day's slot."""
        slot = (WIDTH - LEFT - RIGHT) / self.days
        return round(LEFT + slot * ((day - self.first).days + 0.5), 1)

    def left(self, day: date) -> float:
        """Left edge of the day's slot."""
        return round(LEFT + (WIDTH - LEFT - RIGHT) / self.days * (day - self.first).days, 1)

    @staticmethod
    def y(score: float) -> float:
        """Score 0 at the bottom, 100 at the top."""
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (100 - max(0.0, min(100.0, score))) / 100, 1)


def chart_days(summary: WeeklySummary) -> list[date]:
    """Every day from the chart's first day to the reported week's Sunday."""
    first, last = summary.index.chart_first_day, summary.week.sunday
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def component_value(moment: IndexMoment, name: str) -> float | None:
    """One component's value on a day of the series."""
    return moment.components.get(name)


def chart_lines(summary: WeeklySummary) -> list[Line]:
    """Daily index, running index, then one line per component present in the series."""
    days = chart_days(summary)
    by_day: dict[date, IndexMoment] = {m.day: m for m in summary.index.series}

    def values(read: Callable[[IndexMoment], float | None]) -> tuple[float | None, ...]:
        return tuple(read(by_day[d]) if d in by_day else None for d in days)

    lines = [Line("daily_index", "Daily index", DAILY_COLOR, 3.0, None, values(lambda m: m.daily_index)),
             Line("running_index", "Running index", RUNNING_COLOR, 2.0, "6 4", values(lambda m: m.running_index))]
    for position, name in enumerate(summary.component_names):
        color = COMPONENT_COLORS.get(name, FALLBACK_COLORS[position % len(FALLBACK_COLORS)])
        lines.append(Line(name, component_label(name), color, 1.5, None,
                          values(partial(component_value, name=name))))
    return lines


def _runs(days: Sequence[date], values: Sequence[float | None]) -> list[list[tuple[date, float]]]:
    """Consecutive days with a value: a gap (no data) breaks the line."""
    runs: list[list[tuple[date, float]]] = [[]]
    for day, value in zip(days, values, strict=True):
        if value is not None:
            runs[-1].append((day, value))
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _line_svg(frame: Frame, days: Sequence[date], line: Line) -> list[str]:
    parts = []
    dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
    for run in _runs(days, line.values):
        if len(run) == 1:
            day, value = run[0]
            parts.append(f'<circle cx="{frame.x(day)}" cy="{frame.y(value)}" r="{line.width}" fill="{line.color}"/>')
            continue
        points = " ".join(f"{frame.x(d)},{frame.y(v)}" for d, v in run)
        parts.append(f'<polyline class="series" data-series="{escape_html(line.key)}" points="{points}" fill="none" '
                     f'stroke="{line.color}" stroke-width="{line.width}" stroke-linejoin="round"{dash}/>')
    return parts


def _axes(frame: Frame, summary: WeeklySummary, days: Sequence[date]) -> list[str]:
    monday, sunday = summary.week.monday, summary.week.sunday
    width = round(frame.left(sunday + timedelta(days=1)) - frame.left(monday), 1)
    parts = [f'<rect class="week" x="{frame.left(monday)}" y="{TOP}" width="{width}" height="{HEIGHT - TOP - BOTTOM}" '
             'fill="#e8effc"/>']
    for score in (0, 25, 50, 75, 100):
        y = frame.y(score)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#d0d0d0" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{score}</text>')
    for day in days:
        if day.weekday() == 0:
            x = frame.left(day)
            parts.append(f'<line x1="{x}" x2="{x}" y1="{TOP}" y2="{HEIGHT - BOTTOM + 4}" '
                         'stroke="#b0b0b0" stroke-width="1"/>')
            label = IsoWeek.of(day).label.split("-")[1]
            middle = frame.x(day + timedelta(days=3))
            parts.append(f'<text x="{middle}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{label}</text>')
    return parts


def _provisional_marks(frame: Frame, summary: WeeklySummary) -> list[str]:
    marks = []
    for moment in summary.index.series:
        if moment.daily_index is not None:
            fill = "#ffffff" if moment.provisional else DAILY_COLOR
            marks.append(f'<circle class="{"provisional" if moment.provisional else "final"}" '
                         f'cx="{frame.x(moment.day)}" cy="{frame.y(moment.daily_index)}" r="3.5" '
                         f'fill="{fill}" stroke="{DAILY_COLOR}" stroke-width="1.5"/>')
    return marks


def index_lines(summary: WeeklySummary) -> list[Line]:
    """The daily and running index."""
    return [line for line in chart_lines(summary) if line.key in INDEX_LINES]


def component_lines(summary: WeeklySummary) -> list[Line]:
    """One line per component present in the series."""
    return [line for line in chart_lines(summary) if line.key not in INDEX_LINES]


def render_chart(summary: WeeklySummary, components: bool = False) -> str:
    """The index chart (or, with `components`, the components' chart) as an inline <svg> that scales."""
    days = chart_days(summary)
    frame = Frame(days[0], len(days))
    lines = component_lines(summary) if components else index_lines(summary)
    what = "Index components" if components else "RoR index"
    label = f"{what} by day, {IsoWeek.of(days[0]).label} to {summary.week.label}"
    body = [*_axes(frame, summary, days)]
    for line in reversed(lines):  # the first line is drawn last, on top
        body += _line_svg(frame, days, line)
    if not components:
        body += _provisional_marks(frame, summary)
    title_id = "components-title" if components else "chart-title"
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{title_id}" font-family="system-ui, sans-serif" font-size="13" fill="#444">'
            f'<title id="{title_id}">{escape_html(label)}</title>' + "".join(body) + "</svg>")
