"""The migrations' Alembic configuration, for tests that move a database to a given revision themselves."""

from __future__ import annotations

from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection

from listener.storage.engine import MIGRATIONS_DIR


def migration_config(connection: Connection | None = None) -> AlembicConfig:
    """Alembic's configuration of our migrations, running on `connection` when one is given."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config
