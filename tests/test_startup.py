"""Commands start faster: a database at head opens without Alembic, one behind it is still migrated, and the
read commands (`ror status`, `ror index`) load no connector, SQLModel, scheduler or aggregator code, and no
SQLAlchemy on a SQLite file or a PostgreSQL database at head."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, text

from connectors.registry import PLATFORMS
from listener.cli.main import EXAMPLE_CONFIG
from listener.config.settings import load_config
from listener.index.formula import formula_version
from listener.storage.engine import head_revision, make_engine, open_database, stored_revision
from listener.storage.models import IndexPointRow, ProfileRow
from listener.storage.upsert import table_of
from tests.migration_config import migration_config

HEAVY = ("sqlalchemy", "alembic", "sqlmodel", "pydantic", "connectors.registry", "listener.config.settings",
         "listener.index.aggregate", "httpx")


# What the read commands must not load: each is a large share of their start or pulls one in.
NOT_FOR_READING = (
    "httpx", "tenacity", "jwt", "cryptography", "sqlmodel", "sqlalchemy.orm", "alembic", "connectors.http",
    "listener.storage.models", "listener.storage.store", "listener.index.aggregate", "listener.daemon.scheduling",
    "apscheduler.schedulers",
    *(platform.connector.partition(":")[0] for platform in PLATFORMS.values()),
    "connectors.ga4.reports", "connectors.ga4.auth", "connectors.hubspot.crm", "connectors.typeform.responses",
    "scoring.sentiment", "scoring.backends.registry", "scoring.vader", "scoring.alert_detectors", "scoring.series",
    "scoring.signals", "connectors.base",
    "html", "rich._emoji_codes", "listener.workers.status",  # the redaction's HTML forms, Rich's emoji, the PG queue
    "sqlalchemy",  # at head the reads are plain SQL through sqlite3 or psycopg (SQLAlchemy is half the start)
    *(f"connectors.{name}.settings" for name in PLATFORMS if name != "mastodon"),  # the example names only Mastodon
)


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stderr.split()


def test_help_loads_no_database_config_or_connector_code() -> None:
    assert _loaded_after("import listener.cli.main") == []


def test_head_revision_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(migration_config()).get_current_head()


def test_database_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    open_database(url).dispose()
    assert stored_revision(make_engine(url)) == head_revision()
    assert "alembic" not in _loaded_after(f"from listener.storage.engine import open_database\nopen_database({url!r})")


def test_database_behind_head_is_still_migrated(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'ror.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:  # a database left at revision 0004 by an older release
        command.upgrade(migration_config(connection), "0004")
    assert stored_revision(engine) == "0004"
    open_database(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM engager_states")).scalar() == 0
    assert stored_revision(engine) == head_revision()


def _store_one_point(config: Any, engine: Engine) -> None:
    """The config's profile and one index point to show."""
    profile = config.profiles[0]
    with engine.begin() as connection:
        profile_id = connection.execute(insert(table_of(ProfileRow)).values(name=profile.name)).inserted_primary_key[0]
        connection.execute(insert(table_of(IndexPointRow)).values(
            profile_id=profile_id, day=date(2026, 3, 1), formula_version=formula_version(profile.index),
            components={}, computed_at=datetime(2026, 3, 2, tzinfo=UTC)))


def _example_config(tmp_path: Path, url_env: str | None = None) -> Path:
    """The example config (a Mastodon source); with `url_env`, its database URL read from that variable."""
    path = tmp_path / "ror.toml"
    shutil.copyfile(EXAMPLE_CONFIG, path)
    if url_env:
        text = path.read_text(encoding="utf-8").replace('url = "sqlite:///ror.db"', f'url_env = "{url_env}"', 1)
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def stored_config(tmp_path: Path) -> Path:
    """The example config and its SQLite database, at head, holding one index point to show."""
    path = _example_config(tmp_path)
    config = load_config(path)
    engine = open_database(config.database_url())
    _store_one_point(config, engine)
    engine.dispose()
    return path


PG_URL_ENV = "ROR_TEST_READ_DATABASE_URL"


@pytest.fixture
def pg_stored_config(tmp_path: Path, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example config on a PostgreSQL database at head (URL with a password, from the environment, as an
    agency keeps it; the test server trusts loopback), holding one index point to show."""
    url = pg_engine.url.set(password="not-asked-for").render_as_string(hide_password=False)
    monkeypatch.setenv(PG_URL_ENV, url)
    path = _example_config(tmp_path, PG_URL_ENV)
    _store_one_point(load_config(path), pg_engine)
    return path


@pytest.mark.parametrize("command", ["status", "index"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_read_commands_load_no_connector_sqlmodel_scheduler_or_aggregator(
        request: pytest.FixtureRequest, backend: str, command: str) -> None:
    stored_config = request.getfixturevalue("stored_config" if backend == "sqlite" else "pg_stored_config")
    # On PostgreSQL the worker queue's status is read (as plain SQL too), and the URL's password is redacted in
    # its HTML forms as well (html loaded).
    read_on_postgresql = ("listener.workers.status", "html")
    not_loaded = tuple(m for m in NOT_FOR_READING if backend == "sqlite" or m not in read_on_postgresql)
    run = (f"import sys\nsys.argv = ['ror', {command!r}, '--config', {str(stored_config)!r}]\n"
           f"{RECORD_BUILT_COMMANDS}from listener.cli.main import app\ntry:\n    app()\n"
           "except SystemExit as end:\n    assert not end.code, end\n"
           f"print(' '.join(m for m in {not_loaded!r} if m in sys.modules), file=sys.stderr)\n"
           "print('built:', *built, 'entry points read:', len(scans), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, check=True)
    assert "acme" in done.stdout  # the command ran and showed the profile's sources or index
    # Nothing it must not load; typer built no other command; reading the config read no package's entry points
    # (pydantic's plugin look-up: `ror index` still has it once, when the index settings are first serialised).
    loaded, scanned = done.stderr.split("built:")
    assert loaded.split() == [] and scanned.split()[0] == command and len(scanned.split()) == 5
    assert scanned.split()[-1] == ("0" if command == "status" else "1")


@pytest.mark.parametrize("command", ["status", "index"])
def test_read_commands_create_or_migrate_a_database_not_at_head_as_before(tmp_path: Path, command: str) -> None:
    path = tmp_path / "ror.toml"
    shutil.copyfile(EXAMPLE_CONFIG, path)
    url = load_config(path).database_url()
    done = subprocess.run([sys.executable, "-m", "listener.cli.main", command, "--config", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert stored_revision(make_engine(url)) == head_revision()  # a missing database was created at head


def test_status_on_a_file_that_is_no_database_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "ror.toml"
    shutil.copyfile(EXAMPLE_CONFIG, path)
    url = load_config(path).database_url()
    Path(url.removeprefix("sqlite:///")).write_bytes(b"not a database" * 100)
    done = subprocess.run([sys.executable, "-m", "listener.cli.main", "status", "--config", str(path)],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (5, "")
    assert done.stderr == f"database error: DatabaseError: file is not a database ({url})\n"


def test_status_creates_the_schema_on_an_empty_postgresql_database_as_before(
        tmp_path: Path, empty_pg_url: str) -> None:
    path = _example_config(tmp_path, PG_URL_ENV)
    done = subprocess.run([sys.executable, "-m", "listener.cli.main", "status", "--config", str(path)],
                          capture_output=True, text=True, check=False, env={**os.environ, PG_URL_ENV: empty_pg_url})
    assert done.returncode == 0, done.stderr
    engine = make_engine(empty_pg_url)
    assert stored_revision(engine) == head_revision()
    engine.dispose()


def test_status_on_a_postgresql_server_that_is_down_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgresql://ror:hush-hush@127.0.0.1:{port}/ror"
    path = _example_config(tmp_path, PG_URL_ENV)
    done = subprocess.run([sys.executable, "-m", "listener.cli.main", "status", "--config", str(path)],
                          capture_output=True, text=True, check=False, env={**os.environ, PG_URL_ENV: url})
    assert (done.returncode, done.stdout) == (5, "")
    assert done.stderr == (f'database error: OperationalError: connection failed: connection to server at "127.0.0.1", '
                           f"port {port} failed: Connection refused (postgresql://ror:***@127.0.0.1:{port}/ror)\n")


# Counts the commands typer turns into click commands (each costs a signature read and its options).
RECORD_BUILT_COMMANDS = """import typer.main
built, build = [], typer.main.get_command_from_info
def recording(*info, **settings):
    built.append(build(*info, **settings).name)
    return build(*info, **settings)
typer.main.get_command_from_info = recording
import importlib.metadata
scans, scan = [], importlib.metadata.entry_points
def scanning(*args, **kwargs):
    scans.append(kwargs)
    return scan(*args, **kwargs)
importlib.metadata.entry_points = scanning
"""


@pytest.mark.parametrize("before", [None, "logfire"])
def test_loading_the_config_leaves_pydantics_plugin_switch_as_it_was(before: str | None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if before is None:
        monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", before)
    load_config(EXAMPLE_CONFIG)
    assert os.environ.get("PYDANTIC_DISABLE_PLUGINS") == before
