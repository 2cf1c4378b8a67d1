"""Plain SQL reads with :named parameters, run by sqlite3, by psycopg or by SQLAlchemy on any database.

The read commands (`ror status`, `ror index`) run the same SQL text on all three: on a SQLite file
at head through the standard library alone, on PostgreSQL at head through psycopg alone
(SQLAlchemy's import is half their start-up), elsewhere through SQLAlchemy's `text()`. The decoders
turn each driver's raw values into what the tables' SQLAlchemy types return
(listener/storage/types.py UTCDateTime, JSON, Date, Boolean).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, overload

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy import Connection, Engine

Params = dict[str, Any]
# text()'s own rules: `:name` is a parameter unless it follows a colon, a word character or a backslash
# (so `::text` casts stay casts) or runs into another colon; `\:name` is a literal `:name`.
_NAMED_PARAMETER = re.compile(r"(?<![:\w\x5c]):(\w+)(?![:\w])")
_ESCAPED_COLON = re.compile(r"\x5c(:\w*)(?![:\w])")


class Reader(Protocol):
    """Runs SQL text with :named parameters and returns plain tuples."""

    dialect: str

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row the query returns."""

    def write(self, statements: list[tuple[str, Params]]) -> None:
        """Run the statements in one transaction."""

    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same database, for what needs more than plain SQL."""


class SqliteReader:
    """A Reader over a sqlite3 connection (no SQLAlchemy loaded)."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection, url: str) -> None:
        self.connection = connection
        self.url = url

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row the query returns."""
        return self.connection.execute(sql, params or {}).fetchall()

    def write(self, statements: list[tuple[str, Params]]) -> None:
        """Run the statements in one transaction."""
        with self.connection:
            for sql, params in statements:
                self.connection.execute(sql, params)

    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same file, for what reads need more than plain SQL."""
        from listener.storage.engine import open_database

        return open_database(self.url)


class PsycopgReader:
    """A Reader over a psycopg connection to PostgreSQL in autocommit (no SQLAlchemy loaded)."""

    dialect = "postgresql"

    def __init__(self, connection: psycopg.Connection[Any], url: str) -> None:
        self.connection = connection
        self.url = url

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row the query returns."""
        with self.connection.cursor() as cursor:
            cursor.execute(pyformat_sql(sql), params or {})
            return cursor.fetchall()

    def write(self, statements: list[tuple[str, Params]]) -> None:
        """Run the statements in one transaction."""
        with self.connection.transaction(), self.connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(pyformat_sql(sql), params)

    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same database, for what reads need more than plain SQL."""
        from listener.storage.engine import open_database

        return open_database(self.url)


@lru_cache(maxsize=256)
def pyformat_sql(sql: str) -> str:
    """SQL text with :named parameters as psycopg runs it: `%(name)s` placeholders and every literal `%` doubled,
    exactly as SQLAlchemy's `text()` renders it for psycopg (so both send the server the same statement)."""
    named = _NAMED_PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))
    return _ESCAPED_COLON.sub(r"\1", named)


class SqlAlchemyReader:
    """A Reader over a SQLAlchemy engine (a connection per call) or an open connection."""

    def __init__(self, source: Engine | Connection) -> None:
        self.source = source
        self.dialect = source.dialect.name

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row the query returns."""
        from sqlalchemy import Connection, text

        if isinstance(self.source, Connection):
            return [tuple(row) for row in self.source.execute(text(sql), params or {})]
        with self.source.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params or {})]

    def write(self, statements: list[tuple[str, Params]]) -> None:
        """Run the statements in one transaction (the caller's, when given a connection)."""
        from sqlalchemy import Connection, text

        if isinstance(self.source, Connection):
            for sql, params in statements:
                self.source.execute(text(sql), params)
            return
        with self.source.begin() as connection:
            for sql, params in statements:
                connection.execute(text(sql), params)

    def engine(self) -> Engine:
        """The engine (or the connection's)."""
        from sqlalchemy import Connection

        return self.source.engine if isinstance(self.source, Connection) else self.source


READERS = (SqliteReader, PsycopgReader, SqlAlchemyReader)


@contextmanager
def reading(source: Any) -> Iterator[Reader]:
    """`source` as a Reader for several reads: an engine's reads share one connection."""
    if isinstance(source, READERS):
        yield source
        return
    from sqlalchemy import Connection

    if isinstance(source, Connection):
        yield SqlAlchemyReader(source)
        return
    with source.connect() as connection:
        yield SqlAlchemyReader(connection)


def reader_of(source: Any) -> Reader:
    """`source` as a Reader: a Reader as it is, a SQLAlchemy engine or connection wrapped."""
    if isinstance(source, READERS):
        return source
    return SqlAlchemyReader(source)


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: store times as timezone-aware UTC")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


@overload
def utc_time(value: None) -> None: ...


@overload
def utc_time(value: str | datetime) -> datetime: ...


def utc_time(value: Any) -> datetime | None:
    """A stored time as UTCDateTime returns it: timezone-aware UTC (SQLite keeps naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:  # naive UTC text, as stored: read as UTC in one step (a sixth of parsing, then `replace`)
            moment = datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text with its own offset, or none that parses
            moment = None
        if moment is not None and moment.tzinfo is UTC:
            return moment
        moment = datetime.fromisoformat(value)  # (a date alone parses above, but without the offset)
    else:
        moment = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_value(value: Any) -> Any:
    """A stored JSON document as SQLAlchemy's JSON returns it (SQLite keeps the text, PostgreSQL decodes it)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def day(value: Any) -> date | None:
    """A stored date as SQLAlchemy's Date returns it."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def flag(value: Any) -> bool | None:
    """A stored boolean as SQLAlchemy's Boolean returns it (SQLite keeps 0 or 1)."""
    return None if value is None else bool(value)
