"""The index's own tables: per-day facts, per-item and per-person derived rows, and update state.

Raw rows (items, snapshots, events, scores) are turned into small derived rows once; a day's
facts are sums over those rows, and the formula turns the facts into index points. An update
rewrites only the derived rows of what changed, so its cost follows the new data, not history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from listener.storage.models import EngagementEventRow, json_column, utc_column
from listener.storage.upsert import table_of

# Person lookups ("everything this actor did") need the actor in an index; declared here so
# the table's metadata and migration 0003 agree.
EVENTS_BY_ACTOR = Index(
    "ix_engagement_events_actor",
    table_of(EngagementEventRow).c.platform,
    table_of(EngagementEventRow).c.actor_external_id,
)


class IndexStateRow(SQLModel, table=True):
    """How far a profile's derived rows have been brought: watermarks and the facts' parameters."""

    __tablename__ = "index_state"
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id", unique=True)
    facts_digest: str
    watermarks: dict[str, Any] | None = json_column()
    last_run_at: datetime = utc_column()


class LocalDayBoundsRow(SQLModel, table=True):
    """One local day of a profile's time zone as the UTC span [starts_at, ends_at): how SQL finds a moment's day."""

    __tablename__ = "local_day_bounds"
    __table_args__ = (UniqueConstraint("profile_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    day: date
    starts_at: datetime = utc_column()
    ends_at: datetime = utc_column()


class IndexDayRow(SQLModel, table=True):
    """One profile's facts on one local day: the counts every component is computed from."""

    __tablename__ = "index_days"
    __table_args__ = (UniqueConstraint("profile_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    day: date
    inbound: int = 0
    owned: int = 0
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    scored: int = 0
    compound_sum: float = 0.0
    unsupported: dict[str, Any] | None = json_column()
    positive_mentions: int = 0
    likes: float = 0.0
    shares: float = 0.0
    replies: float = 0.0
    quotes: float = 0.0
    posts: int = 0
    posts_48h: int = 0
    post_engagement_48h: float | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    stars_sum: float = 0.0
    answered_in_time: int = 0
    answered_late: int = 0
    unanswered: int = 0
    reply_seconds_median: float | None = None
    engagers: int = 0
    returning_engagers: int = 0
    new_engagers: int = 0
    helped_delta: int = 0
    returned_delta: int = 0


class EngagementDayRow(SQLModel, table=True):
    """Engagement one owned item gained on one local day (fractions: growth is spread over time)."""

    __tablename__ = "engagement_days"
    __table_args__ = (
        UniqueConstraint("profile_id", "platform", "external_id", "day"),
        Index("ix_engagement_days_day", "profile_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    external_id: str
    day: date
    likes: float = 0.0
    shares: float = 0.0
    replies: float = 0.0
    quotes: float = 0.0


class OwnedPostRow(SQLModel, table=True):
    """An owned post's engagement so far and at 48 hours of age (per-post rate)."""

    __tablename__ = "owned_posts"
    __table_args__ = (
        UniqueConstraint("profile_id", "platform", "external_id"),
        Index("ix_owned_posts_day", "profile_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    external_id: str
    day: date
    engagement: float = 0.0
    engagement_48h: float | None = None


class ResponseRow(SQLModel, table=True):
    """An inbound item that asks for an answer: why, its SLA deadline, and the brand's first reply."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("profile_id", "platform", "external_id"),
        Index("ix_responses_deadline_day", "profile_id", "deadline_day"),
        Index("ix_responses_deadline", "profile_id", "deadline_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    external_id: str
    author_external_id: str | None = None
    reason: str
    created_at: datetime = utc_column()
    deadline_at: datetime = utc_column()
    deadline_day: date
    first_reply_at: datetime | None = utc_column(nullable=True)
    first_reply_external_id: str | None = None
    reply_seconds: float | None = None


class EngagerRow(SQLModel, table=True):
    """The relationship ledger: one person's history with one profile, summed up."""

    __tablename__ = "engagers"
    __table_args__ = (UniqueConstraint("profile_id", "platform", "author_external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    author_external_id: str
    first_seen_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()
    active_days: int = 0
    interactions: int = 0
    items: int = 0
    likes: int = 0
    shares: int = 0
    mentions: int = 0
    replies_received: int = 0
    reply_seconds_median: float | None = None
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    mean_compound: float | None = None
    is_returning: bool = False
    helped_at: datetime | None = utc_column(nullable=True)
    returned_at: datetime | None = utc_column(nullable=True)


class EngagerDayRow(SQLModel, table=True):
    """A person active on a local day: what they did, its sentiment, and whether they came back."""

    __tablename__ = "engager_days"
    __table_args__ = (
        UniqueConstraint("profile_id", "platform", "author_external_id", "day"),
        Index("ix_engager_days_day", "profile_id", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    author_external_id: str
    day: date
    interactions: int = 0
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    compound_sum: float = 0.0
    is_returning: bool = False
    is_first: bool = False


class ReturnSpanRow(SQLModel, table=True):
    """Days on which a person counts as helped (replied to) or as having returned, for the return rate."""

    __tablename__ = "return_spans"
    __table_args__ = (
        UniqueConstraint("profile_id", "platform", "author_external_id", "kind", "start_day"),
        Index("ix_return_spans_start", "profile_id", "kind", "start_day"),
        Index("ix_return_spans_end", "profile_id", "kind", "end_day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    author_external_id: str
    kind: str
    start_day: date
    end_day: date


class EngagerStateRow(SQLModel, table=True):
    """A person's ledger state: exact compound sums, reply times, open replies (scoring.ledger_fold)."""

    __tablename__ = "engager_states"
    __table_args__ = (UniqueConstraint("profile_id", "platform", "author_external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    author_external_id: str
    state: dict[str, Any] | None = json_column()
