"""The clock and sleep types every injected edge uses, and the real ones as defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def utc_now() -> datetime:
    """The real clock, as the default for injected clocks."""
    return datetime.now(UTC)

