"""Upserts of rows given as tuples in one column order: for rows built by the thousand, no dict per row.

The statement is `upsert_rows`' own (same SQL, same conflict rule). On SQLite the tuples go to the
driver with only the columns that need it converted, column by column, as the column types convert
them (dates written as `date.isoformat`, the text SQLAlchemy's SQLite DATE stores); elsewhere each
tuple becomes the dict `upsert_rows` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Connection, Date
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

from listener.storage.sqlite_batch import prepare_batch
from listener.storage.upsert import table_of, upsert_rows, upsert_statement

Converter = Callable[[Iterable[Any]], Iterable[Any]]


def _iso_dates(values: Iterable[Any], general: Converter) -> list[Any]:
    """Dates as SQLite's DATE stores them ('YYYY-MM-DD', as `date.isoformat` writes every year); others as before."""
    values = list(values)
    if all(type(value) is date for value in values):
        return [value.isoformat() for value in values]
    return list(general(values))


def _plan(model: type[SQLModel], dialect: Dialect, keys: tuple[str, ...], update: tuple[str, ...],
          columns: tuple[str, ...]) -> tuple[str, dict[int, Converter]] | None:
    """The SQL and, by column position, the conversions; None when the statement's parameters are not `columns`."""
    table = table_of(model)
    prepared = prepare_batch(upsert_statement(dialect.name, table, keys, update, frozenset()), dialect, columns)
    parameters = [parameter for run in prepared.runs for parameter in run] if prepared else []
    if prepared is None or [parameter.name for parameter in parameters] != list(columns):
        return None
    converters: dict[int, Converter] = {}
    for position, parameter in enumerate(parameters):
        if parameter.convert is not None:
            converters[position] = partial(_iso_dates, general=parameter.convert) \
                if type(table.c[parameter.name].type) is Date else parameter.convert
    return prepared.sql, converters


def upsert_tuples(connection: Connection, model: type[SQLModel], columns: Sequence[str],
                  rows: Sequence[tuple[Any, ...]], keys: Sequence[str], update: Iterable[str] = ()) -> None:
    """`upsert_rows` for rows given as tuples of `columns`' values."""
    if not rows:
        return
    names, key, changed = tuple(columns), tuple(keys), tuple(update)
    plan = _plan(model, connection.dialect, key, changed, names) if connection.dialect.name == "sqlite" else None
    if plan is None:
        upsert_rows(connection, model, [dict(zip(names, row, strict=True)) for row in rows], key, changed)
        return
    sql, converters = plan
    values: Iterable[tuple[Any, ...]] = rows
    if converters:
        by_column = list(zip(*rows, strict=True))
        for position, convert in converters.items():
            by_column[position] = tuple(convert(by_column[position]))
        values = zip(*by_column, strict=True)
    connection.exec_driver_sql(sql, list(values))
