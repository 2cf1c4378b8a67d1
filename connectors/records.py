"""Platform records into items: a record that does not map is set apart for quarantine, never dropped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connectors.base import BadRecord, Item, Page
from connectors.errors import MalformedItemError

# What a mapping raises on a record of the wrong shape (missing key, wrong type, bad value).
RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, MalformedItemError)


def record_id(record: Any, keys: Sequence[str] = ("id",)) -> str | None:
    """The record's own id under the first of `keys` it has, if it has one."""
    if not isinstance(record, dict):
        return None
    for key in keys:
        value = record.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def bad_record(record: Any, error: Exception, id_keys: Sequence[str] = ("id",)) -> BadRecord:
    """A quarantined record with its error (and its id when it has one)."""
    return BadRecord(f"{type(error).__name__}: {error}", record, record_id(record, id_keys))


def add_records(page: Page, records: Sequence[Any], build: Callable[[Any], Item | list[Item]],
                id_keys: Sequence[str] = ("id",)) -> None:
    """Append what each record becomes (one item or several); a record that fails goes to bad_records."""
    for record in records:
        try:
            built = build(record)
        except RECORD_ERRORS as error:
            page.bad_records.append(bad_record(record, error, id_keys))
            continue
        page.items.extend(built if isinstance(built, list) else [built])
