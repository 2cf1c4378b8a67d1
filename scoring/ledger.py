"""One person's relationship with a brand, from their interactions and the brand's replies (pure)."""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from scoring.signals import local_day

MENTION_KINDS = frozenset({"mention", "post"})
SHARE_KINDS = frozenset({"share", "quote"})
SpanKind = Literal["helped", "returned"]


@dataclass(frozen=True)
class Touch:
    """One interaction: an inbound item the person wrote, or a like/share of an owned item."""

    at: datetime
    via: Literal["item", "event"]
    kind: str
    thread: str
    compound: float | None = None


@dataclass(frozen=True)
class BrandReply:
    """The brand's first reply to one of the person's items."""

    thread: str
    item_at: datetime
    reply_at: datetime
    reply_seconds: float


@dataclass(frozen=True)
class PersonDay:
    """A local day the person was active, with its sentiment and whether they were returning."""

    day: date
    interactions: int
    positive: int
    negative: int
    neutral: int
    compound_sum: float
    returning: bool
    first: bool


@dataclass(frozen=True)
class Span:
    """Inclusive local days on which the person counts as helped, or as returned after help."""

    kind: SpanKind
    start: date
    end: date


@dataclass(frozen=True)
class PersonSummary:
    """The ledger line: counts, reply speed, sentiment, and the relationship's turning points."""

    first_seen_at: datetime
    last_seen_at: datetime
    active_days: int
    interactions: int
    items: int
    likes: int
    shares: int
    mentions: int
    replies_received: int
    reply_seconds_median: float | None
    positive: int
    negative: int
    neutral: int
    mean_compound: float | None
    returning: bool
    helped_at: datetime | None
    returned_at: datetime | None


def polarity(compound: float | None) -> int | None:
    """+1, -1 or 0 with the VADER authors' thresholds; None when unscored."""
    if compound is None:
        return None
    return 1 if compound >= POSITIVE_THRESHOLD else -1 if compound <= NEGATIVE_THRESHOLD else 0


def person_days(touches: Sequence[Touch], zone: tzinfo, window_days: int) -> list[PersonDay]:
    """Active local days; a day is returning when the previous active day is within `window_days`."""
    by_day: dict[date, list[Touch]] = defaultdict(list)
    for touch in touches:
        by_day[local_day(touch.at, zone)].append(touch)
    days, previous = [], None
    for day in sorted(by_day):
        polarities = [polarity(t.compound) for t in by_day[day] if t.via == "item"]
        compounds = [t.compound for t in by_day[day] if t.via == "item" and t.compound is not None]
        days.append(PersonDay(
            day, len(by_day[day]), polarities.count(1), polarities.count(-1), polarities.count(0),
            sum(compounds), previous is not None and (day - previous).days <= window_days, previous is None,
        ))
        previous = day
    return days


def first_return(touches: Sequence[Touch], reply: BrandReply) -> Touch | None:
    """The first interaction after a reply that is not in the same conversation (`touches` sorted)."""
    start = bisect.bisect_right([t.at for t in touches], reply.reply_at)
    return next((t for t in touches[start:] if t.thread != reply.thread), None)


def return_spans(touches: Sequence[Touch], replies: Sequence[BrandReply], zone: tzinfo,
                 window_days: int) -> list[Span]:
    """Helped: the `window_days` days from each brand reply; returned: from the first later
    interaction elsewhere (a new conversation, a like or share of another post) to the same end."""
    ordered = sorted(touches, key=lambda t: t.at)
    helped, returned = [], []
    for reply in replies:
        start = local_day(reply.reply_at, zone)
        end = start + timedelta(days=window_days - 1)
        helped.append((start, end))
        back = first_return(ordered, reply)
        if back is not None and local_day(back.at, zone) <= end:
            returned.append((max(start, local_day(back.at, zone)), end))
    return [Span("helped", s, e) for s, e in merge_intervals(helped)] + \
           [Span("returned", s, e) for s, e in merge_intervals(returned)]


def merge_intervals(intervals: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """Union of inclusive day intervals; touching intervals join."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def summarise_person(touches: Sequence[Touch], replies: Sequence[BrandReply], zone: tzinfo) -> PersonSummary:
    """The ledger line of one person (at least one touch)."""
    ordered = sorted(touches, key=lambda t: t.at)
    items = [t for t in ordered if t.via == "item"]
    polarities = [polarity(t.compound) for t in items]
    compounds = [t.compound for t in items if t.compound is not None]
    returns = [r for r in (first_return(ordered, reply) for reply in replies) if r is not None]
    return PersonSummary(
        first_seen_at=ordered[0].at, last_seen_at=ordered[-1].at,
        active_days=len({local_day(t.at, zone) for t in ordered}), interactions=len(ordered),
        items=len(items), likes=sum(t.via == "event" and t.kind == "like" for t in ordered),
        shares=sum(t.kind in SHARE_KINDS for t in ordered),
        mentions=sum(t.kind in MENTION_KINDS for t in items), replies_received=len(replies),
        reply_seconds_median=statistics.median([r.reply_seconds for r in replies]) if replies else None,
        positive=polarities.count(1), negative=polarities.count(-1), neutral=polarities.count(0),
        mean_compound=statistics.fmean(compounds) if compounds else None,
        returning=len({local_day(t.at, zone) for t in ordered}) > 1,
        helped_at=min((r.reply_at for r in replies), default=None),
        returned_at=min((t.at for t in returns), default=None),
    )
