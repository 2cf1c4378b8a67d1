"""Tables of `ror worker`: quota budgets per credential, shared by every worker on one database."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from listener.storage.models import utc_column


class QuotaBudgetRow(SQLModel, table=True):
    """One credential's rate-limit budget as every worker sees it (the row is locked while a slot is reserved)."""

    __tablename__ = "quota_budgets"
    credential: str = Field(primary_key=True)
    remaining: float | None = None
    limit: float | None = None
    reset_at: datetime | None = utc_column(nullable=True)
    blocked_until: datetime | None = utc_column(nullable=True)
    next_slot: datetime | None = utc_column(nullable=True)
