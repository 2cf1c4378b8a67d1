"""Tables of the daemon: what it knows about each source between runs, and about itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from listener.storage.models import utc_column


class SourceHealthRow(SQLModel, table=True):
    """A source's schedule and quota as the daemon last saw them (its sync history is in sync_runs)."""

    __tablename__ = "daemon_source_health"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(unique=True)
    consecutive_failures: int = 0
    next_run_at: datetime | None = utc_column(nullable=True)
    quota_credential: str | None = None
    quota_remaining: float | None = None
    quota_limit: float | None = None
    quota_reset_at: datetime | None = utc_column(nullable=True)
    updated_at: datetime = utc_column()


class DaemonStateRow(SQLModel, table=True):
    """The last `ror run` on this database: when it started, stopped, and where its health endpoint is."""

    __tablename__ = "daemon_state"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="daemon", unique=True)
    pid: int
    hostname: str
    started_at: datetime = utc_column()
    heartbeat_at: datetime = utc_column()
    stopped_at: datetime | None = utc_column(nullable=True)
    health_url: str | None = None


class PipelineStepRow(SQLModel, table=True):
    """How a profile's pipeline step (score, aggregate, alerts, export) last went in the daemon."""

    __tablename__ = "pipeline_steps"
    __table_args__ = (UniqueConstraint("profile", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    profile: str
    step: str
    consecutive_failures: int = 0
    last_ok_at: datetime | None = utc_column(nullable=True)
    last_failed_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = None
