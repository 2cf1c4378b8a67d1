"""A person's ledger computed whole, or folded forward from its stored state with later touches (pure).

Folding is exact: `fold_ledger(compute_ledger(earlier), later)` equals `compute_ledger(earlier +
later)` whenever every later touch is after the person's last one and every later reply is no
earlier than it. The state that makes this possible is small: exact compound sums, every reply
time (for the median), and the replies the person has not come back from yet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from scoring.ledger import (
    BrandReply,
    DayOf,
    History,
    PersonDay,
    PersonSummary,
    Span,
    Touch,
    day_totals,
    first_return,
    item_sentiment,
    reply_window,
    returned_interval,
    spans_after,
    spans_of,
    summarise_history,
    touch_counts,
    units_value,
)
from scoring.signals import local_day


@dataclass(frozen=True)
class OpenReply:
    """A brand reply the person has not come back from yet (by another conversation)."""

    thread: str
    reply_at: datetime


@dataclass(frozen=True)
class PersonState:
    """What folding needs beyond the ledger rows: exact compound sums (all, and the last active
    day's), every reply time sorted, and the open replies that can still change a span or
    `returned_at`."""

    compound_units: int
    last_day_units: int
    reply_seconds: tuple[float, ...]
    open_replies: tuple[OpenReply, ...]


@dataclass(frozen=True)
class PersonLedger:
    """A person's ledger line, active days, return spans and state."""

    summary: PersonSummary
    days: list[PersonDay]
    spans: list[Span]
    state: PersonState


@dataclass(frozen=True)
class Windows:
    """The loyalty window (returning days) and the return window (spans), in days."""

    loyalty: int
    returns: int


def still_open(replies: Iterable[OpenReply], returned_at: datetime | None, last_day: date, zone: tzinfo,
               windows: Windows) -> tuple[OpenReply, ...]:
    """The open replies worth keeping: all while the person never came back (a later return sets
    `returned_at`), else those whose window reaches the last active day (later touches are on
    or after it, so the others can never open a span)."""
    kept = [r for r in replies
            if returned_at is None or reply_window(r.reply_at, zone, windows.returns)[1] >= last_day]
    return tuple(sorted(kept, key=lambda r: (r.reply_at, r.thread)))


def compute_ledger(touches: Iterable[Touch], replies: Sequence[BrandReply], zone: tzinfo,
                   windows: Windows, day_of: DayOf | None = None) -> PersonLedger:
    """The ledger of a person from their whole history (at least one touch); `day_of`: see `day_totals`."""
    history = History.of(touches)
    backs = history.returns(replies)
    totals = day_totals(history.touches, zone, windows.loyalty, day_of)
    summary = summarise_history(history.touches, replies, backs, totals)
    last_day = totals.days[-1].day
    open_replies = [OpenReply(r.thread, r.reply_at) for r, back in zip(replies, backs, strict=True) if back is None]
    state = PersonState(
        compound_units=sum(totals.units), last_day_units=totals.units[-1],
        reply_seconds=tuple(sorted(r.reply_seconds for r in replies)),
        open_replies=still_open(open_replies, summary.returned_at, last_day, zone, windows))
    return PersonLedger(summary, totals.days, spans_after(replies, backs, zone, windows.returns), state)


@dataclass(frozen=True)
class StoredPerson:
    """A person's ledger as stored: the line, the last active day, the spans and the state."""

    summary: PersonSummary
    last_day: PersonDay
    spans: list[Span]
    state: PersonState

    def can_fold(self, touches: Sequence[Touch], replies: Sequence[BrandReply]) -> bool:
        """Whether later touches and replies can be folded in (else: rebuild from history)."""
        last = self.summary.last_seen_at
        return all(t.at > last for t in touches) and all(r.reply_at >= last for r in replies)


def _fold_days(stored: StoredPerson, history: History, zone: tzinfo,
               windows: Windows) -> tuple[list[PersonDay], int, tuple[int, int, int, int]]:
    """The changed and new active days, the exact compound sum of the (new) last one, and the later
    touches' positive, negative and neutral items and exact compound sum (summed day by day: integers, so exact)."""
    by_day: dict[date, list[Touch]] = defaultdict(list)
    for touch in history.touches:
        by_day[local_day(touch.at, zone)].append(touch)
    last, units, days = stored.last_day, stored.state.last_day_units, []
    previous = last.day
    all_positive = all_negative = all_neutral = all_units = 0
    for day in sorted(by_day):
        positive, negative, neutral, day_units = item_sentiment(by_day[day])
        all_positive += positive
        all_negative += negative
        all_neutral += neutral
        all_units += day_units
        count = len(by_day[day])
        if day == last.day:
            units += day_units
            days.append(PersonDay(day, count + last.interactions, positive + last.positive,
                                  negative + last.negative, neutral + last.neutral, units_value(units),
                                  last.returning, last.first))
        else:
            units = day_units
            days.append(PersonDay(day, count, positive, negative, neutral, units_value(units),
                                  (day - previous).days <= windows.loyalty, False))
        previous = day
    return days, units, (all_positive, all_negative, all_neutral, all_units)


def _fold_summary(old: PersonSummary, history: History, replies: Sequence[BrandReply], new_days: int,
                  seconds: Sequence[float], compound: int, returned_at: datetime | None,
                  sentiment: tuple[int, int, int, int]) -> PersonSummary:
    """The ledger line after later touches, given their sentiment counts (see `_fold_days`)."""
    touches = history.touches
    items, likes, shares, mentions = touch_counts(touches)
    new_positive, new_negative, new_neutral, _units = sentiment
    positive, negative = old.positive + new_positive, old.negative + new_negative
    neutral = old.neutral + new_neutral
    scored = positive + negative + neutral
    active_days = old.active_days + new_days
    helped = [r.reply_at for r in replies] + ([old.helped_at] if old.helped_at else [])
    return PersonSummary(  # every field named (dataclasses.replace costs a field walk per person)
        first_seen_at=old.first_seen_at, last_seen_at=history.times[-1] if touches else old.last_seen_at,
        active_days=active_days, interactions=old.interactions + len(touches), items=old.items + items,
        likes=old.likes + likes, shares=old.shares + shares, mentions=old.mentions + mentions,
        replies_received=old.replies_received + len(replies),
        reply_seconds_median=statistics.median(seconds) if seconds else None,
        positive=positive, negative=negative, neutral=neutral,
        mean_compound=units_value(compound) / scored if scored else None, returning=active_days > 1,
        helped_at=min(helped, default=None), returned_at=returned_at)


def fold_ledger(stored: StoredPerson, touches: Iterable[Touch], replies: Sequence[BrandReply], zone: tzinfo,
                windows: Windows) -> PersonLedger:
    """The ledger after later touches and replies (see `StoredPerson.can_fold`); `days` holds only
    the days that changed or are new."""
    history = History.of(touches)
    days, last_units, sentiment = _fold_days(stored, history, zone, windows)
    pending = [*stored.state.open_replies, *(OpenReply(r.thread, r.reply_at) for r in replies)]
    backs = [(r, first_return(history.touches, history.times, r.reply_at, r.thread)) for r in pending]
    returned = [returned_interval(r.reply_at, back, zone, windows.returns) for r, back in backs]
    old_summary = stored.summary
    returned_at = old_summary.returned_at or min((back.at for _, back in backs if back), default=None)
    seconds = sorted([*stored.state.reply_seconds, *(r.reply_seconds for r in replies)])
    compound = stored.state.compound_units + sentiment[3]
    summary = _fold_summary(old_summary, history, replies, sum(d.day != stored.last_day.day for d in days),
                            seconds, compound, returned_at, sentiment)
    last_day = days[-1].day if days else stored.last_day.day
    spans = spans_of(
        [(s.start, s.end) for s in stored.spans if s.kind == "helped"] +
        [reply_window(r.reply_at, zone, windows.returns) for r in replies],
        [(s.start, s.end) for s in stored.spans if s.kind == "returned"] + [i for i in returned if i is not None])
    state = PersonState(compound, last_units, tuple(seconds),
                        still_open([r for r, back in backs if back is None], returned_at, last_day, zone, windows))
    return PersonLedger(summary, days, spans, state)
