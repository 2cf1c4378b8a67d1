"""The founders' RoR %: of the people the brand helped in the last 12 months, the share who came back.

A person counts as **helped** in a window when the brand answered them on social, resolved a
ticket of theirs or replied to their review inside it; they **returned** when, after their first
help in the window and before its end, they placed an order or referred a new customer. The
percentage is returned / helped * 100 over linked people only (people the data ties to a CRM or
survey identity); it is None when nobody was helped. Pure: no I/O, no clock reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

WINDOW_MONTHS = 12


@dataclass(frozen=True)
class Help:
    """The brand helped a person at a moment, on a channel (social, review, ticket)."""

    person: int
    at: datetime
    channel: str


@dataclass(frozen=True)
class Comeback:
    """A person bought (order) or brought someone (referral) at a moment."""

    person: int
    at: datetime
    kind: str


@dataclass(frozen=True)
class RorPercent:
    """One window's RoR %: who was helped, who returned, and how the returns split."""

    start: datetime
    end: datetime
    helped: int
    returned: int
    percent: float | None
    helped_by_channel: dict[str, int]
    returned_by_kind: dict[str, int]


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of the first of `day`'s month, in UTC."""
    return datetime.combine(day.replace(day=1), time(), zone).astimezone(UTC)


def compute_ror_percent(helps: Iterable[Help], comebacks: Iterable[Comeback], start: datetime,
                        end: datetime) -> RorPercent:
    """The RoR % over [start, end): helped people, and those with a comeback after their first help."""
    first_help: dict[int, datetime] = {}
    channels: dict[int, set[str]] = {}
    for help_ in helps:
        if start <= help_.at < end:
            first_help[help_.person] = min(help_.at, first_help.get(help_.person, help_.at))
            channels.setdefault(help_.person, set()).add(help_.channel)
    returned: dict[int, set[str]] = {}
    for back in comebacks:
        helped_at = first_help.get(back.person)
        if helped_at is not None and helped_at < back.at < end:
            returned.setdefault(back.person, set()).add(back.kind)
    by_channel: dict[str, int] = {}
    for person_channels in channels.values():
        for channel in person_channels:
            by_channel[channel] = by_channel.get(channel, 0) + 1
    by_kind: dict[str, int] = {}
    for kinds in returned.values():
        for kind in kinds:
            by_kind[kind] = by_kind.get(kind, 0) + 1
    percent = round(100 * len(returned) / len(first_help), 1) if first_help else None
    # Sets iterate in a per-process order: the counts are sorted by name so every output reads the same.
    return RorPercent(start, end, len(first_help), len(returned), percent, dict(sorted(by_channel.items())),
                      dict(sorted(by_kind.items())))


def compute_monthly_ror(helps: Sequence[Help], comebacks: Sequence[Comeback], now: datetime, zone: ZoneInfo,
                        months: int = 12, window_months: int = WINDOW_MONTHS) -> list[tuple[str, RorPercent]]:
    """Per month (oldest first, the current month last and partial): the RoR % of the window ending with it."""
    this_month = now.astimezone(zone).date().replace(day=1)
    found = []
    for back in range(months - 1, -1, -1):
        month = add_months(this_month, -back)
        end = min(month_start(add_months(month, 1), zone), now)
        start = month_start(add_months(month, 1 - window_months), zone)
        found.append((month.strftime("%Y-%m"), compute_ror_percent(helps, comebacks, start, end)))
    return found
