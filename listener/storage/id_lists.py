"""`column IN (a list of ids)` with the list bound as one parameter, so the statement compiles once.

SQLAlchemy's expanding IN renders the SQL again for every execution (and SQLite prepares each
length anew), which cost the sync's per-page reads more than running them. Here SQLite reads the
list as a JSON array through `json_each` (the planner still looks each id up in the index) and
PostgreSQL as an array through `= ANY`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Text, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


class IdList(TypeDecorator[Sequence[str]]):
    """A list of ids bound as one value: a JSON array on SQLite, a text array on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Text()))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Sequence[str] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(list(value))


def in_ids(column: ColumnElement[Any], dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """`column` is one of the ids bound to `name` (a list), written for `dialect`."""
    parameter = bindparam(name, type_=IdList())
    if dialect == "postgresql":
        return column == any_(parameter)
    return column.in_(select(func.json_each(parameter).table_valued("value").c.value))



class IdListIn(FunctionElement[bool]):
    """`column IN ids` with the ids bound as one IdList value: one SQL text whatever the list's length."""

    type = Boolean()
    inherit_cache = True
    name = "id_list_in"
    _is_implicitly_boolean = True  # a comparison: SQLite must not get `... = 1` (its planner would skip the index)


def in_id_list(column: ColumnElement[Any], ids: Sequence[str]) -> ColumnElement[bool]:
    """`column` is one of `ids`, the list bound as one value (see IdListIn), for SQLite and PostgreSQL."""
    return IdListIn(column, bindparam(None, list(ids), type_=IdList(), unique=True))


def in_named_id_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`in_id_list` with the list bound to the parameter `name`: for statements built once and run with new ids."""
    return IdListIn(column, bindparam(name, type_=IdList()))


@compiles(IdListIn)
def _in_json_array(element: IdListIn, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = element.clauses
    return f"{compiler.process(column, **kw)} IN (SELECT value FROM json_each({compiler.process(ids, **kw)}))"


@compiles(IdListIn, "postgresql")
def _any_of_array(element: IdListIn, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = element.clauses
    return f"{compiler.process(column, **kw)} = ANY ({compiler.process(ids, **kw)})"
