"""What `ror status` shows of the imports and API sources beyond social: each one's latest run, and the cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from listener.storage.reader import reader_of, utc_time

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


LATEST_IMPORTS = (
    "SELECT profiles.name, import_runs.kind, import_runs.file_name, import_runs.imported_at, import_runs.\"rows\", "
    "import_runs.new, import_runs.quarantined FROM import_runs "
    "JOIN (SELECT max(id) AS id FROM import_runs GROUP BY profile_id, kind, file_name) AS latest "
    "ON latest.id = import_runs.id JOIN profiles ON profiles.id = import_runs.profile_id "
    "ORDER BY profiles.name, import_runs.kind"
)
API_CURSORS = ("SELECT source, stream, cursor, updated_at FROM sync_cursors WHERE "
               + " OR ".join(f"source LIKE :{name}" for name in API_SOURCES) + " ORDER BY source, stream")


def import_statuses(source: Any) -> list[ImportStatus]:
    """Per profile, kind and file or API source: the latest import run (`source`: an engine or a Reader)."""
    return [ImportStatus(profile, kind, name, utc_time(at), rows, new, quarantined)
            for profile, kind, name, at, rows, new, quarantined in reader_of(source).rows(LATEST_IMPORTS)]


def api_cursors(source: Any) -> list[tuple[str, str, str, datetime]]:
    """(source, stream, cursor, moved at) of the API sources beyond social (cursors are times or tokens)."""
    found = reader_of(source).rows(API_CURSORS, {name: f"{name}:%" for name in API_SOURCES})
    return [(name, stream, cursor, utc_time(moved)) for name, stream, cursor, moved in found]
