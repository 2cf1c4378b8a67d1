"""The read commands' light table constructs name real columns of the SQLModel tables, with the same types."""

from __future__ import annotations

import pytest
from sqlalchemy import TableClause
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import listener.storage.alert_models  # noqa: F401 - every table registered on SQLModel.metadata
import listener.storage.daemon_models  # noqa: F401
import listener.storage.dashboard_models  # noqa: F401
import listener.storage.index_models  # noqa: F401
import listener.storage.models  # noqa: F401
import listener.storage.relationship_models  # noqa: F401
import listener.storage.worker_models  # noqa: F401
from listener.storage.read_tables import READ_TABLES


@pytest.mark.parametrize("light", READ_TABLES, ids=lambda t: t.name)
def test_every_read_column_is_a_column_of_its_table_with_its_type(light: TableClause) -> None:
    real = SQLModel.metadata.tables[light.name]
    for column in light.columns:
        assert column.name in real.columns, f"{light.name}.{column.name} is not a column of the table"
        real_type, read_type = real.columns[column.name].type, column.type
        if isinstance(read_type, TypeDecorator):  # our own types (UTC times): the very same type
            assert type(real_type) is type(read_type), f"{light.name}.{column.name}: {real_type!r}"
        else:  # SQLModel's AutoString is a String, a JSON document is JSON on SQLite (JSONB on PostgreSQL)
            assert real_type._type_affinity is read_type._type_affinity, f"{light.name}.{column.name}: {real_type!r}"
