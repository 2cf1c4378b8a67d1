"""One person's relationship with a brand, from their interactions and the brand's replies (pure)."""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from typing import Literal, NamedTuple

from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from scoring.signals import local_day

MENTION_KINDS = frozenset({"mention", "post"})
SHARE_KINDS = frozenset({"share", "quote"})
SpanKind = Literal["helped", "returned"]
# Every finite float is a whole number of 2**-1074, so sums of compounds kept in those units are
# exact: a stored sum plus later compounds equals the sum of them all, whatever the order.
EXACT_SHIFT = 1074
EXACT_UNIT = 1 << EXACT_SHIFT  # built once: a 1075-bit number


class Touch(NamedTuple):  # a tuple, not a frozen dataclass: a rebuild makes one per interaction
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


class PersonDay(NamedTuple):  # a tuple, like Touch: one per person and active day
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
    return day_totals(touches, zone, window_days).days


@dataclass(frozen=True)
class DayTotals:
    """A person's active days (see `person_days`) and each day's exact compound sum, in 2**-1074 units."""

    days: list[PersonDay]
    units: list[int]


DayOf = Callable[[datetime], date]  # a moment's local day in the profile's zone


def day_totals(touches: Iterable[Touch], zone: tzinfo, window_days: int, day_of: DayOf | None = None) -> DayTotals:
    """Active days with their exact sums; each touch's local day is found once (by `day_of` if given: one
    that remembers days serves a rebuild's people all at once)."""
    by_day: dict[date, list[Touch]] = defaultdict(list)
    day_of = day_of or partial(local_day, zone=zone)
    for touch in touches:
        by_day[day_of(touch.at)].append(touch)
    totals, previous = DayTotals([], []), None
    for day in sorted(by_day):
        group = by_day[day]
        positive, negative, neutral, units = item_sentiment(group)
        totals.days.append(PersonDay(
            day, len(group), positive, negative, neutral, units_value(units),
            previous is not None and (day - previous).days <= window_days, previous is None,
        ))
        totals.units.append(units)
        previous = day
    return totals


def item_sentiment(touches: Iterable[Touch]) -> tuple[int, int, int, int]:
    """Positive, negative and neutral scored items among the touches (see `polarity`), and their exact sum."""
    positive = negative = neutral = units = 0
    for touch in touches:
        compound = touch.compound
        if compound is None or touch.via != "item":
            continue
        if compound >= POSITIVE_THRESHOLD:
            positive += 1
        elif compound <= NEGATIVE_THRESHOLD:
            negative += 1
        else:
            neutral += 1
        units += exact_units(compound)
    return positive, negative, neutral, units


def touch_counts(touches: Iterable[Touch]) -> tuple[int, int, int, int]:
    """Items, likes, shares (and quotes) and mentions among the touches."""
    items = likes = shares = mentions = 0
    for touch in touches:
        if touch.via == "item":
            items += 1
            mentions += touch.kind in MENTION_KINDS
        else:
            likes += touch.kind == "like"
        shares += touch.kind in SHARE_KINDS
    return items, likes, shares, mentions


def exact_units(value: float) -> int:
    """A float as a whole number of 2**-1074."""
    numerator, denominator = value.as_integer_ratio()
    return numerator << (EXACT_SHIFT + 1 - denominator.bit_length())


def units_value(units: int) -> float:
    """The float nearest an exact sum in 2**-1074 units (correctly rounded, like math.fsum)."""
    return units / EXACT_UNIT


def first_return(touches: Sequence[Touch], times: Sequence[datetime], reply_at: datetime,
                 thread: str) -> Touch | None:
    """The first interaction after a reply that is not in the same conversation.

    `touches` are sorted by time and `times` are their times (built once per person: building
    them per reply made a heavy author's ledger quadratic in their history).
    """
    for index in range(bisect.bisect_right(times, reply_at), len(touches)):
        if touches[index].thread != thread:
            return touches[index]
    return None


def reply_window(reply_at: datetime, zone: tzinfo, window_days: int) -> tuple[date, date]:
    """The inclusive local days a reply counts as help for."""
    start = local_day(reply_at, zone)
    return start, start + timedelta(days=window_days - 1)


def returned_interval(reply_at: datetime, back: Touch | None, zone: tzinfo,
                      window_days: int) -> tuple[date, date] | None:
    """The days a person counts as returned after a reply, given their first return (if any)."""
    start, end = reply_window(reply_at, zone, window_days)
    if back is None or local_day(back.at, zone) > end:
        return None
    return max(start, local_day(back.at, zone)), end


def spans_of(helped: Sequence[tuple[date, date]], returned: Sequence[tuple[date, date]]) -> list[Span]:
    """Merged helped and returned spans."""
    return [Span("helped", s, e) for s, e in merge_intervals(helped)] + \
           [Span("returned", s, e) for s, e in merge_intervals(returned)]


def return_spans(touches: Sequence[Touch], replies: Sequence[BrandReply], zone: tzinfo,
                 window_days: int) -> list[Span]:
    """Helped: the `window_days` days from each brand reply; returned: from the first later
    interaction elsewhere (a new conversation, a like or share of another post) to the same end."""
    history = History.of(touches)
    return spans_after(replies, history.returns(replies), zone, window_days)


def spans_after(replies: Sequence[BrandReply], backs: Sequence[Touch | None], zone: tzinfo,
                window_days: int) -> list[Span]:
    """Spans of replies given each one's first return."""
    helped = [reply_window(r.reply_at, zone, window_days) for r in replies]
    returned = [returned_interval(r.reply_at, back, zone, window_days) for r, back in zip(replies, backs, strict=True)]
    return spans_of(helped, [i for i in returned if i is not None])


def merge_intervals(intervals: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """Union of inclusive day intervals; touching intervals join."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class History:
    """A person's touches sorted by time, with their times (for bisecting)."""

    touches: list[Touch]
    times: list[datetime]

    @classmethod
    def of(cls, touches: Iterable[Touch]) -> History:
        """Sort once."""
        ordered = sorted(touches, key=lambda t: t.at)
        return cls(ordered, [t.at for t in ordered])

    def returns(self, replies: Sequence[BrandReply]) -> list[Touch | None]:
        """The first return after each reply."""
        return [first_return(self.touches, self.times, r.reply_at, r.thread) for r in replies]


def summarise_person(touches: Sequence[Touch], replies: Sequence[BrandReply], zone: tzinfo) -> PersonSummary:
    """The ledger line of one person (at least one touch)."""
    history = History.of(touches)
    return summarise_history(history.touches, replies, history.returns(replies), day_totals(history.touches, zone, 1))


def summarise_history(ordered: Sequence[Touch], replies: Sequence[BrandReply], backs: Sequence[Touch | None],
                      totals: DayTotals) -> PersonSummary:
    """The ledger line from touches sorted by time, replies, each reply's first return and the active days."""
    items, likes, shares, mentions = touch_counts(ordered)
    positive, negative = sum(d.positive for d in totals.days), sum(d.negative for d in totals.days)
    neutral = sum(d.neutral for d in totals.days)
    scored = positive + negative + neutral
    returns = [r for r in backs if r is not None]
    active_days = len(totals.days)
    return PersonSummary(
        first_seen_at=ordered[0].at, last_seen_at=ordered[-1].at,
        active_days=active_days, interactions=len(ordered),
        items=items, likes=likes, shares=shares, mentions=mentions, replies_received=len(replies),
        reply_seconds_median=statistics.median([r.reply_seconds for r in replies]) if replies else None,
        positive=positive, negative=negative, neutral=neutral,
        mean_compound=units_value(sum(totals.units)) / scored if scored else None,
        returning=active_days > 1,
        helped_at=min((r.reply_at for r in replies), default=None),
        returned_at=min((t.at for t in returns), default=None),
    )
