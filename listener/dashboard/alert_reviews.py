"""Acknowledging and resolving alerts from the dashboard (the alerts themselves come from listener.alerts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from listener.dashboard.audit import record_change
from listener.storage.alert_models import AlertRow
from listener.storage.dashboard_models import AlertReviewRow
from listener.storage.upsert import table_of, upsert_rows

REVIEW_FIELDS = ("acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by")


def reviews_of(engine: Engine, alert_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Alert id -> its review (acknowledged / resolved, by whom, when)."""
    reviews = table_of(AlertReviewRow)
    with engine.connect() as connection:
        rows = connection.execute(select(reviews).where(reviews.c.alert_id.in_(list(alert_ids)))).mappings()
        return {r["alert_id"]: dict(r) for r in rows}


def review_alert(engine: Engine, alert_id: int, action: str, actor: str, now: datetime) -> None:
    """Acknowledge or resolve an alert (resolving also acknowledges it); audited. LookupError if unknown."""
    if action not in ("acknowledge", "resolve"):
        raise ValueError(f"unknown alert action {action!r}")
    alerts, reviews = table_of(AlertRow), table_of(AlertReviewRow)
    with engine.begin() as connection:
        if connection.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
            raise LookupError(f"no alert {alert_id}")
        current = connection.execute(select(reviews).where(reviews.c.alert_id == alert_id)).mappings().first()
        found: dict[str, Any] = dict(current) if current else {}
        row: dict[str, Any] = {k: found.get(k) for k in REVIEW_FIELDS}
        if row["acknowledged_at"] is None:
            row.update(acknowledged_at=now, acknowledged_by=actor)
        if action == "resolve":
            row.update(resolved_at=now, resolved_by=actor)
        upsert_rows(connection, AlertReviewRow, [{**row, "alert_id": alert_id}], ["alert_id"], REVIEW_FIELDS)
        record_change(connection, actor, f"alert_{action}d", f"alert:{alert_id}", {}, now)
