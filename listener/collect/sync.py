"""The sync engine: pages -> upsert -> cursor, one transaction per page; one source never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, update

from connectors.base import Connector, Page, SourceSettings, Stream, SyncContext
from connectors.clock import Clock, utc_now
from connectors.errors import ConnectorError, WaitTooLongError
from listener.storage.models import SyncRunRow
from listener.storage.store import (
    ensure_profile,
    load_cursor,
    recent_owned_ids,
    save_page,
)
from listener.storage.upsert import table_of

log = logging.getLogger(__name__)
PageCallback = Callable[[str, Page], None]


@dataclass
class SyncResult:
    """How one source's sync ended and what it stored."""

    source: str
    status: str = "ok"  # ok | partial | failed | deferred
    pages: int = 0
    items: int = 0
    events: int = 0
    quarantined: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """All stream errors in one line, or None."""
        return "; ".join(self.errors) or None


def _start_run(engine: Engine, source: str, now: datetime) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            table_of(SyncRunRow).insert().values(source=source, started_at=now, status="running")
        )
        return int(result.inserted_primary_key[0])


def _finish_run(engine: Engine, run_id: int, result: SyncResult, now: datetime) -> None:
    table = table_of(SyncRunRow)
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == run_id).values(
            ended_at=now, status=result.status, error=result.error, pages=result.pages,
            items=result.items, events=result.events, quarantined=result.quarantined,
        ))


def _context(engine: Engine, profile_id: int, source: SourceSettings, stream: Stream, now: datetime) -> SyncContext:
    refresh_days = getattr(source, "refresh_days", 7)
    with engine.connect() as connection:
        return SyncContext(
            cursor=load_cursor(connection, source.name, stream.name),
            now=now,
            recent_owned_ids=recent_owned_ids(connection, profile_id, source.name, now - timedelta(days=refresh_days)),
        )


def _store_page(engine: Engine, profile_id: int, source: str, stream: str, page: Page, now: datetime) -> None:
    with engine.begin() as connection:
        counts = save_page(connection, profile_id, source, stream, page, now)
    log.debug("%s/%s: stored %d items, %d events", source, stream, counts.items, counts.events)


def sync_stream(engine: Engine, profile_id: int, source: SourceSettings, stream: Stream,
                result: SyncResult, clock: Clock, on_page: PageCallback | None = None) -> None:
    """Run one stream to its end (or its first error), storing page by page."""
    for page in stream.iter_pages(_context(engine, profile_id, source, stream, clock())):
        _store_page(engine, profile_id, source.name, stream.name, page, clock())
        result.pages += 1
        result.items += len(page.items)
        result.events += len(page.events)
        result.quarantined += len(page.bad_records)
        if on_page:
            on_page(stream.name, page)


def sync_source(engine: Engine, profile_name: str, timezone: str, source: SourceSettings,
                connector: Connector, *, clock: Clock = utc_now, on_page: PageCallback | None = None) -> SyncResult:
    """Sync every stream of one source; errors are recorded per stream and never raised."""
    result = SyncResult(source.name)
    run_id = _start_run(engine, source.name, clock())
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile_name, timezone)
    failed = productive = 0
    for stream in connector.streams():
        pages_before = result.pages
        try:
            sync_stream(engine, profile_id, source, stream, result, clock, on_page)
            productive += result.pages > pages_before
        except WaitTooLongError as error:
            result.errors.append(f"{stream.name}: deferred: {error}")
            result.status = "deferred"
            break
        except ConnectorError as error:
            failed += 1
            result.errors.append(f"{stream.name}: {error}")
            log.warning("%s/%s failed: %s", source.name, stream.name, error)
        except Exception as error:  # noqa: BLE001 - a store or parser bug must not stop other sources
            failed += 1
            result.errors.append(f"{stream.name}: {type(error).__name__}: {error}")
            log.exception("%s/%s failed", source.name, stream.name)
    if result.status != "deferred" and failed:
        # Only streams that stored something count as working: an idle stream proves nothing.
        result.status = "partial" if productive else "failed"
    _finish_run(engine, run_id, result, clock())
    return result
