"""Reading stored index points for display (CLI tables and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from listener.aggregate import formula_version
from listener.config import ProfileConfig
from listener.storage.models import IndexPointRow, ProfileRow
from listener.storage.upsert import table_of


def load_index_points(engine: Engine, profile: ProfileConfig, days: int) -> list[dict[str, Any]]:
    """The last `days` points of the profile's current formula series, oldest first."""
    points, profiles = table_of(IndexPointRow), table_of(ProfileRow)
    with engine.connect() as connection:
        rows = connection.execute(
            select(points).join(profiles, profiles.c.id == points.c.profile_id)
            .where(profiles.c.name == profile.name, points.c.formula_version == formula_version(profile.index))
            .order_by(points.c.day.desc()).limit(days)
        ).mappings().all()
    return [_point_json(dict(r)) for r in reversed(rows)]


def _point_json(row: dict[str, Any]) -> dict[str, Any]:
    day: date = row["day"]
    return {
        "day": day.isoformat(), "daily_index": row["daily_index"], "running_index": row["running_index"],
        "coverage": row["coverage"], "provisional": row["provisional"],
        "formula_version": row["formula_version"], "components": row["components"],
    }
