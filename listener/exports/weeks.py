"""ISO weeks in a profile's time zone: parsing `2026-W47`, local bounds (167 to 169 hours across DST)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

WEEK_PATTERN = re.compile(r"^(\d{4})-?W(\d{2})$")


class WeekError(ValueError):
    """A week label that is not an ISO week such as 2026-W47."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO 8601 week (Monday to Sunday)."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W47` (or `2026W47`) -> IsoWeek; WeekError for anything else or a week the year lacks."""
        match = WEEK_PATTERN.match(text.strip().upper())
        if not match:
            raise WeekError(f"{text!r} is not an ISO week; expected YYYY-Www such as 2026-W47")
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise WeekError(f"{text!r}: {year} has no ISO week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The ISO week a calendar day belongs to."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, now: datetime, zone: tzinfo) -> IsoWeek:
        """The latest week that has fully ended at `now` in `zone`."""
        return cls.of(now.astimezone(zone).date()).previous()

    @property
    def label(self) -> str:
        """`2026-W47`."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        """The week's first day."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        """The week's last day."""
        return self.monday + timedelta(days=6)

    def days(self) -> list[date]:
        """Monday to Sunday."""
        return [self.monday + timedelta(days=i) for i in range(7)]

    def previous(self, weeks: int = 1) -> IsoWeek:
        """The week `weeks` before this one."""
        return IsoWeek.of(self.monday - timedelta(weeks=weeks))

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """Start and end (exclusive) as aware datetimes: local midnights of this and next Monday."""
        start = datetime.combine(self.monday, time.min, zone)
        end = datetime.combine(self.monday + timedelta(days=7), time.min, zone)
        return start, end

    def __str__(self) -> str:
        return self.label
