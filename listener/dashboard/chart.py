"""Server-side SVG charts for the overview: the index over time and inbound volume by sentiment.

Every day is a link to its explanation; provisional days are drawn hollow. Only numbers, ISO
dates and escaped labels go into the markup, and no style attributes (the CSP forbids them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 42, 10, 16, 28
VOLUME_HEIGHT = 140
SENTIMENTS = ("negative", "neutral", "positive")  # bottom to top


@dataclass(frozen=True)
class DayFrame:
    """Maps a run of days onto the chart's x axis."""

    first: date
    days: int
    height: int = HEIGHT

    @property
    def slot(self) -> float:
        """Width of one day."""
        return (WIDTH - LEFT - RIGHT) / max(self.days, 1)

    def x(self, day: date) -> float:
        """Centre of the day's slot."""
        return round(LEFT + self.slot * ((day - self.first).days + 0.5), 1)

    def left(self, day: date) -> float:
        """Left edge of the day's slot."""
        return round(LEFT + self.slot * (day - self.first).days, 1)

    def y(self, value: float, top: float = 100.0) -> float:
        """0 at the bottom, `top` at the top."""
        share = max(0.0, min(1.0, value / top)) if top else 0.0
        return round(TOP + (self.height - TOP - BOTTOM) * (1 - share), 1)


def _day_link(profile: str, day: date) -> str:
    return f"/explain/{day.isoformat()}?profile={quote(profile)}"


def _polyline(frame: DayFrame, values: Sequence[tuple[date, float | None]], css: str) -> list[str]:
    parts, run = [], []
    for day, value in [*values, (None, None)]:
        if value is not None and day is not None:
            run.append(f"{frame.x(day)},{frame.y(value)}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline class="{css}" points="{" ".join(run)}"/>')
        elif run:
            x, y = run[0].split(",")
            parts.append(f'<circle class="{css}" cx="{x}" cy="{y}" r="2"/>')
        run = []
    return parts


def _grid(frame: DayFrame, top: float, steps: Sequence[float], days: Sequence[date]) -> list[str]:
    parts = []
    for value in steps:
        y = frame.y(value, top)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 5}" y="{y + 4}" text-anchor="end">{value:g}</text>')
    for day in days:
        if day.weekday() == 0:
            parts.append(f'<text class="axis" x="{frame.left(day)}" y="{frame.height - 8}">{day:%d %b}</text>')
    return parts


def _days(points: Sequence[dict[str, Any]]) -> list[date]:
    first, last = date.fromisoformat(points[0]["day"]), date.fromisoformat(points[-1]["day"])
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def index_chart(points: Sequence[dict[str, Any]], profile: str, component: str | None) -> Markup:
    """Daily index (solid), running index (dashed) and one chosen component, with a link per day."""
    if not points:
        return Markup("")
    days = _days(points)
    frame = DayFrame(days[0], len(days))
    by_day = {date.fromisoformat(p["day"]): p for p in points}

    def series(read: Any) -> list[tuple[date, float | None]]:
        return [(d, read(by_day[d]) if d in by_day else None) for d in days]

    body = _grid(frame, 100, (0, 25, 50, 75, 100), days)
    if component:
        body += _polyline(frame, series(lambda p: (p["components"].get(component) or {}).get("score")), "component")
    body += _polyline(frame, series(lambda p: p["running_index"]), "running")
    body += _polyline(frame, series(lambda p: p["daily_index"]), "daily")
    for day, point in sorted(by_day.items()):
        if point["daily_index"] is not None:
            css = "mark provisional" if point["provisional"] else "mark"
            body.append(f'<circle class="{css}" cx="{frame.x(day)}" cy="{frame.y(point["daily_index"])}" r="3.5"/>')
    body += _hit_areas(frame, days, profile, lambda d: _index_tip(by_day.get(d), d))
    label = f"RoR index of {profile}, {days[0]} to {days[-1]}"
    return _svg(body, label, HEIGHT, "index-chart")


def _index_tip(point: dict[str, Any] | None, day: date) -> str:
    if point is None:
        return f"{day}: no index"
    daily, running = point["daily_index"], point["running_index"]
    text = f"{day}: daily {daily:.1f}" if daily is not None else f"{day}: no daily index"
    text += f", running {running:.1f}" if running is not None else ""
    return text + (" (provisional)" if point["provisional"] else "")


def volume_chart(volumes: Sequence[dict[str, Any]], profile: str) -> Markup:
    """Stacked bars of inbound items per day by sentiment (negative at the bottom)."""
    if not volumes:
        return Markup("")
    first, last = volumes[0]["day"], volumes[-1]["day"]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    frame = DayFrame(first, len(days), VOLUME_HEIGHT)
    top = max([sum(v[s] for s in SENTIMENTS) for v in volumes] + [1])
    body = _grid(frame, top, (0, round(top / 2), top), days)
    width = max(frame.slot - 1.5, 0.5)
    for v in volumes:
        base = 0
        for sentiment in SENTIMENTS:
            count = v[sentiment]
            if count:
                y0, y1 = frame.y(base, top), frame.y(base + count, top)
                body.append(f'<rect class="bar {sentiment}" x="{frame.left(v["day"]) + 0.75}" y="{y1}" '
                            f'width="{round(width, 1)}" height="{round(y0 - y1, 1)}"/>')
                base += count
    counts = {v["day"]: v for v in volumes}
    body += _hit_areas(frame, days, profile, lambda d: _volume_tip(counts.get(d), d))
    return _svg(body, f"Inbound items by sentiment, {first} to {last}", VOLUME_HEIGHT, "volume-chart")


def _volume_tip(volume: dict[str, Any] | None, day: date) -> str:
    if volume is None:
        return f"{day}: no inbound items"
    return f"{day}: " + ", ".join(f"{volume[s]} {s}" for s in reversed(SENTIMENTS))


def _hit_areas(frame: DayFrame, days: Sequence[date], profile: str, tip: Any) -> list[str]:
    return [f'<a href="{escape(_day_link(profile, d))}" class="day-link" data-day="{d.isoformat()}">'
            f'<rect class="hit" x="{frame.left(d)}" y="{TOP}" width="{round(frame.slot, 1)}" '
            f'height="{frame.height - TOP - BOTTOM}"/><title>{escape(tip(d))}</title></a>' for d in days]


def _svg(body: list[str], label: str, height: int, css: str) -> Markup:
    return Markup(f'<svg class="chart {css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
                  f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>")
