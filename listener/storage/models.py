"""The tables. Natural keys are unique constraints; every write is an upsert on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from listener.storage.types import UTCDateTime, as_utc  # noqa: F401 - as_utc is imported from here too


def utc_column(nullable: bool = False, index: bool = False) -> Any:
    """A UTCDateTime column for a SQLModel field."""
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")


def json_column() -> Any:
    """A JSON column: TEXT on SQLite, JSONB on PostgreSQL (JSONB has equality, needed by upserts)."""
    return Field(default=None, sa_column=Column(JSON_DOCUMENT, nullable=True))


class ProfileRow(SQLModel, table=True):
    """A brand being listened to."""

    __tablename__ = "profiles"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    timezone: str = "UTC"


class AccountRow(SQLModel, table=True):
    """A profile's own account on a platform (owned items are authored by these)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("profile_id", "platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    external_id: str
    handle: str
    source: str


class AuthorRow(SQLModel, table=True):
    """A person or account on a platform, latest known state."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    external_id: str
    handle: str
    display_name: str | None = None
    url: str | None = None
    followers: int | None = None
    following: int | None = None
    updated_at: datetime = utc_column()


class FollowerCountRow(SQLModel, table=True):
    """An author's follower count, last observation of each UTC day."""

    __tablename__ = "follower_counts"
    __table_args__ = (UniqueConstraint("platform", "author_external_id", "observed_on"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    author_external_id: str
    observed_on: date
    observed_at: datetime = utc_column()
    followers: int


class ItemRow(SQLModel, table=True):
    """Anything collected: post, reply, comment, share, quote, review, mention."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index("ix_items_parent", "platform", "parent_external_id"),
        # (platform, author_external_id) lookups use ix_items_author_created (dashboard_models.py)
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    external_id: str
    kind: str
    author_external_id: str | None = None
    parent_external_id: str | None = None
    root_external_id: str | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    language: str | None = None
    url: str | None = None
    rating: float | None = None
    rating_scale: float | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    created_at: datetime = utc_column(index=True)
    fetched_at: datetime = utc_column()
    raw: dict[str, Any] | None = json_column()


class ItemProfileRow(SQLModel, table=True):
    """Which profile an item concerns, as owned or inbound, and which source found it."""

    __tablename__ = "item_profiles"
    __table_args__ = (
        UniqueConstraint("profile_id", "platform", "external_id"),
        Index("ix_item_profiles_created", "profile_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    external_id: str
    role: str
    source: str
    created_at: datetime = utc_column()


class CounterSnapshotRow(SQLModel, table=True):
    """An item's counters when they were seen to change (engagement over time)."""

    __tablename__ = "counter_snapshots"
    __table_args__ = (UniqueConstraint("platform", "external_id", "observed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    external_id: str
    observed_at: datetime = utc_column()
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None


class EngagementEventRow(SQLModel, table=True):
    """Who liked or shared an item, where the platform says; when, if it says."""

    __tablename__ = "engagement_events"
    __table_args__ = (UniqueConstraint("platform", "item_external_id", "actor_external_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    item_external_id: str
    actor_external_id: str
    kind: str
    occurred_at: datetime | None = utc_column(nullable=True)
    first_seen_at: datetime = utc_column()


class SentimentRow(SQLModel, table=True):
    """One item's sentiment under one scorer version."""

    __tablename__ = "sentiment_scores"
    __table_args__ = (UniqueConstraint("platform", "external_id", "scorer_version"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    external_id: str
    scorer_version: str = Field(index=True)  # the scorer's floor counts one version's scores (score.py)
    status: str
    compound: float | None = None
    pos: float | None = None
    neu: float | None = None
    neg: float | None = None
    language: str | None = None
    language_source: str
    scored_at: datetime = utc_column()
    backend: str | None = None  # 'name-version' of the backend, or 'correction'
    scorer: str | None = None  # the profile scorer's identity (backends, default language, calibration)


class SentimentCorrectionRow(SQLModel, table=True):
    """A person's verdict on one item's sentiment; it replaces the scorer's everywhere."""

    __tablename__ = "sentiment_corrections"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str
    external_id: str
    label: str
    scored_compound: float | None = None  # what the scorer said when the correction was made
    scored_backend: str | None = None
    corrected_by: str
    corrected_at: datetime = utc_column()


class SentimentCalibrationRow(SQLModel, table=True):
    """A profile's applied calibration: weighted terms learned from its corrections."""

    __tablename__ = "sentiment_calibrations"
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id", unique=True)
    terms: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON_DOCUMENT))
    trained_on: int = 0
    applied_at: datetime = utc_column()


class SyncCursorRow(SQLModel, table=True):
    """How far a stream of a source has safely got."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("source", "stream"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str
    stream: str
    cursor: str
    updated_at: datetime = utc_column()


class SyncRunRow(SQLModel, table=True):
    """One sync of one source: when, how it ended, what it collected."""

    __tablename__ = "sync_runs"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    started_at: datetime = utc_column()
    ended_at: datetime | None = utc_column(nullable=True)
    status: str = "running"
    error: str | None = None
    pages: int = 0
    items: int = 0
    events: int = 0
    quarantined: int = 0
    skipped: int = 0
    unexpanded: int = 0
    streams: dict[str, Any] | None = json_column()  # per stream: pages, items, quarantined, skipped by rule, ...
    owner: str | None = None  # "host:pid" of the process running it, to close the run of a killed one


class QuarantineRow(SQLModel, table=True):
    """A record that failed to parse, kept with its error for re-parsing later."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("source", "stream", "digest"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str
    stream: str
    digest: str
    external_id: str | None = None
    error: str
    payload: Any = json_column()
    first_seen_at: datetime = utc_column()
    retried_at: datetime | None = utc_column(nullable=True)
    resolved_at: datetime | None = utc_column(nullable=True)  # re-parsed and stored (the row is kept)


class IndexPointRow(SQLModel, table=True):
    """A profile's index on one local day, with its components and their inputs."""

    __tablename__ = "index_points"
    __table_args__ = (UniqueConstraint("profile_id", "day", "formula_version"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    day: date
    formula_version: str
    parameters: dict[str, Any] | None = json_column()
    components: dict[str, Any] | None = json_column()
    coverage: float = 0.0
    used_components: list[str] | None = json_column()
    daily_index: float | None = None
    running_index: float | None = None
    provisional: bool = False
    computed_at: datetime = utc_column()
