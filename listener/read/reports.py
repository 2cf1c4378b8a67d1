"""Reading stored index points for display (CLI tables and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any

from listener.config.settings import ProfileConfig
from listener.index.formula import formula_version
from listener.storage.reader import day, flag, json_value, reader_of

PROFILE_ID = "SELECT id FROM profiles WHERE name = :name"
INDEX_POINT_COLUMNS = ("day", "formula_version", "components", "coverage", "used_components", "daily_index",
                       "running_index", "provisional")
LAST_INDEX_POINTS = (
    "SELECT " + ", ".join(f"index_points.{name}" for name in INDEX_POINT_COLUMNS) + " FROM index_points "
    "JOIN profiles ON profiles.id = index_points.profile_id "
    "WHERE profiles.name = :name AND index_points.formula_version = :formula_version "
    "ORDER BY index_points.day DESC LIMIT :days"
)


class NoIndexError(Exception):
    """Nothing stored to show: an unknown profile, day or person."""


def profile_id_of(source: Any, name: str) -> int | None:
    """The id of a stored profile, or None (`source`: an engine, a connection or a Reader)."""
    found = reader_of(source).rows(PROFILE_ID, {"name": name})
    return int(found[0][0]) if found else None


def stored_profile_id(connection: Any, name: str) -> int:
    """The id of a profile that has been stored, or NoIndexError."""
    found = profile_id_of(connection, name)
    if found is None:
        raise NoIndexError(f"profile {name!r} has no index yet: run `ror score` first")
    return found


def load_index_points(source: Any, profile: ProfileConfig, days: int) -> list[dict[str, Any]]:
    """The last `days` points of the profile's current formula series, oldest first (`source`: engine or Reader)."""
    found = reader_of(source).rows(LAST_INDEX_POINTS, {"name": profile.name, "days": days,
                                                       "formula_version": formula_version(profile.index)})
    return [_point_json(dict(zip(INDEX_POINT_COLUMNS, row, strict=True))) for row in reversed(found)]


def _point_json(row: dict[str, Any]) -> dict[str, Any]:
    stored_day: date = day(row["day"])  # type: ignore[assignment]
    return {
        "day": stored_day.isoformat(), "daily_index": row["daily_index"], "running_index": row["running_index"],
        "coverage": row["coverage"], "used_components": json_value(row["used_components"]) or [],
        "provisional": flag(row["provisional"]), "formula_version": row["formula_version"],
        "components": json_value(row["components"]),
    }
