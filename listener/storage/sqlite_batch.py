"""SQLite batch writes through sqlite3's own executemany, with parameters converted column by column.

`Connection.execute(statement, rows)` costs, per call, a compiled-cache lookup and an
execution context, and per row a walk over every bind parameter (`construct_params`, then
each type's processor). For the store's pages that was most of the write time. Here a
statement is compiled once per (statement, dialect, row keys); each column that needs
converting is converted in one pass (`map` of the type's own bind processor, or
listener/storage/time_text.py's `utc_texts` for UTCDateTime); and the tuples go to
`exec_driver_sql`, which still begins the transaction, fires engine events and wraps DBAPI
errors, but passes tuples straight to the cursor. The stored values are the ones the Core
path stores (tests compare the bytes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial, reduce
from itertools import groupby, repeat
from operator import add, itemgetter
from typing import Any

from sqlalchemy import JSON, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from listener.storage.json_text import json_text
from listener.storage.models import UTCDateTime
from listener.storage.time_text import utc_texts

Converter = Callable[[Iterable[Any]], Iterable[Any]]
_FROM_ROW = object()


@dataclass(frozen=True)
class _Parameter:
    """One positional parameter: read from the row (or a column default), maybe converted."""

    name: str
    default: Any
    convert: Converter | None

    @property
    def is_copied(self) -> bool:
        """Whether the row's value goes to sqlite3 as it is."""
        return self.default is _FROM_ROW and self.convert is None

    def column(self, rows: Sequence[dict[str, Any]]) -> Iterable[Any]:
        """This parameter's value for every row."""
        values = map(itemgetter(self.name), rows) if self.default is _FROM_ROW else repeat(self.default, len(rows))
        return self.convert(values) if self.convert else values


def _segment(run: tuple[_Parameter, ...], rows: Sequence[dict[str, Any]]) -> Iterable[tuple[Any, ...]]:
    """Per row, the tuple of a run of parameters: one itemgetter call, or the zipped columns."""
    if run[0].is_copied and len(run) > 1:
        return map(itemgetter(*(p.name for p in run)), rows)
    return zip(*(p.column(rows) for p in run), strict=True)


@dataclass(frozen=True)
class PreparedBatch:
    """A statement compiled for one set of row keys, ready for executemany."""

    sql: str
    runs: tuple[tuple[_Parameter, ...], ...]  # consecutive parameters, copied or computed alike

    def parameter_rows(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as tuples in parameter order, converted as the column types convert them.

        Each run of parameters yields one tuple per row, and the runs' tuples are joined
        with `operator.add`: every per-row step runs in C, none in a Python loop.
        """
        return list(reduce(partial(map, add), (_segment(run, rows) for run in self.runs)))


def _json_texts(processor: Callable[[Any], Any], dumps: Callable[[Any], str]) -> Converter:
    """A JSON column's bound values: documents (dicts) by `dumps`, anything else (None, null markers) by the type."""
    def convert(values: Iterable[Any]) -> list[Any]:
        return [dumps(value) if type(value) is dict else processor(value) for value in values]
    return convert


def _document_dumps(type_: Any, dialect: Dialect) -> Callable[[Any], str] | None:
    """What the type's bind processor stores a dict as, if that is a plain function of the dict (SQLAlchemy's JSON)."""
    if not isinstance(type_, JSON) or type_._str_impl.bind_processor(dialect) is not None:
        return None
    serializer = dialect._json_serializer  # open_database's engines: json_text; others json.dumps
    if serializer is json_text:
        return json_text
    return _dumps if serializer is None and _C_ENCODER is not None else None


# json.dumps' own settings, and the C encoder it reaches through four Python layers (None without the C module)
_DUMPS = json.JSONEncoder()
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)


def _dumps(value: dict[str, Any]) -> str:
    """json.dumps(value), in one call of the C encoder dumps itself builds (one per value: it tracks cycles)."""
    encode = _C_ENCODER({}, _DUMPS.default, json.encoder.encode_basestring_ascii, None, _DUMPS.key_separator,
                        _DUMPS.item_separator, _DUMPS.sort_keys, _DUMPS.skipkeys, _DUMPS.allow_nan)
    return "".join(encode(value, 0))


def _converter(type_: Any, dialect: Dialect) -> Converter | None:
    if type(type_) is UTCDateTime:  # exactly: a subclass may convert differently
        return utc_texts
    impl = type_.dialect_impl(dialect)
    processor = impl.bind_processor(dialect)
    dumps = _document_dumps(impl, dialect) if processor else None
    if processor and dumps:
        return _json_texts(processor, dumps)
    return partial(map, processor) if processor else None


def _parameter(compiled: SQLCompiler, name: str, keys: frozenset[str], defaults: dict[str, Any]) -> _Parameter:
    default = _FROM_ROW if name in keys else defaults[name]
    return _Parameter(name, default, _converter(compiled.binds[name].type, compiled.dialect))


@lru_cache(maxsize=512)
def prepare_batch(statement: Any, dialect: Dialect, keys: tuple[str, ...]) -> PreparedBatch | None:
    """The statement compiled for rows with these keys, or None where only Core can run it.

    Core is left to run anything this does not reproduce exactly: other dialects,
    computed column defaults, renamed or late-rendered bind parameters.
    """
    if dialect.name != "sqlite":
        return None
    compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    defaults = {column.key: column.default.arg for column in compiled.insert_prefetch
                if column.default is not None and column.default.is_scalar}
    names = compiled.positiontup or []
    if (len(defaults) < len(compiled.insert_prefetch) or compiled.escaped_bind_names
            or compiled.post_compile_params or compiled.literal_execute_params
            or not set(names) <= set(keys) | set(defaults) or not set(names) & set(keys)):
        return None
    parameters = [_parameter(compiled, name, frozenset(keys), defaults) for name in names]
    runs = [tuple(run) for _, run in groupby(parameters, key=lambda p: p.is_copied)]
    return PreparedBatch(compiled.string, tuple(runs))


def execute_batch(connection: Connection, prepared: PreparedBatch, rows: Sequence[dict[str, Any]]) -> None:
    """Run a prepared statement once per row through the DBAPI cursor's executemany."""
    connection.exec_driver_sql(prepared.sql, prepared.parameter_rows(rows))
