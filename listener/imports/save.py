"""`ror import`: read a CSV export, link its people, upsert its rows by natural key, quarantine what cannot be read."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from listener.config.settings import ProfileConfig
from listener.imports.identity import hash_identity, identity_key
from listener.imports.people import PersonLinker, identity_keys
from listener.imports.records import PARSERS, ImportRecord, ParseOptions
from listener.imports.table import ImportFileError, cells_of, locate_columns, read_table
from listener.imports.values import CellError
from listener.imports.workbook import is_workbook, read_workbook
from listener.storage.relationship_models import (
    CustomerRow,
    EmailCampaignRow,
    ImportQuarantineRow,
    ImportRunRow,
    OrderRow,
    SurveyResponseRow,
    TicketRow,
    WebDayRow,
)
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of, upsert_rows

# Cells that are personal or are ids stored hashed: a quarantined row keeps only their hash.
HASHED_CELLS = {"email": "email", "customer_id": "customer", "referred_by": "customer", "order_id": "order",
                "ticket_id": "ticket"}
NEEDS_KEY = {"customers", "orders", "tickets"}
CSV_SOURCE = "csv"  # the source name of campaign and website rows from files (API sources use their own)
UNLINKED = {"email_campaigns", "web_days"}  # aggregates: no person, keyed by source too


@dataclass
class ImportResult:
    """What one import did, every row accounted for."""

    kind: str
    rows: int = 0
    new: int = 0
    known: int = 0
    duplicates: int = 0
    quarantined: int = 0
    people_created: int = 0
    people_merged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    not_applicable: int = 0  # records of the source that are not rows of this kind (an open deal, an open ticket)

    def summary(self) -> str:
        """One line for the terminal."""
        skipped = f", {self.not_applicable} not applicable" if self.not_applicable else ""
        return (f"{self.kind}: {self.rows} row(s): {self.new} new, {self.known} already known, "
                f"{self.duplicates} duplicate(s) skipped{skipped}, {self.quarantined} quarantined; "
                f"{self.people_created} new people, {self.people_merged} merged")


@dataclass
class Parsed:
    """A file's rows sorted into records, exact duplicates and bad rows."""

    records: list[ImportRecord] = field(default_factory=list)
    duplicates: int = 0
    bad: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)


def parse_file(data: bytes, kind: str, profile: ProfileConfig) -> Parsed:
    """Pure: the file's rows as records; a repeated key with the same values is a duplicate, with others bad."""
    table = read_workbook(data) if is_workbook(data) else read_table(data)
    positions = locate_columns(table.header, getattr(profile.imports, kind))
    options = ParseOptions.of(profile.imports, profile.zone)
    parsed = Parsed()
    seen: dict[str, tuple[int, ImportRecord]] = {}
    for line, row in table.rows:
        cells = cells_of(row, positions)
        try:
            record = PARSERS[kind](cells, options)
        except CellError as error:
            parsed.bad.append((line, str(error), cells))
            continue
        if record.key in seen:
            if seen[record.key][1] == record:
                parsed.duplicates += 1
            else:
                parsed.bad.append((line, f"same id as line {seen[record.key][0]} with other values; "
                                         f"line {seen[record.key][0]} was kept", cells))
            continue
        seen[record.key] = (line, record)
        parsed.records.append(record)
    return parsed


def import_file(engine: Engine, profile: ProfileConfig, kind: str, path: Path, *,
                clock: Callable[[], datetime]) -> ImportResult:
    """Import one CSV file of `kind` for `profile` in one transaction; re-importing it changes nothing."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror}") from None
    parsed = parse_file(data, kind, profile)
    needs_key = kind in NEEDS_KEY or any(r.who.email or r.who.customer_id for r in parsed.records) or any(
        set(cells) & set(HASHED_CELLS) for _, _, cells in parsed.bad)
    key = identity_key(profile.imports.key_env) if needs_key else None
    now = clock()
    result = ImportResult(kind, rows=len(parsed.records) + parsed.duplicates + len(parsed.bad),
                          duplicates=parsed.duplicates, quarantined=len(parsed.bad), errors=[b[:2] for b in parsed.bad])
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        save_records(connection, profile_id, kind, parsed.records, key, now, f"import:{kind}", result)
        quarantine_rows(connection, profile_id, kind, path.name, parsed.bad, key, now)
        log_import_run(connection, profile_id, path.name, now, result)
    return result


def save_records(connection: Connection, profile_id: int, kind: str, records: list[ImportRecord], key: bytes | None,
                 now: datetime, source: str, result: ImportResult) -> None:
    """Link each record's people and upsert its row by natural key; counts go into `result`."""
    linker = PersonLinker(connection, profile_id, source, now)
    rows = [row for r in records if (row := _row(kind, r, key, linker.link(identity_keys(r.who, key))))]
    if kind in SAVERS:
        model, natural, update = SAVERS[kind]
        existing = _existing(connection, model, profile_id, natural, [r[natural] for r in rows])
        new = sum(r[natural] not in existing for r in rows)
        unlinked = kind in UNLINKED
        upsert_rows(connection, model, [{"profile_id": profile_id, **r, **({"fetched_at": now} if unlinked else {})}
                                        for r in rows], ["profile_id", *(["source"] if unlinked else []), natural],
                    update, keep_known=[] if unlinked else ["person_id"])
        result.new += new
        result.known += len(records) - new
    result.people_created += linker.created
    result.people_merged += linker.merged


def log_import_run(connection: Connection, profile_id: int, file_name: str, now: datetime,
                   result: ImportResult) -> None:
    """One import_runs row: what came in and what was counted out."""
    connection.execute(insert(table_of(ImportRunRow)).values(
        profile_id=profile_id, kind=result.kind, file_name=file_name, imported_at=now, rows=result.rows,
        new=result.new, known=result.known, duplicates=result.duplicates, quarantined=result.quarantined))


def _row(kind: str, record: ImportRecord, key: bytes | None, person: int | None) -> dict[str, Any] | None:
    """The table row of a record (ids hashed), or None for a mapping row."""
    values: dict[str, Any] = dict(record.values)
    if kind == "nps":
        return {"response_id": record.key, "person_id": person, **values}
    if kind in UNLINKED:
        return {"source": CSV_SOURCE, **({"campaign_id": record.key} if kind == "email_campaigns" else {}), **values}
    assert key is not None
    if kind == "customers":
        referrer = values.pop("referred_by")
        return {"customer_key": hash_identity(key, "customer", record.key), "person_id": person, **values,
                "referred_by_key": hash_identity(key, "customer", referrer) if referrer else None}
    if kind == "orders":
        assert record.who.customer_id is not None
        return {"order_key": hash_identity(key, "order", record.key), "person_id": person,
                "customer_key": hash_identity(key, "customer", record.who.customer_id), **values}
    if kind == "tickets":
        return {"ticket_key": hash_identity(key, "ticket", record.key), "person_id": person, **values}
    return None


SAVERS: dict[str, tuple[Any, str, list[str]]] = {
    "nps": (SurveyResponseRow, "response_id", ["person_id", "score", "submitted_at", "comment"]),
    "customers": (CustomerRow, "customer_key", ["person_id", "created_at", "referred_by_key"]),
    "orders": (OrderRow, "order_key", ["person_id", "customer_key", "ordered_at", "amount"]),
    "tickets": (TicketRow, "ticket_key", ["person_id", "resolved_at"]),
    "email_campaigns": (EmailCampaignRow, "campaign_id", ["sent_at", "recipients", "opens", "clicks",
                                                          "unsubscribes"]),
    "web_days": (WebDayRow, "day", ["visits", "visitors", "pageviews", "bounce_rate", "visit_duration_seconds",
                                    "conversions"]),
}


def _existing(connection: Connection, model: Any, profile_id: int, natural: str, keys: list[str]) -> set[str]:
    table = table_of(model)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found |= set(connection.execute(select(table.c[natural]).where(
            table.c.profile_id == profile_id, table.c[natural].in_(keys[start:start + 500]))).scalars())
    return found


def hashed_cells(cells: dict[str, str], key: bytes | None) -> dict[str, str]:
    """A bad row's cells with personal ones replaced by their keyed hash (what quarantine stores)."""
    if key is None:
        return {name: value for name, value in cells.items() if name not in HASHED_CELLS}
    return {name: f"hash:{hash_identity(key, HASHED_CELLS[name], _normal(name, value))}" if name in HASHED_CELLS
            else value for name, value in cells.items()}


def _normal(name: str, value: str) -> str:
    return value.strip().lower().removeprefix("mailto:") if name == "email" else value


def quarantine_rows(connection: Connection, profile_id: int, kind: str, file_name: str,
                    bad: list[tuple[int, str, dict[str, str]]], key: bytes | None, now: datetime) -> None:
    """Keep the rows that could not be read, with their error; personal cells only as their keyed hash."""
    rows = []
    for line, error, cells in bad:
        stored = hashed_cells(cells, key)
        digest = hashlib.sha256(json.dumps([kind, error, stored], sort_keys=True).encode()).hexdigest()
        rows.append({"profile_id": profile_id, "kind": kind, "file_name": file_name, "line": line, "digest": digest,
                     "error": error, "cells": stored, "first_seen_at": now})
    upsert_rows(connection, ImportQuarantineRow, rows, ["profile_id", "kind", "digest"])
