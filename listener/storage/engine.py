"""The database engine: SQLite tuned for a daemon (WAL, busy timeout, foreign keys), or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from listener.storage.json_text import json_text
from listener.storage.sqlite_file import (  # noqa: F401  (MIGRATIONS_DIR, head_revision: re-exported)
    MIGRATIONS_DIR,
    SQLITE_BUSY_TIMEOUT_MS,
    STORED_REVISION,
    head_revision,
    tune_sqlite,
)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def shown_url(url: str) -> str:
    """The URL as messages may show it: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable database URL)"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite connections get WAL, a busy timeout and foreign keys.

    Raises ArgumentError (a SQLAlchemyError) naming the URL for a backend we do not support or
    a SQLite directory that cannot be created.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ArgumentError(f"{shown_url(url)}: {parsed.get_backend_name()} is not supported; "
                            "use sqlite:///PATH or postgresql://USER@HOST/DATABASE")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ArgumentError(f"{database}: cannot create its directory ({error.strerror}); "
                                    "choose a path you may write to") from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, json_serializer=json_text)
        event.listen(engine, "connect", tune_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def stored_revision(engine: Engine) -> str | None:
    """The revision the database says it is at (one plain query; None when it has none or several)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(STORED_REVISION)).all()
    except SQLAlchemyError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (run on every start).

    A database already at head is recognised with one plain query, so commands that only read
    never import Alembic (it is most of a command's start-up time).
    """
    head = head_revision()
    if head is not None and stored_revision(engine) == head:
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(url: str) -> Engine:
    """An engine with the schema migrated to head."""
    engine = make_engine(url)
    migrate(engine)
    return engine
