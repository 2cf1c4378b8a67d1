"""Tables for relationships beyond social: people and their linked identities, surveys, customers, orders,
tickets, import runs, quarantined import rows and the erasure log. Personal ids are stored as keyed hashes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from listener.storage.models import json_column, utc_column


class PersonRow(SQLModel, table=True):
    """One person of a profile, known by the identities linked to it."""

    __tablename__ = "persons"
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id", index=True)
    created_at: datetime = utc_column()


class PersonIdentityRow(SQLModel, table=True):
    """An identity of a person: kind email/customer (value = keyed hash) or social (platform + public handle)."""

    __tablename__ = "person_identities"
    __table_args__ = (UniqueConstraint("profile_id", "kind", "platform", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    person_id: int = Field(foreign_key="persons.id", index=True)
    kind: str
    platform: str = ""
    value: str
    source: str


class SurveyResponseRow(SQLModel, table=True):
    """An NPS survey answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("profile_id", "response_id"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    response_id: str
    person_id: int | None = Field(default=None, foreign_key="persons.id", index=True)
    score: int
    submitted_at: datetime = utc_column()
    comment: str | None = None


class CustomerRow(SQLModel, table=True):
    """A CRM customer: hashed id, signup, and the hashed id of who referred them."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("profile_id", "customer_key"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    customer_key: str
    person_id: int | None = Field(default=None, foreign_key="persons.id", index=True)
    created_at: datetime | None = utc_column(nullable=True)
    referred_by_key: str | None = None


class OrderRow(SQLModel, table=True):
    """An order: hashed order and customer ids, when, how much."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("profile_id", "order_key"), Index("ix_orders_person", "person_id"))
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    order_key: str
    customer_key: str
    person_id: int | None = Field(default=None, foreign_key="persons.id")
    ordered_at: datetime = utc_column()
    amount: float | None = None


class TicketRow(SQLModel, table=True):
    """A resolved help-desk ticket: help given to a person."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("profile_id", "ticket_key"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    ticket_key: str
    person_id: int | None = Field(default=None, foreign_key="persons.id", index=True)
    resolved_at: datetime = utc_column()


class ImportRunRow(SQLModel, table=True):
    """One `ror import`: what came in and what was counted out."""

    __tablename__ = "import_runs"
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    kind: str
    file_name: str
    imported_at: datetime = utc_column()
    rows: int = 0
    new: int = 0
    known: int = 0
    duplicates: int = 0
    quarantined: int = 0


class ImportQuarantineRow(SQLModel, table=True):
    """An import row that could not be read, kept with its error; personal cells are hashed."""

    __tablename__ = "import_quarantine"
    __table_args__ = (UniqueConstraint("profile_id", "kind", "digest"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    kind: str
    file_name: str
    line: int
    digest: str
    error: str
    cells: Any = json_column()
    first_seen_at: datetime = utc_column()


class ErasureRow(SQLModel, table=True):
    """The log of `ror forget`: when, and how many rows of each kind were erased; never who."""

    __tablename__ = "erasures"
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    erased_at: datetime = utc_column()
    counts: dict[str, Any] | None = json_column()


class EmailCampaignRow(SQLModel, table=True):
    """One sent e-mail campaign's report: recipients, unique opens and clicks (counts only, no member data)."""

    __tablename__ = "email_campaigns"
    __table_args__ = (UniqueConstraint("profile_id", "source", "campaign_id"),
                      Index("ix_email_campaigns_sent", "profile_id", "sent_at"))
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    source: str
    campaign_id: str
    sent_at: datetime = utc_column()
    recipients: int
    opens: int
    clicks: int
    unsubscribes: int = 0
    fetched_at: datetime = utc_column()


class WebDayRow(SQLModel, table=True):
    """One day of a website's analytics: visits, bounce rate, visit duration, goal conversions (aggregates only)."""

    __tablename__ = "web_days"
    __table_args__ = (UniqueConstraint("profile_id", "source", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profiles.id")
    source: str
    day: date
    visits: int
    visitors: int | None = None
    pageviews: int | None = None
    bounce_rate: float | None = None
    visit_duration_seconds: float | None = None
    conversions: int | None = None
    fetched_at: datetime = utc_column()
