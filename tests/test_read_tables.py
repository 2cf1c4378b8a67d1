"""The light read tables name real columns of the SQLModel tables, with their types, and read back what those wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, TableClause, insert, select
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import listener.storage.alert_models  # noqa: F401 - every table registered on SQLModel.metadata
import listener.storage.daemon_models  # noqa: F401
import listener.storage.dashboard_models  # noqa: F401
import listener.storage.index_models  # noqa: F401
import listener.storage.relationship_models  # noqa: F401
import listener.storage.worker_models  # noqa: F401
from listener.storage.models import IndexPointRow, ProfileRow, SyncRunRow
from listener.storage.read_tables import INDEX_POINTS, READ_TABLES, SYNC_RUNS
from listener.storage.upsert import table_of


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


def _written_and_read(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sync run and an index point written through the SQLModel tables, read back through the light ones."""
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    run = {"source": "s", "started_at": moment, "ended_at": moment, "status": "partial", "error": "e",
           "quarantined": 1, "skipped": 2, "unexpanded": 3, "streams": {"posts": {"pages": 2, "failed": False}},
           "owner": "host:1"}
    point = {"day": date(2026, 3, 1), "formula_version": "v", "components": {"sentiment": {"score": 51.5}},
             "coverage": 0.5, "used_components": ["sentiment"], "daily_index": 50.0, "running_index": None,
             "provisional": True}
    with engine.begin() as connection:
        connection.execute(insert(table_of(SyncRunRow)).values(**run))
        profile_id = connection.execute(insert(table_of(ProfileRow)).values(name="p")).inserted_primary_key[0]
        connection.execute(insert(table_of(IndexPointRow)).values(profile_id=profile_id, computed_at=moment, **point))
    with engine.connect() as connection:
        read_run = connection.execute(select(*(SYNC_RUNS.c[k] for k in run))).mappings().one()
        read_point = connection.execute(select(*(INDEX_POINTS.c[k] for k in point))).mappings().one()
    assert dict(read_run) == run and dict(read_point) == point
    return dict(read_run), dict(read_point)


def test_light_reads_decode_times_json_days_and_flags_on_sqlite(engine: Engine) -> None:
    run, point = _written_and_read(engine)
    assert run["started_at"].tzinfo is UTC and point["provisional"] is True


def test_light_reads_decode_times_json_days_and_flags_on_postgresql(pg_engine: Engine) -> None:
    run, point = _written_and_read(pg_engine)
    assert run["started_at"].tzinfo is UTC and point["provisional"] is True
