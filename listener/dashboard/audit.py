"""The audit trail: every change made in the dashboard, with who made it and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from listener.storage.dashboard_models import AuditRow
from listener.storage.upsert import table_of


def record_change(connection: Connection, actor: str, action: str, target: str, detail: dict[str, Any],
                  now: datetime) -> None:
    """Append one audit entry (in the caller's transaction, with the change it describes)."""
    connection.execute(table_of(AuditRow).insert().values(at=now, actor=actor, action=action, target=target,
                                                          detail=detail))


def recent_changes(engine: Engine, limit: int = 50, target: str | None = None) -> list[dict[str, Any]]:
    """The latest audit entries, newest first (of one target, if given)."""
    audit = table_of(AuditRow)
    query = select(audit).order_by(audit.c.at.desc(), audit.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query.where(audit.c.target == target) if target else query).mappings().all()
    return [dict(r) for r in rows]
