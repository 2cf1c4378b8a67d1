"""The week's listed items: top owned posts by engagement, most positive and most negative inbound items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from listener.exports.figures import has_sentiment_text, is_owned_post
from listener.exports.model import ListedItem, WeeklySummary
from listener.exports.records import ItemDetail, ItemRecord, SnapshotRecord
from listener.exports.safety import safe_url
from scoring.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from scoring.signals import CounterObservation, value_at_age

TEXT_LIMIT = 500
RATE_AGE = timedelta(hours=48)


def excerpt(text: str, limit: int = TEXT_LIMIT) -> str:
    """The text, cut at `limit` characters with an ellipsis."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def engagement_at_age(snapshots: Sequence[SnapshotRecord], created: datetime,
                      age: timedelta = RATE_AGE) -> float | None:
    """Engagement when the post was `age` old, as the index reads it (scoring.signals.value_at_age)."""
    observations = [CounterObservation(s.observed_at, sum(c or 0 for c in s.counters)) for s in snapshots]
    return value_at_age(created, observations, age)


def _owned(item: ItemRecord, snapshots: Sequence[SnapshotRecord], followers: int | None, now: datetime) -> ListedItem:
    likes, shares, replies, quotes = item.counters
    at_48h = engagement_at_age(snapshots, item.created_at)
    rate = round(at_48h / followers, 6) if at_48h is not None and followers else None
    return ListedItem(
        platform=item.platform, external_id=item.external_id, kind=item.kind, author=None,
        created_at=item.created_at, url=None, text=excerpt(item.text), likes=likes, shares=shares,
        replies=replies, quotes=quotes, engagement=sum(c or 0 for c in item.counters), rate_48h=rate,
        provisional=now < item.created_at + RATE_AGE,
    )


def _inbound(item: ItemRecord) -> ListedItem:
    return ListedItem(
        platform=item.platform, external_id=item.external_id, kind=item.kind, author=None,
        created_at=item.created_at, url=None, text=excerpt(item.text), compound=round(item.compound or 0.0, 4),
    )


def choose_items(week: Sequence[ItemRecord], snapshots: Sequence[SnapshotRecord], followers: dict[str, int],
                 now: datetime, top: int) -> tuple[list[ListedItem], list[ListedItem], list[ListedItem]]:
    """(top owned posts, most positive, most negative) among the week's items; ties by time, then id."""
    by_item: dict[tuple[str, str], list[SnapshotRecord]] = {}
    for snapshot in snapshots:
        by_item.setdefault((snapshot.platform, snapshot.external_id), []).append(snapshot)
    posts = sorted((i for i in week if is_owned_post(i)),
                   key=lambda i: (-sum(c or 0 for c in i.counters), i.created_at, i.key))
    owned = [_owned(i, by_item.get(i.key, []), followers.get(i.platform), now) for i in posts[:top]]
    scored = [(i.compound, i) for i in week
              if has_sentiment_text(i) and i.sentiment_status == "scored" and i.compound is not None]
    positive = sorted((pair for pair in scored if pair[0] >= POSITIVE_THRESHOLD),
                      key=lambda pair: (-pair[0], pair[1].created_at, pair[1].key))
    negative = sorted((pair for pair in scored if pair[0] <= NEGATIVE_THRESHOLD),
                      key=lambda pair: (pair[0], pair[1].created_at, pair[1].key))
    return owned, [_inbound(i) for _, i in positive[:top]], [_inbound(i) for _, i in negative[:top]]


def listed_keys(summary: WeeklySummary) -> list[tuple[str, str]]:
    """(platform, external_id) of every listed item."""
    return [(i.platform, i.external_id)
            for i in (*summary.top_owned_posts, *summary.most_positive, *summary.most_negative)]


def with_details(summary: WeeklySummary, details: dict[tuple[str, str], ItemDetail]) -> WeeklySummary:
    """The summary with each listed item's author handle and link (http(s) only) filled in."""
    def fill(items: list[ListedItem]) -> list[ListedItem]:
        filled = []
        for item in items:
            detail = details.get((item.platform, item.external_id))
            filled.append(replace(item, author=detail.author_handle, url=safe_url(detail.url)) if detail else item)
        return filled

    return replace(summary, top_owned_posts=fill(summary.top_owned_posts),
                   most_positive=fill(summary.most_positive), most_negative=fill(summary.most_negative))
