"""Upserts of rows given as tuples in one column order, or column by column: for rows built by the thousand, no
dict per row.

The statement is `upsert_rows`' own (same SQL, same conflict rule). On SQLite the values go to the
driver with only the columns that need it converted, column by column, as the column types convert
them (dates written as `date.isoformat`, the text SQLAlchemy's SQLite DATE stores; booleans as 1 and 0; a JSON
value that is the very object of the row before is not serialised again); elsewhere each
row becomes the dict `upsert_rows` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from itertools import islice, repeat
from operator import is_
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

from listener.storage.sqlite_batch import prepare_batch
from listener.storage.upsert import table_of, upsert_rows, upsert_statement

Converter = Callable[[Iterable[Any]], Iterable[Any]]
_NOTHING = object()


def _iso_dates(values: Iterable[Any], general: Converter) -> list[Any]:
    """Dates as SQLite's DATE stores them ('YYYY-MM-DD', as `date.isoformat` writes every year); others as before."""
    values = list(values)
    if all(type(value) is date for value in values):
        texts = {day: day.isoformat() for day in set(values)}  # a rebuild writes ~31,000 rows over ~700 days
        return list(map(texts.__getitem__, values))
    return list(general(values))


def _bools(values: Iterable[Any], general: Converter) -> list[Any]:
    """Booleans as SQLite's BOOLEAN stores them (1 and 0, as the type's processor writes them); others as before."""
    values = list(values)
    if all(type(value) is bool for value in values):
        return list(map(int, values))
    return list(general(values))


def _same_objects_once(values: Iterable[Any], general: Converter) -> list[Any]:
    """Values converted once per run of the very same object (one parameters dict for a whole series)."""
    values = list(values)
    if not any(map(is_, values, islice(values, 1, None))):  # every run one long (a page's raw payloads): at once
        return list(general(values))
    out: list[Any] = []
    last: Any = _NOTHING
    converted: Any = None
    for value in values:
        if value is not last:
            last, converted = value, next(iter(general([value])))
        out.append(converted)
    return out


def _converter(column_type: type[Any], general: Converter) -> Converter:
    if column_type is Date:
        return partial(_iso_dates, general=general)
    if column_type is Boolean:
        return partial(_bools, general=general)
    if issubclass(column_type, JSON):
        return partial(_same_objects_once, general=general)
    return general


@dataclass(frozen=True)
class _Plan:
    """The SQL, and where each of its parameters comes from: a column of the tuples or a default, maybe converted."""

    sql: str
    sources: tuple[int | None, ...]  # the tuples' position per parameter; None: the column default
    defaults: tuple[Any, ...]
    converters: tuple[Converter | None, ...]

    def parameter_rows(self, rows: Sequence[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
        """The rows as the statement's parameters, converted column by column."""
        if all(c is None for c in self.converters) and self.sources == tuple(range(len(rows[0]))):
            return rows
        return self.parameters_of_columns(list(zip(*rows, strict=True)), len(rows))

    def parameters_of_columns(self, by_column: Sequence[Iterable[Any]], count: int) -> Iterable[tuple[Any, ...]]:
        """The statement's parameter rows from `count` rows' values given column by column, converted per column."""
        parameters = []
        for source, default, convert in zip(self.sources, self.defaults, self.converters, strict=True):
            values: Iterable[Any] = repeat(default, count) if source is None else by_column[source]
            parameters.append(convert(values) if convert else values)
        return zip(*parameters, strict=True)


@lru_cache(maxsize=256)
def _plan(model: type[SQLModel], dialect: Dialect, keys: tuple[str, ...], update: tuple[str, ...],
          columns: tuple[str, ...], keep_known: frozenset[str] = frozenset()) -> _Plan | None:
    """How to run the upsert for rows of `columns` on SQLite; None where only `upsert_rows` can."""
    table = table_of(model)
    prepared = prepare_batch(upsert_statement(dialect.name, table, keys, update, keep_known), dialect, columns)
    if prepared is None:
        return None
    parameters = [parameter for run in prepared.runs for parameter in run]
    sources = tuple(columns.index(p.name) if p.name in columns else None for p in parameters)
    converters = tuple(None if p.convert is None else _converter(type(table.c[p.name].type), p.convert)
                       for p in parameters)
    return _Plan(prepared.sql, sources, tuple(p.default for p in parameters), converters)


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
    connection.exec_driver_sql(plan.sql, list(plan.parameter_rows(rows)))


def upsert_columns(connection: Connection, model: type[SQLModel], columns: Mapping[str, Sequence[Any]],
                   keys: Sequence[str], update: Iterable[str] = (), keep_known: Iterable[str] = ()) -> None:
    """`upsert_rows` for rows given column by column (each column one value per row)."""
    names = tuple(columns)
    count = len(columns[names[0]]) if names else 0
    if not count:
        return
    key, changed, known = tuple(keys), tuple(update), frozenset(keep_known)
    plan = (_plan(model, connection.dialect, key, changed, names, known) if connection.dialect.name == "sqlite"
            else None)
    if plan is None:
        rows = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        upsert_rows(connection, model, rows, key, changed, keep_known=known)
        return
    connection.exec_driver_sql(plan.sql, list(plan.parameters_of_columns(list(columns.values()), count)))
