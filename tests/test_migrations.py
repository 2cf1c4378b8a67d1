"""The migrations build the schema the models describe, and each one can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect
from sqlmodel import SQLModel

import listener.storage.alert_models  # each of these modules registers its tables on SQLModel.metadata
import listener.storage.daemon_models
import listener.storage.dashboard_models
import listener.storage.index_models
import listener.storage.models
import listener.storage.relationship_models
import listener.storage.worker_models  # noqa: F401
from listener.storage.engine import make_engine, open_database
from tests.migration_config import migration_config


def test_a_database_migrated_to_head_has_exactly_the_models_tables_columns_and_indexes(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'head.db'}")
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert len(SQLModel.metadata.tables) > 40  # every model module above was read
    assert differences == []


def tables_and_indexes(connection: Connection) -> dict[str, list[str]]:
    """Each table's name with its indexes' names."""
    inspector = inspect(connection)
    return {table: sorted(str(index["name"]) for index in inspector.get_indexes(table))
            for table in inspector.get_table_names()}


def newest_migration_down_and_up(connection: Connection) -> None:
    """Upgrade to head, undo the newest migration and redo it: the same tables and indexes as at head."""
    config = migration_config(connection)
    command.upgrade(config, "head")
    at_head = tables_and_indexes(connection)
    command.downgrade(config, "-1")
    command.upgrade(config, "head")
    assert tables_and_indexes(connection) == at_head


def test_the_newest_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        newest_migration_down_and_up(connection)
    engine.dispose()


def test_the_newest_migration_goes_down_and_up_again_on_postgresql(empty_pg_url: str) -> None:
    engine = make_engine(empty_pg_url)
    with engine.begin() as connection:
        newest_migration_down_and_up(connection)
    engine.dispose()


def test_a_postgresql_database_migrated_to_head_has_exactly_the_models_schema(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    ours = [d for d in differences if "procrastinate" not in repr(d)]  # the job queue's own tables, its own schema
    assert ours == []
