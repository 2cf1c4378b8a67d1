"""Quota budgets kept in the database: every worker on one credential draws from the same row.

Each call loads the credential's row under `SELECT ... FOR UPDATE`, lets the in-memory
QuotaBudget decide (the same rules `ror run` uses), and writes the result back in the
same transaction, so two workers never hand out the same slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from connectors.base import SourceSettings
from connectors.http import Quota, RetryPolicy
from listener.collect.budget import BudgetState, QuotaBudget, QuotaSnapshot, credential_key
from listener.storage.upsert import table_of, upsert_rows
from listener.storage.worker_models import QuotaBudgetRow

STATE_COLUMNS = ("remaining", "limit", "reset_at", "blocked_until", "next_slot")


class StoredBudget:
    """One credential's budget, read and written in the database around every reservation."""

    def __init__(self, engine: Engine, credential: str) -> None:
        self.engine = engine
        self.credential = credential

    def reserve(self, now: datetime, policy: RetryPolicy) -> float:
        """Seconds to wait before sending (see QuotaBudget.reserve); the slot is taken for every worker."""
        return float(self._apply(lambda budget: budget.reserve(now, policy)))

    def record(self, quota: Quota) -> None:
        """Take in a response's quota headers."""
        if quota.remaining is not None:
            self._apply(lambda budget: budget.record(quota))

    def block(self, until: datetime) -> None:
        """The platform said 429: no worker sends on this credential before `until`."""
        self._apply(lambda budget: budget.block(until))

    def snapshot(self) -> QuotaSnapshot:
        """The budget as stored now."""
        table = table_of(QuotaBudgetRow)
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.credential == self.credential)).first()
        if row is None:
            return QuotaSnapshot(self.credential, None, None, None)
        return QuotaSnapshot(self.credential, row.remaining, row.limit, row.reset_at)

    def _apply(self, change: Callable[[QuotaBudget], Any]) -> Any:
        table = table_of(QuotaBudgetRow)
        with self.engine.begin() as connection:
            upsert_rows(connection, QuotaBudgetRow, [{"credential": self.credential}], ["credential"])
            row = connection.execute(select(table).where(table.c.credential == self.credential)
                                     .with_for_update()).one()
            budget = QuotaBudget(self.credential)
            budget.restore(BudgetState(**{column: getattr(row, column) for column in STATE_COLUMNS}))
            result = change(budget)
            connection.execute(update(table).where(table.c.credential == self.credential)
                               .values(**asdict(budget.state())))
        return result


class StoredBudgetBook:
    """The stored budget of each source's credential (BudgetBook's interface, kept in the database)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def for_source(self, settings: SourceSettings) -> StoredBudget:
        """The budget a source's requests draw from."""
        return StoredBudget(self.engine, credential_key(settings))
