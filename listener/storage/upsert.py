"""Dialect-aware batch upserts on natural keys: SQLAlchemy Core statements, run in batches.

On SQLite the compiled statement runs through sqlite3's executemany (listener.storage.sqlite_batch);
elsewhere through Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from listener.storage.sqlite_batch import execute_batch, prepare_batch

DEFAULT_BATCH_SIZE = 2000


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class."""
    # SQLModel's metaclass sets `__table__` on table models; its stubs do not declare it
    return model.__table__  # type: ignore[attr-defined]


def _insert_for(name: str, table: Table) -> Any:
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upserts are written for SQLite and PostgreSQL, not {name}")


@lru_cache(maxsize=256)
def upsert_statement(dialect: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...],
                     known: frozenset[str]) -> Any:
    """The INSERT ... ON CONFLICT statement, built once per shape (statements are immutable)."""
    stmt = _insert_for(dialect, table)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    # keep_known columns are only filled, never blanked: a source that does not know a
    # value (a reply's thread root, say) must not erase what another source stored.
    values = {column: func.coalesce(stmt.excluded[column], table.c[column]) if column in known
              else stmt.excluded[column] for column in update}
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_=values,
        where=or_(*(table.c[column].is_distinct_from(value) for column, value in values.items())),
    )


def upsert_rows(
    connection: Connection,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Iterable[str] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_known: Iterable[str] = (),
) -> None:
    """Insert rows; on a key conflict update `update` columns, and only if they differ.

    Updating only changed rows keeps re-syncs from touching anything (idempotent by
    construction); with no `update` columns a conflict leaves the stored row alone.
    Columns in `keep_known` are updated only with non-null values.
    """
    if not rows:
        return
    stmt = upsert_statement(connection.dialect.name, table_of(model), tuple(keys), tuple(update),
                            frozenset(keep_known))
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        # the columns to insert are the first row's keys, as in Core's executemany
        prepared = prepare_batch(stmt, connection.dialect, tuple(batch[0]))
        if prepared is None:
            connection.execute(stmt, list(batch))
        else:
            execute_batch(connection, prepared, batch)
