"""The alerts tables: the outbox (alerts and their deliveries) and each detector's saved state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from listener.storage.models import json_column, utc_column


class AlertRow(SQLModel, table=True):
    """An alert, stored before any delivery is tried; one per condition and moment (its natural key)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("profile_id", "condition", "observed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    detector: str
    condition: str
    window_start: datetime | None = utc_column(nullable=True)
    observed_at: datetime = utc_column()
    title: str = Field(sa_column=Column(Text, nullable=False))
    provisional: bool = False
    facts: dict[str, Any] | None = json_column()
    created_at: datetime = utc_column(index=True)


class AlertDeliveryRow(SQLModel, table=True):
    """One alert on one channel: pending, retrying, delivered or expired, with its attempts."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id")
    channel: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    last_attempt_at: datetime | None = utc_column(nullable=True)
    delivered_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AlertStateRow(SQLModel, table=True):
    """A detector's memory for one profile: baselines, streaks, latches (JSON), moved with its alerts."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("profile_id", "detector"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    detector: str
    state: dict[str, Any] | None = json_column()
    updated_at: datetime = utc_column()
