"""UTC times as SQLite stores them: naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's DateTime layout).

The one writer of that text outside SQLAlchemy (listener/storage/sqlite_batch.py's batches, the
sync runs' plain SQL); listener/storage/reader.py's `utc_time` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from listener.storage.reader import as_utc

# Zero-padded numbers, joined by an f-string: a third of the instructions of
# "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (...), a fifth of isoformat's (which formats the offset too).
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))
_THREE_DIGITS = tuple(f"{n:03d}" for n in range(1000))


def utc_texts(values: Iterable[datetime | None]) -> list[str | None]:
    """UTCDateTime's SQLite text for each value (None stays None); a naive datetime is refused."""
    two, three = _TWO_DIGITS, _THREE_DIGITS
    texts: list[str | None] = []
    last: datetime | None = None
    text: str | None = None  # the text of `last`
    for value in values:
        if value is not last:  # a page's rows share one `now` object: it is converted once
            last = value
            if value is None:
                text = None
            else:
                moment = value if value.tzinfo is UTC else as_utc(value)
                year, microsecond = moment.year, moment.microsecond
                text = (f"{two[year // 100]}{two[year % 100]}-{two[moment.month]}-{two[moment.day]} "
                        f"{two[moment.hour]}:{two[moment.minute]}:{two[moment.second]}."
                        f"{three[microsecond // 1000]}{three[microsecond % 1000]}")
        texts.append(text)
    return texts


def stored_time(value: datetime, dialect: str) -> Any:
    """A time as UTCDateTime binds it: the text above on SQLite, aware UTC elsewhere."""
    return utc_texts([value])[0] if dialect == "sqlite" else as_utc(value)
