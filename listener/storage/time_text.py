"""UTC times as SQLite stores them: naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's DateTime layout).

The one writer of that text outside SQLAlchemy (listener/storage/sqlite_batch.py's batches, the
sync runs' plain SQL); listener/storage/reader.py's `utc_time` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from operator import is_
from typing import Any

from listener.storage.reader import as_utc

# Zero-padded numbers, joined by an f-string: a third of the instructions of
# "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (...), a fifth of isoformat's (which formats the offset too).
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))
_THREE_DIGITS = tuple(f"{n:03d}" for n in range(1000))


# The last few columns converted, as (values, texts): an item's creation times are stored with it and with its link
_RecentColumn = tuple[tuple[datetime | None, ...], tuple[str | None, ...]]
_recent_columns: tuple[_RecentColumn, ...] = ()
_RECENT_LIMIT = 4
_RECENT_LENGTH = 2048  # longer columns (a rebuild's thousands of rows) are not kept: memory stays about 1 MB


def utc_texts(values: Iterable[datetime | None]) -> list[str | None]:
    """UTCDateTime's SQLite text for each value (None stays None); a naive datetime is refused."""
    global _recent_columns
    column = tuple(values)
    recent = _recent_columns  # one read: another thread may replace it
    for before, texts in recent:
        if len(before) == len(column) and all(map(is_, before, column)):  # the very same objects
            return list(texts)
    texts = _texts(column)
    if len(column) <= _RECENT_LENGTH:
        _recent_columns = (*recent[1 - _RECENT_LIMIT:], (column, texts))
    return list(texts)


def _texts(values: tuple[datetime | None, ...]) -> tuple[str | None, ...]:
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
    return tuple(texts)


def stored_time(value: datetime, dialect: str) -> Any:
    """A time as UTCDateTime binds it: the text above on SQLite, aware UTC elsewhere."""
    return utc_texts([value])[0] if dialect == "sqlite" else as_utc(value)
