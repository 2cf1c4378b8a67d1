"""The sync engine: pages -> upsert -> cursor, a transaction per page or group; one source never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update

from connectors.base import Connector, Page, SourceSettings, Stream, SyncContext
from connectors.clock import Clock, utc_now
from connectors.errors import ConnectorError, DeadlineExceededError, PageCapError, WaitTooLongError
from connectors.limits import SyncLimits, check_deadline, sync_deadline
from connectors.validate import screen_page
from listener.collect.runs import this_owner
from listener.redaction import redact_optional
from listener.storage.models import SyncRunRow
from listener.storage.store import (
    AuthorRowsWritten,
    ensure_profile,
    load_cursor,
    recent_owned_ids,
    save_pages,
)
from listener.storage.upsert import table_of

log = logging.getLogger(__name__)
PageCallback = Callable[[str, Page], None]
BACKFILL_PAGES_PER_TRANSACTION = 10  # a one-off sync's pages per commit: a tenth of the commits, a few pages held
# A poll's pages per commit: a stop is checked as each page arrives (`between_pages`) and the pages
# fetched before it are stored, so grouping costs no stop latency; a crash loses at most the group's
# pages, which the next poll fetches again (the cursor stays before them). Two, not ten: a daemon's
# first poll may be a backfill, and a kill should cost it little (the kill test lands as many kills in
# it as with page-by-page commits).
POLL_PAGES_PER_TRANSACTION = 2
_Fetched = tuple[Page, Page, datetime]  # a page as screened, as fetched, and when it was fetched

@dataclass
class StreamCounts:
    """What one stream of a run stored, set aside, skipped by a rule and could not read."""

    pages: int = 0
    items: int = 0
    events: int = 0
    quarantined: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # rule -> records ("deleted", "too old", ...)
    unexpanded: int = 0
    failed: bool = False  # the stream ended on an error
    last_quarantine_error: str | None = None
    problems: list[str] = field(default_factory=list)

    def add(self, page: Page) -> None:
        """Count one stored page."""
        self.pages += 1
        self.items += len(page.items)
        self.events += len(page.events)
        self.quarantined += len(page.bad_records)
        if page.bad_records:
            self.last_quarantine_error = page.bad_records[-1].error
        for rule, count in page.skipped.items():
            self.skipped[rule] = self.skipped.get(rule, 0) + count
        self.unexpanded += page.unexpanded
        self.problems.extend(page.problems)

    def losses(self) -> list[str]:
        """Why this stream's data is incomplete, one line each (empty when nothing was lost)."""
        lines = []
        if self.quarantined:
            lines.append(f"{self.quarantined} record(s) quarantined (last: {self.last_quarantine_error})")
        if self.unexpanded:
            lines.append(f"{self.unexpanded} part(s) not read: {'; '.join(self.problems[:3])}")
        return lines

    def to_json(self) -> dict[str, Any]:
        """The counts as stored with the run and shown by `ror status --json`."""
        return {"pages": self.pages, "items": self.items, "events": self.events, "quarantined": self.quarantined,
                "skipped": dict(self.skipped), "unexpanded": self.unexpanded, "failed": self.failed}


@dataclass
class SyncResult:
    """How one source's sync ended and what it stored."""

    source: str
    status: str = "ok"  # ok | partial | failed | deferred | interrupted
    pages: int = 0
    items: int = 0
    events: int = 0
    quarantined: int = 0
    errors: list[str] = field(default_factory=list)
    streams: dict[str, StreamCounts] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        """All stream errors and losses in one line, or None."""
        return "; ".join(self.errors) or None

    @property
    def skipped(self) -> int:
        """Records left out by a rule, over all streams."""
        return sum(sum(c.skipped.values()) for c in self.streams.values())

    @property
    def unexpanded(self) -> int:
        """Parts that could not be read, over all streams."""
        return sum(c.unexpanded for c in self.streams.values())

    def add(self, stream: str, page: Page) -> None:
        """Count one stored page of a stream."""
        self.pages += 1
        self.items += len(page.items)
        self.events += len(page.events)
        self.quarantined += len(page.bad_records)
        self.streams.setdefault(stream, StreamCounts()).add(page)

    def note_losses(self) -> None:
        """A run that quarantined records or could not read parts is partial, and says why."""
        for name, counts in self.streams.items():
            self.errors.extend(f"{name}: {line}" for line in counts.losses())
        if self.status == "ok" and (self.quarantined or self.unexpanded):
            self.status = "partial"


def _start_run(engine: Engine, source: str, now: datetime) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            table_of(SyncRunRow).insert().values(source=source, started_at=now, status="running", owner=this_owner())
        )
        key = result.inserted_primary_key
        assert key is not None  # a one-row INSERT always reports the key it made
        return int(key[0])


def _finish_run(engine: Engine, run_id: int, result: SyncResult, now: datetime) -> None:
    table = table_of(SyncRunRow)
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == run_id).values(
            ended_at=now, status=result.status, error=redact_optional(result.error), pages=result.pages,
            items=result.items, events=result.events, quarantined=result.quarantined,
            skipped=result.skipped, unexpanded=result.unexpanded,
            streams={name: counts.to_json() for name, counts in result.streams.items()},
        ))


def _context(engine: Engine, profile_id: int, source: SourceSettings, stream: Stream, now: datetime) -> SyncContext:
    refresh_days = getattr(source, "refresh_days", 7)
    with engine.connect() as connection:
        return SyncContext(
            cursor=load_cursor(connection, source.name, stream.name),
            now=now,
            recent_owned_ids=recent_owned_ids(connection, profile_id, source.name, now - timedelta(days=refresh_days)),
        )


class _PageWriter:
    """Stores a stream's screened pages, up to `group` of them in one transaction, in the order they came.

    A page is counted and handed to `on_page` once its transaction has committed. When a group
    fails, its pages are stored again one transaction each, so the pages before the failing one
    stay stored (with their cursor) exactly as if every page had had its own transaction, and the
    failing page's error is raised; the pages after it are not stored and the cursor stays before them.
    An author row the stream's committed pages stored with the same values is not written again.
    """

    def __init__(self, engine: Engine, profile_id: int, source: str, stream: str, result: SyncResult,
                 on_page: PageCallback | None, group: int) -> None:
        self.engine, self.profile_id, self.source, self.stream = engine, profile_id, source, stream
        self.result, self.on_page, self.group = result, on_page, max(group, 1)
        self.waiting: list[_Fetched] = []
        self.authors_written = AuthorRowsWritten()

    def add(self, screened: Page, fetched: Page, now: datetime) -> None:
        """Queue a page; a full group is stored at once."""
        self.waiting.append((screened, fetched, now))
        if len(self.waiting) >= self.group:
            self.flush()

    def flush(self) -> None:
        """Store every queued page: one transaction, or one per page if that fails (the pages before stay)."""
        waiting, self.waiting = self.waiting, []
        if not waiting:
            return
        try:
            self._store(waiting)
        except Exception:
            if len(waiting) == 1:
                raise
            for entry in waiting:  # raises again at the failing page, with the pages before it stored
                self._store([entry])
                self._report([entry])
            return
        self._report(waiting)

    def _store(self, entries: list[_Fetched]) -> None:
        try:
            with self.engine.begin() as connection:
                stored = save_pages(connection, self.profile_id, self.source, self.stream,
                                    [(screened, now) for screened, _, now in entries], self.authors_written)
        except BaseException:
            self.authors_written.discard()
            raise
        self.authors_written.commit()
        for counts in stored:
            log.debug("%s/%s: stored %d items, %d events", self.source, self.stream, counts.items, counts.events)

    def _report(self, entries: list[_Fetched]) -> None:
        for screened, _, _ in entries:
            self.result.add(self.stream, screened)
        if self.on_page:
            for _, fetched, _ in entries:
                self.on_page(self.stream, fetched)


def sync_stream(engine: Engine, profile_id: int, source: SourceSettings, stream: Stream,
                result: SyncResult, clock: Clock, on_page: PageCallback | None = None,
                max_pages: int | None = None, pages_per_transaction: int = 1,
                between_pages: Callable[[], None] | None = None) -> None:
    """Run one stream to its end (or its first error, its page cap, the deadline), storing page by page.

    Every page is screened at the connector boundary first: records that fail a check go
    to quarantine with the field they failed on, the rest of the page is stored. With
    `pages_per_transaction` above 1 pages are stored in groups; whatever ends the stream (an
    error, a stop, the cap, the deadline), the pages fetched before it are stored first.
    `between_pages` runs after each page is fetched, before the next is asked for (a stop check).
    """
    writer = _PageWriter(engine, profile_id, source.name, stream.name, result, on_page, pages_per_transaction)
    fetched = 0
    try:
        for page in stream.iter_pages(_context(engine, profile_id, source, stream, clock())):
            now = clock()
            writer.add(screen_page(page, now), page, now)
            fetched += 1
            if max_pages is not None and fetched >= max_pages:
                raise PageCapError(f"stopped after {fetched} pages (the per-run page cap); the next sync resumes "
                                   "from the cursor")
            check_deadline(clock())
            if between_pages is not None:
                between_pages()
    finally:
        writer.flush()


def sync_source(engine: Engine, profile_name: str, timezone: str, source: SourceSettings,
                connector: Connector, *, clock: Clock = utc_now, on_page: PageCallback | None = None,
                limits: SyncLimits | None = None, pages_per_transaction: int = 1,
                between_pages: Callable[[], None] | None = None) -> SyncResult:
    """Sync every stream of one source; errors are recorded per stream and never raised.

    The run is always closed: with its outcome, or `interrupted` when a stop (SIGTERM, the
    daemon stopping, Ctrl-C) cuts it short; the exception that stopped it is re-raised.
    `pages_per_transaction` (BACKFILL_PAGES_PER_TRANSACTION for a one-off sync) stores pages in
    groups: fewer commits, and `on_page` hears of a group's pages once the group is stored. A loop
    that must stop between two pages (the daemon's) checks for it in `between_pages`, which runs as
    each page arrives: what it raises ends the sync once the pages fetched before are stored.
    """
    limits = limits or SyncLimits()
    result = SyncResult(source.name)
    started = clock()
    run_id = _start_run(engine, source.name, started)
    try:
        with sync_deadline(started + timedelta(seconds=limits.deadline_seconds), limits.response_deadline_seconds):
            _sync_streams(engine, profile_name, timezone, source, connector, result, clock, on_page, limits,
                          pages_per_transaction, between_pages)
    except Exception as error:
        result.status = "failed"
        result.errors.append(f"{type(error).__name__}: {error}")
        _finish_run(engine, run_id, result, clock())
        raise
    except BaseException:  # a stop: SIGTERM, Ctrl-C, the daemon stopping
        result.status = "interrupted"
        result.errors.append("interrupted: stopped before this sync finished; the next one resumes from the cursor")
        _finish_run(engine, run_id, result, clock())
        raise
    _finish_run(engine, run_id, result, clock())
    return result


def _sync_streams(engine: Engine, profile_name: str, timezone: str, source: SourceSettings, connector: Connector,
                  result: SyncResult, clock: Clock, on_page: PageCallback | None, limits: SyncLimits,
                  pages_per_transaction: int, between_pages: Callable[[], None] | None) -> None:
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile_name, timezone)
    failed = productive = 0
    for stream in connector.streams():
        pages_before, errors_before = result.pages, len(result.errors)
        try:
            sync_stream(engine, profile_id, source, stream, result, clock, on_page, limits.max_pages_per_stream,
                        pages_per_transaction, between_pages)
        except (PageCapError, DeadlineExceededError) as error:
            # Cut short, not broken: what was stored stays, the cursor says where to resume.
            result.errors.append(f"{stream.name}: {error}")
            result.status = "partial"
            log.warning("%s/%s: %s", source.name, stream.name, error)
            if isinstance(error, DeadlineExceededError):
                break
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
            message = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            result.errors.append(f"{stream.name}: {message}")
            # One line for the user (a full disk would otherwise print a traceback per stream); the
            # traceback is for `--verbose` and the daemon's debug log.
            log.error("%s/%s failed: %s", source.name, stream.name, message)
            log.debug("%s/%s: traceback", source.name, stream.name, exc_info=True)
        finally:
            # A stream that stored pages works, even if it failed later; an idle stream proves nothing.
            productive += result.pages > pages_before
            result.streams.setdefault(stream.name, StreamCounts()).failed = len(result.errors) > errors_before
    if result.status != "deferred" and failed:
        # Only streams that stored something count as working: an idle stream proves nothing.
        result.status = "partial" if productive or result.status == "partial" else "failed"
    result.note_losses()
