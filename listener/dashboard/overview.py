"""The overview's figures: component scores with their change from a week before, inbound volume by sentiment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select

from listener.read.reports import stored_profile_id
from listener.storage.index_models import IndexDayRow
from listener.storage.upsert import table_of
from scoring.relationship_index import index_components


def component_changes(points: Sequence[dict[str, Any]], weights: dict[str, float]) -> list[dict[str, Any]]:
    """Each component's score on the latest day and its change from the same weekday a week before."""
    if not points:
        return []
    latest = points[-1]
    week_before = (date.fromisoformat(latest["day"]) - timedelta(days=7)).isoformat()
    earlier = next((p for p in points if p["day"] == week_before), None)
    rows = []
    for name in index_components(weights):
        score = (latest["components"].get(name) or {}).get("score")
        before = ((earlier or {}).get("components", {}).get(name) or {}).get("score")
        rows.append({"name": name, "weight": weights.get(name, 0.0), "score": score, "week_before": before,
                     "change": score - before if score is not None and before is not None else None})
    return rows


def inbound_volumes(engine: Engine, profile_name: str, first: date, last: date) -> list[dict[str, Any]]:
    """Per local day from `first` to `last`: inbound items that were positive, neutral, negative (index facts)."""
    days = table_of(IndexDayRow)
    with engine.connect() as connection:
        profile_id = stored_profile_id(connection, profile_name)
        rows = connection.execute(
            select(days.c.day, days.c.inbound, days.c.positive, days.c.neutral, days.c.negative)
            .where(days.c.profile_id == profile_id, days.c.day >= first, days.c.day <= last)
            .order_by(days.c.day)).mappings().all()
    return [dict(r) for r in rows]
