"""Quarantined records: list them, show one, and re-parse them with today's connector mapping (nothing is deleted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from connectors.base import Connector, Page, SourceSettings
from connectors.clock import Clock, utc_now
from connectors.errors import ConnectorError
from listener.config.settings import Config, ConfigError
from listener.storage.models import QuarantineRow
from listener.storage.store import ensure_profile, save_page
from listener.storage.upsert import table_of

ConnectorFactory = Callable[[SourceSettings], Connector]
RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, ConnectorError)


@dataclass(frozen=True)
class QuarantinedRecord:
    """One quarantined record as `ror quarantine` shows it."""

    id: int
    source: str
    stream: str
    external_id: str | None
    error: str
    first_seen_at: datetime
    retried_at: datetime | None
    resolved_at: datetime | None
    payload: Any = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with ISO times."""
        data = dict(self.__dict__)
        for key in ("first_seen_at", "retried_at", "resolved_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass
class RetryOutcome:
    """What a retry did: records now stored, still broken (with their new error) and not re-parsable."""

    resolved: list[int] = field(default_factory=list)
    still_broken: dict[int, str] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # source -> why it cannot re-parse
    items: int = 0


def _record(row: Any, with_payload: bool) -> QuarantinedRecord:
    return QuarantinedRecord(row.id, row.source, row.stream, row.external_id, row.error, row.first_seen_at,
                             row.retried_at, row.resolved_at, row.payload if with_payload else None)


def list_quarantine(engine: Engine, source: str | None = None, *,
                    include_resolved: bool = False) -> list[QuarantinedRecord]:
    """Quarantined records, oldest first: those not yet resolved, or all."""
    table = table_of(QuarantineRow)
    query = select(table).order_by(table.c.id)
    if source is not None:
        query = query.where(table.c.source == source)
    if not include_resolved:
        query = query.where(table.c.resolved_at.is_(None))
    with engine.connect() as connection:
        return [_record(row, False) for row in connection.execute(query)]


def show_quarantined(engine: Engine, record_id: int) -> QuarantinedRecord | None:
    """One quarantined record with its stored payload, or None."""
    table = table_of(QuarantineRow)
    with engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == record_id)).first()
    return _record(row, True) if row is not None else None


def retry_quarantine(engine: Engine, config: Config, build: ConnectorFactory, *, source: str | None = None,
                     record_ids: list[int] | None = None, clock: Clock = utc_now) -> RetryOutcome:
    """Re-parse unresolved records with the current mapping; those that parse are stored and marked resolved."""
    outcome = RetryOutcome()
    pending = [r for r in list_quarantine(engine, source) if record_ids is None or r.id in record_ids]
    by_source: dict[str, list[QuarantinedRecord]] = {}
    for record in pending:
        by_source.setdefault(record.source, []).append(record)
    sources = {settings.name: (profile, settings) for profile, settings in config.sources()}
    for name, records in by_source.items():
        if name not in sources:
            outcome.unsupported[name] = "no longer in the config"
            continue
        profile, settings = sources[name]
        try:
            connector = build(settings)
        except ConfigError as error:
            outcome.unsupported[name] = str(error)
            continue
        _retry_source(engine, profile.name, profile.timezone, connector, records, outcome, clock)
    return outcome


def _retry_source(engine: Engine, profile: str, timezone: str, connector: Connector,
                  records: list[QuarantinedRecord], outcome: RetryOutcome, clock: Clock) -> None:
    table = table_of(QuarantineRow)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile, timezone)
    for record in records:
        full = show_quarantined(engine, record.id)
        now = clock()
        try:
            items = connector.reparse(record.stream, full.payload if full else None, record.first_seen_at)
        except NotImplementedError as error:
            outcome.unsupported[record.source] = str(error)
            return
        except RECORD_ERRORS as error:
            message = f"{type(error).__name__}: {error}"
            outcome.still_broken[record.id] = message
            with engine.begin() as connection:
                still = update(table).where(table.c.id == record.id).values(retried_at=now, error=message[:2000])
                connection.execute(still)
            continue
        with engine.begin() as connection:  # the items and the mark in one transaction
            save_page(connection, profile_id, record.source, record.stream, Page(items=items), now)
            mark = update(table).where(table.c.id == record.id).values(retried_at=now, resolved_at=now)
            connection.execute(mark)
        outcome.resolved.append(record.id)
        outcome.items += len(items)
