"""The weekly figures' stable names, labels and display formats, shared by every format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from listener.exports.model import PlatformFigures

NOT_AVAILABLE = "n/a"


@dataclass(frozen=True)
class Figure:
    """One per-platform figure: its CSV column (stable), its label for people, how to read and show it."""

    column: str
    label: str
    group: str
    read: Callable[[PlatformFigures], int | float | None]
    style: str = "count"


FIGURES: tuple[Figure, ...] = (
    Figure("owned_posts", "Owned posts", "Activity", lambda p: p.owned_posts),
    Figure("owned_replies", "Replies by the brand", "Activity", lambda p: p.owned_replies),
    Figure("inbound_items", "Inbound items", "Activity", lambda p: p.inbound_items),
    Figure("likes", "Likes gained", "Engagement", lambda p: p.engagement.likes),
    Figure("shares", "Shares gained", "Engagement", lambda p: p.engagement.shares),
    Figure("replies", "Replies gained", "Engagement", lambda p: p.engagement.replies),
    Figure("quotes", "Quotes gained", "Engagement", lambda p: p.engagement.quotes),
    Figure("engagement", "Engagement (sum)", "Engagement", lambda p: p.engagement.total),
    Figure("followers", "Followers (end of week)", "Engagement", lambda p: p.engagement.followers),
    Figure("engagement_rate", "Engagement rate", "Engagement", lambda p: p.engagement.rate, "percent2"),
    Figure("positive", "Positive inbound", "Sentiment", lambda p: p.sentiment.positive),
    Figure("negative", "Negative inbound", "Sentiment", lambda p: p.sentiment.negative),
    Figure("neutral", "Neutral inbound", "Sentiment", lambda p: p.sentiment.neutral),
    Figure("unsupported_language", "Not scored (language)", "Sentiment", lambda p: p.sentiment.unsupported_language),
    Figure("net_sentiment", "Net sentiment", "Sentiment", lambda p: p.sentiment.net, "signed2"),
    Figure("net_sentiment_previous_week", "Net sentiment, week before", "Sentiment",
           lambda p: p.sentiment.net_previous_week, "signed2"),
    Figure("net_sentiment_change", "Net sentiment change", "Sentiment", lambda p: p.sentiment.net_change, "signed2"),
    Figure("engagers", "Engagers", "Engagers", lambda p: p.engagers.total),
    Figure("new_engagers", "New engagers", "Engagers", lambda p: p.engagers.new),
    Figure("returning_engagers", "Returning engagers", "Engagers", lambda p: p.engagers.returning),
    Figure("needs_answer", "Needed an answer", "Responsiveness", lambda p: p.responses.needs_answer),
    Figure("answered_within_sla", "Answered within SLA", "Responsiveness", lambda p: p.responses.answered_within_sla),
    Figure("answered_late", "Answered late", "Responsiveness", lambda p: p.responses.answered_late),
    Figure("unanswered", "Unanswered", "Responsiveness", lambda p: p.responses.unanswered),
    Figure("pending_answer", "Still inside SLA", "Responsiveness", lambda p: p.responses.pending),
    Figure("response_rate", "Response rate", "Responsiveness", lambda p: p.responses.rate, "percent0"),
    Figure("median_response_minutes", "Median time to first reply", "Responsiveness",
           lambda p: p.responses.median_minutes, "minutes"),
    Figure("reviews", "Reviews", "Reviews", lambda p: p.reviews.count),
    Figure("average_stars", "Average stars", "Reviews", lambda p: p.reviews.average_stars, "stars"),
    Figure("nps", "Review NPS", "Reviews", lambda p: p.reviews.nps, "nps"),
)

COMPONENT_LABELS = {
    "sentiment": "Sentiment", "engagement": "Engagement", "advocacy": "Advocacy", "loyalty": "Loyalty",
    "responsiveness": "Responsiveness", "nps": "Review NPS", "return_rate": "Relationship return",
    "survey_nps": "Survey NPS", "retention": "Customer retention", "email_engagement": "E-mail engagement",
    "web_engagement": "Website engagement",
}


# How the change of a figure from one week to the next is shown, by the figure's own style.
CHANGE_STYLES = {"count": "signed_count", "percent2": "points2", "percent0": "points0", "signed2": "signed2",
                 "stars": "signed2", "nps": "nps", "minutes": "signed_minutes"}


def change_of(figure: Figure, now: PlatformFigures, before: PlatformFigures | None) -> int | float | None:
    """The figure this week minus the week before (None when either is not available)."""
    if before is None:
        return None
    value, earlier = figure.read(now), figure.read(before)
    if value is None or earlier is None:
        return None
    return value - earlier if isinstance(value, int) and isinstance(earlier, int) else round(value - earlier, 4)


def component_label(name: str) -> str:
    """A component's name for people (unknown ones are title-cased)."""
    return COMPONENT_LABELS.get(name, name.replace("_", " ").capitalize())


def show(value: int | float | None, style: str = "count") -> str:
    """A figure for people: percentages, signs, stars, durations; `n/a` when not available."""
    if value is None:
        return NOT_AVAILABLE
    shown = {
        "count": lambda v: f"{v:,}" if isinstance(v, int) else f"{v:,.1f}",
        "percent2": lambda v: f"{100 * v:.2f}%",
        "percent0": lambda v: f"{100 * v:.0f}%",
        "signed2": lambda v: f"{v:+.2f}",
        "signed1": lambda v: f"{v:+.1f}",
        "signed_count": lambda v: f"{v:+,}" if isinstance(v, int) else f"{v:+,.1f}",
        "points2": lambda v: f"{100 * v:+.2f} pp",
        "points0": lambda v: f"{100 * v:+.0f} pp",
        "signed_minutes": lambda v: ("+" if v >= 0 else "-") + _duration(abs(v)),
        "score": lambda v: f"{v:.1f}",
        "stars": lambda v: f"{v:.2f} ★",
        "nps": lambda v: f"{v:+.0f}",
        "minutes": _duration,
        "compound": lambda v: f"{v:+.3f}",
    }[style]
    return shown(value)


def _duration(minutes: float) -> str:
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours, rest = divmod(round(minutes), 60)
    return f"{hours} h {rest:02d} min" if hours < 48 else f"{hours / 24:.1f} days"


def local_time(moment: datetime, zone: tzinfo) -> str:
    """`2026-11-17 14:05` in the profile's zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
