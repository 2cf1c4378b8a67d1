"""SLA clocks: when an answer is due and how long it took, around the clock or in business hours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

MINUTES_PER_DAY = 24 * 60
MAX_DAYS_SEARCHED = 3700  # ten years: a deadline further away than that is a configuration mistake


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours in the profile's time zone: [opens, closes) minutes after midnight, on ISO weekdays."""

    opens: int
    closes: int
    weekdays: frozenset[int]

    @classmethod
    def parse(cls, text: str, weekdays: list[int] | tuple[int, ...]) -> BusinessHours:
        """From "09:00-17:00" (end may be "24:00") and ISO weekdays (1 = Monday)."""
        start, end = (_minutes(part) for part in text.split("-"))
        return cls(start, end, frozenset(weekdays))


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _at(day: date, minutes: int, zone: tzinfo) -> datetime:
    """The UTC moment of a local wall-clock time (minutes after midnight; 1440 = next midnight)."""
    if minutes >= MINUTES_PER_DAY:
        return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return datetime.combine(day, time(minutes // 60, minutes % 60), zone).astimezone(UTC)


def _open_intervals(start: datetime, zone: tzinfo, hours: BusinessHours) -> Iterator[tuple[datetime, datetime]]:
    """Business intervals (UTC) from the local day of `start` onwards, clipped to begin at `start`."""
    start = start.astimezone(UTC)
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS_SEARCHED):
        if day.isoweekday() in hours.weekdays:
            opens, closes = _at(day, hours.opens, zone), _at(day, hours.closes, zone)
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)


@lru_cache(maxsize=16)
def _span_of_hours(hours: float) -> timedelta:
    """timedelta(hours=hours), made once per value: made from a float per inbound item, it was 1 % of a rebuild."""
    return timedelta(hours=hours)


def sla_deadline(created_at: datetime, sla_hours: float, zone: tzinfo, hours: BusinessHours | None) -> datetime:
    """When an answer is due: `sla_hours` after `created_at`, counting only business hours if given."""
    remaining = _span_of_hours(sla_hours)
    if hours is None:
        return (created_at + remaining).astimezone(UTC)
    for opens, closes in _open_intervals(created_at, zone, hours):
        if closes - opens >= remaining:
            return opens + remaining
        remaining -= closes - opens
    raise ValueError("no business hours in the next ten years: check business_days")


def elapsed_seconds(start: datetime, end: datetime, zone: tzinfo, hours: BusinessHours | None) -> float:
    """Seconds from `start` to `end`, counting only business hours if given (0 if end <= start)."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    total = 0.0
    for opens, closes in _open_intervals(start, zone, hours):
        if opens >= end:
            break
        total += (min(closes, end) - opens).total_seconds()
    return total
