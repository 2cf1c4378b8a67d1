"""What `ror status` reports per source, read from the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from listener.config import Config
from listener.storage.models import ItemProfileRow, QuarantineRow, SyncCursorRow, SyncRunRow
from listener.storage.upsert import table_of

STATE_BY_RUN = {"ok": "healthy", "partial": "degraded", "deferred": "degraded", "failed": "down",
                "running": "running"}


@dataclass
class SourceStatus:
    """Health of one source."""

    source: str
    profile: str
    platform: str
    enabled: bool
    state: str = "never run"
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    items: int = 0
    quarantined: int = 0
    cursors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with ISO timestamps."""
        data = asdict(self)
        for key in ("last_run_at", "last_success_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def source_statuses(engine: Engine, config: Config) -> list[SourceStatus]:
    """One status per configured source, in config order."""
    runs, links, cursors, quarantine = (table_of(m) for m in (SyncRunRow, ItemProfileRow, SyncCursorRow, QuarantineRow))
    statuses = []
    with engine.connect() as connection:
        for profile, source in config.sources():
            status = SourceStatus(source.name, profile.name, source.platform, source.enabled)
            last = connection.execute(
                select(runs).where(runs.c.source == source.name).order_by(runs.c.id.desc()).limit(1)
            ).first()
            if last is not None:
                status.state = STATE_BY_RUN.get(last.status, last.status)
                status.last_run_at = last.ended_at or last.started_at
                status.last_error = last.error
            status.last_success_at = connection.execute(
                select(func.max(runs.c.ended_at)).where(runs.c.source == source.name, runs.c.status == "ok")
            ).scalar_one_or_none()
            status.items = connection.execute(
                select(func.count()).select_from(links).where(links.c.source == source.name)
            ).scalar_one()
            status.quarantined = connection.execute(
                select(func.count()).select_from(quarantine).where(quarantine.c.source == source.name)
            ).scalar_one()
            status.cursors = dict(connection.execute(
                select(cursors.c.stream, cursors.c.cursor).where(cursors.c.source == source.name)
            ).all())
            statuses.append(status)
    return statuses
