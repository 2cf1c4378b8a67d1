"""Weekly figures from plain records: pure functions, no I/O, no clock reads."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from listener.exports.model import EngagementFigures, EngagerFigures, ResponseFigures, ReviewFigures, SentimentFigures
from listener.exports.records import COUNTER_NAMES, ItemRecord, ReplyRecord, SnapshotRecord
from scoring.business_time import BusinessHours, elapsed_seconds, sla_deadline
from scoring.needs_answer import InboundItem, needs_answer
from scoring.signals import (
    CounterObservation,
    NpsCounts,
    attribute_growth,
    count_sentiment,
    rating_class,
    stars_out_of_five,
)

POST_KINDS = ("post", "quote")


def is_owned_post(item: ItemRecord) -> bool:
    """An owned top-level post (or quote), as opposed to the brand's replies and shares."""
    return item.role == "owned" and item.kind in POST_KINDS


def has_sentiment_text(item: ItemRecord) -> bool:
    """Inbound items whose text counts for net sentiment (shares carry no text of their own)."""
    return item.role == "inbound" and item.kind != "share"


def asks_for_answer(item: ItemRecord, owned_parents: set[tuple[str, str]]) -> bool:
    """The index's "needs an answer" rule (scoring.needs_answer) applied to a stored inbound item."""
    if item.role != "inbound":
        return False
    parent_is_owned = item.parent is not None and (item.platform, item.parent) in owned_parents
    return needs_answer(InboundItem(item.kind, item.text, item.compound, parent_is_owned)) is not None


def sentiment_figures(week: Iterable[ItemRecord], previous: Iterable[ItemRecord]) -> SentimentFigures:
    """Polarity counts and net sentiment of the week, with last week's net for the change."""
    week = [i for i in week if has_sentiment_text(i)]
    counts = count_sentiment(i.compound for i in week if i.sentiment_status == "scored")
    before = count_sentiment(i.compound for i in previous if has_sentiment_text(i) and i.sentiment_status == "scored")
    return SentimentFigures(
        positive=counts.positive, negative=counts.negative, neutral=counts.neutral,
        unsupported_language=sum(i.sentiment_status == "unsupported_language" for i in week),
        net=_round(counts.net, 4), mean_compound=_round(counts.mean_compound, 4),
        net_previous_week=_round(before.net, 4),
    )


def gained_counters(snapshots: Sequence[SnapshotRecord], zone: tzinfo, days: set[date]) -> list[float]:
    """likes, shares, replies, quotes gained on `days`, from one or many items' snapshots (time-ordered per item)."""
    totals = [0.0] * len(COUNTER_NAMES)
    per_item: dict[tuple[str, str], list[SnapshotRecord]] = defaultdict(list)
    for snapshot in snapshots:
        per_item[(snapshot.platform, snapshot.external_id)].append(snapshot)
    for item_snapshots in per_item.values():
        created = item_snapshots[0].item_created_at
        for position in range(len(COUNTER_NAMES)):
            observations = [CounterObservation(s.observed_at, s.counters[position] or 0) for s in item_snapshots]
            gained = attribute_growth(created, observations, zone)
            totals[position] += sum(v for day, v in gained.items() if day in days)
    return totals


def engagement_figures(gained: Sequence[float], followers: int | None) -> EngagementFigures:
    """Whole-number counts and the rate (gained engagement / followers at the end of the week)."""
    rate = sum(gained) / followers if followers else None
    likes, shares, replies, quotes = (round(v) for v in gained)
    return EngagementFigures(likes, shares, replies, quotes, followers, _round(rate, 6))


def engager_figures(week: set[tuple[str, str]], earlier: set[tuple[str, str]]) -> EngagerFigures:
    """Distinct engagers; returning = also engaged in the lookback window before the week."""
    returning = len(week & earlier)
    return EngagerFigures(total=len(week), new=len(week) - returning, returning=returning)


def first_replies(replies: Iterable[ReplyRecord], now: datetime) -> dict[tuple[str, str], datetime]:
    """The earliest owned reply to each item, ignoring anything stamped after `now`."""
    first: dict[tuple[str, str], datetime] = {}
    for reply in replies:
        key = (reply.platform, reply.parent)
        if reply.created_at <= now and (key not in first or reply.created_at < first[key]):
            first[key] = reply.created_at
    return first


@dataclass(frozen=True)
class SlaClock:
    """The answer window: hours, counted around the clock or only in business hours, in the profile's zone."""

    hours: float
    zone: tzinfo
    business: BusinessHours | None = None

    def deadline(self, created_at: datetime) -> datetime:
        """When an answer to an item made at `created_at` is due."""
        return sla_deadline(created_at, self.hours, self.zone, self.business)

    def minutes(self, start: datetime, end: datetime) -> float:
        """How long the answer took, on this clock."""
        return elapsed_seconds(start, end, self.zone, self.business) / 60


def response_figures(asking: Iterable[ItemRecord], first: dict[tuple[str, str], datetime],
                     sla: SlaClock, now: datetime) -> ResponseFigures:
    """Answered within the SLA, late, unanswered, or still pending; rate over the decided ones."""
    within = late = unanswered = pending = 0
    delays: list[float] = []
    asking = list(asking)
    for item in asking:
        answered, due = first.get(item.key), sla.deadline(item.created_at)
        if answered is not None and answered >= item.created_at:
            delays.append(sla.minutes(item.created_at, answered))
            within, late = (within + 1, late) if answered <= due else (within, late + 1)
        elif now < due:
            pending += 1
        else:
            unanswered += 1
    decided = within + late + unanswered
    return ResponseFigures(
        needs_answer=len(asking), answered_within_sla=within, answered_late=late, unanswered=unanswered,
        pending=pending, rate=_round(within / decided if decided else None, 4),
        median_minutes=_round(statistics.median(delays) if delays else None, 1),
    )


def _stars(review: ItemRecord) -> float | None:
    return None if review.rating is None else stars_out_of_five(review.rating, review.rating_scale)


def net_promoter_score(star_values: Iterable[float]) -> float | None:
    """NPS in [-100, 100] with the index's classes (5 stars promoter, 4 passive, 1-3 detractor)."""
    classes = [rating_class(v) for v in star_values]
    return NpsCounts(classes.count("promoter"), classes.count("passive"), classes.count("detractor")).nps


def review_figures(week: Iterable[ItemRecord]) -> ReviewFigures:
    """The week's inbound reviews: count, average stars and NPS of those with a rating."""
    reviews = [i for i in week if i.role == "inbound" and i.kind == "review"]
    rated = [s for s in map(_stars, reviews) if s is not None]
    return ReviewFigures(count=len(reviews), average_stars=_round(statistics.fmean(rated) if rated else None, 2),
                         nps=_round(net_promoter_score(rated), 1))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
