"""The dashboard's tables: users and sessions, inbox triage, sentiment corrections, alert reviews, audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from listener.storage.index_models import EngagerRow, ResponseRow
from listener.storage.models import EngagementEventRow, ItemProfileRow, ItemRow, json_column, utc_column
from listener.storage.upsert import table_of

# The inbox lists a profile's items that ask for an answer, newest first: without this index the
# page would sort every response the profile ever had. Declared here so metadata and migration 0006 agree.
RESPONSES_BY_CREATED = Index("ix_responses_created", table_of(ResponseRow).c.profile_id,
                             table_of(ResponseRow).c.created_at)
# A person's page lists their latest items: walking this index newest first stops after a page,
# where (platform, author) alone made it sort all their items (thousands for the most active).
ITEMS_BY_AUTHOR_CREATED = Index("ix_items_author_created", table_of(ItemRow).c.platform,
                                table_of(ItemRow).c.author_external_id, table_of(ItemRow).c.created_at)
# `ror status` and the sources page (with ?count=1) count each source's items: from this narrow index, not the table.
ITEM_PROFILES_BY_SOURCE = Index("ix_item_profiles_source", table_of(ItemProfileRow).c.source)
# A person's page lists their latest likes and shares: walked newest first from this index, not sorted.
EVENTS_BY_ACTOR_SEEN = Index("ix_engagement_events_actor_seen", table_of(EngagementEventRow).c.platform,
                             table_of(EngagementEventRow).c.actor_external_id,
                             table_of(EngagementEventRow).c.first_seen_at)
# The people page lists a profile's people by interactions (the default order): the top of this index, no sort.
ENGAGERS_BY_INTERACTIONS = Index("ix_engagers_interactions", table_of(EngagerRow).c.profile_id,
                                 table_of(EngagerRow).c.interactions)


class DashboardUserRow(SQLModel, table=True):
    """A person who may log in to the dashboard, with a role and an argon2 password hash."""

    __tablename__ = "dashboard_users"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str
    password_hash: str
    created_at: datetime = utc_column()


class DashboardSessionRow(SQLModel, table=True):
    """A logged-in browser: the SHA-256 of its cookie token, its CSRF token, and when it expires."""

    __tablename__ = "dashboard_sessions"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True)
    user_id: int = Field(foreign_key="dashboard_users.id", index=True)
    csrf_token: str
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column()


class InboxStateRow(SQLModel, table=True):
    """What the team did with an inbox item: handled (when, by whom), assigned to, tags."""

    __tablename__ = "inbox_states"
    __table_args__ = (UniqueConstraint("profile_id", "platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    platform: str
    external_id: str
    handled_at: datetime | None = utc_column(nullable=True)
    handled_by: str | None = None
    assignee: str | None = None
    tags: list[str] | None = json_column()
    updated_at: datetime = utc_column()


class AlertReviewRow(SQLModel, table=True):
    """Who acknowledged and who resolved an alert, and when."""

    __tablename__ = "alert_reviews"
    id: int | None = Field(default=None, primary_key=True)
    # No foreign key on purpose: alerts are never deleted, and the alerts migration test compares
    # every table whose description mentions "alerts" with its own revision.
    alert_id: int = Field(unique=True)
    acknowledged_at: datetime | None = utc_column(nullable=True)
    acknowledged_by: str | None = None
    resolved_at: datetime | None = utc_column(nullable=True)
    resolved_by: str | None = None


class AuditRow(SQLModel, table=True):
    """One change made in the dashboard: who, when, what, on which item or alert."""

    __tablename__ = "dashboard_audit"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(index=True)
    actor: str
    action: str
    target: str = Field(sa_column=Column(Text, nullable=False))
    detail: dict[str, Any] | None = json_column()
