"""Column types of our own: UTC datetimes that come back timezone-aware on SQLite and PostgreSQL alike.

Apart from the tables (listener/storage/*_models.py); the decoding itself is listener/storage/reader.py's
`utc_time`, which the read commands' plain SQL uses too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from listener.storage.reader import as_utc, utc_time


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return utc_time(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], datetime | None] | None:
        """On SQLite the stored text goes to `utc_time` as it is: DateTime's own parsing first, then
        `process_result_value`, cost six times as much for the same value."""
        if dialect.name == "sqlite":
            return utc_time
        return super().result_processor(dialect, coltype)
