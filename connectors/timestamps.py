"""Platform timestamps: RFC 3339 / ISO 8601 text with a zone in, aware UTC out, and back."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(value: str) -> datetime:
    """`2026-11-17T09:30:00.123Z` or `...+01:00` -> aware UTC; a time without a zone is a ValueError."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without time zone: {value!r}")
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z and whole seconds, as the platforms' time filters take it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
