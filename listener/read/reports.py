"""Reading stored index points for display (CLI tables and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from listener.config.settings import ProfileConfig
from listener.index.formula import formula_version
from listener.storage.read_tables import INDEX_POINTS, PROFILES


class NoIndexError(Exception):
    """Nothing stored to show: an unknown profile, day or person."""


def stored_profile_id(connection: Connection, name: str) -> int:
    """The id of a profile that has been stored, or NoIndexError."""
    profiles = PROFILES
    found = connection.execute(select(profiles.c.id).where(profiles.c.name == name)).scalar_one_or_none()
    if found is None:
        raise NoIndexError(f"profile {name!r} has no index yet: run `ror score` first")
    return int(found)


def load_index_points(engine: Engine, profile: ProfileConfig, days: int) -> list[dict[str, Any]]:
    """The last `days` points of the profile's current formula series, oldest first."""
    points, profiles = INDEX_POINTS, PROFILES
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
        "coverage": row["coverage"], "used_components": row["used_components"] or [],
        "provisional": row["provisional"], "formula_version": row["formula_version"],
        "components": row["components"],
    }
