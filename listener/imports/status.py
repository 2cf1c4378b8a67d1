"""What `ror status` shows of the imports and API sources beyond social: each one's latest run, and the cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, or_, select

from listener.storage.read_tables import IMPORT_RUNS, PROFILES, SYNC_CURSORS

API_SOURCES = ("typeform", "hubspot", "mailchimp", "plausible", "matomo", "ga4")


@dataclass(frozen=True)
class ImportStatus:
    """The latest run of one import (a file of a kind, or an API source's stream) for a profile."""

    profile: str
    kind: str
    source: str
    last_run_at: datetime
    rows: int
    new: int
    quarantined: int


def import_statuses(engine: Engine) -> list[ImportStatus]:
    """Per profile, kind and file or API source: the latest import run."""
    runs, profiles = IMPORT_RUNS, PROFILES
    latest = (select(func.max(runs.c.id).label("id")).group_by(runs.c.profile_id, runs.c.kind, runs.c.file_name)
              .subquery())
    with engine.connect() as connection:
        rows = connection.execute(
            select(profiles.c.name, runs.c.kind, runs.c.file_name, runs.c.imported_at, runs.c.rows, runs.c.new,
                   runs.c.quarantined).join(latest, latest.c.id == runs.c.id)
            .join(profiles, profiles.c.id == runs.c.profile_id).order_by(profiles.c.name, runs.c.kind))
        return [ImportStatus(*row) for row in rows]


def api_cursors(engine: Engine) -> list[tuple[str, str, str, datetime]]:
    """(source, stream, cursor, moved at) of the API sources beyond social (cursors are times or tokens)."""
    cursors = SYNC_CURSORS
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(cursors.c.source, cursors.c.stream, cursors.c.cursor, cursors.c.updated_at)
            .where(or_(*(cursors.c.source.like(f"{name}:%") for name in API_SOURCES)))
            .order_by(cursors.c.source, cursors.c.stream))]
