"""Jinja2 filters: numbers, signed changes, times, and links that are only ever http(s)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from listener.exports.safety import safe_url


def number(value: Any, digits: int = 1) -> str:
    """A number with `digits` decimals, or an en dash for none."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def signed(value: Any, digits: int = 1) -> str:
    """A change with its sign (+1.5, -0.3), or an en dash for none."""
    return "–" if value is None else f"{value:+.{digits}f}"


def when(value: Any) -> str:
    """A UTC moment as 'YYYY-MM-DD HH:MM UTC' (ISO strings accepted), or an en dash."""
    if value is None:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def link(url: Any) -> str | None:
    """The URL if it is a plain http(s) link, else None (javascript: and friends never become links)."""
    return safe_url(url if isinstance(url, str) else None)


def direction(value: Any) -> str:
    """A CSS class for a change: up, down or flat."""
    if value is None or abs(value) < 0.05:
        return "flat"
    return "up" if value > 0 else "down"


FILTERS = {"number": number, "signed": signed, "when": when, "link": link, "direction": direction}
