"""Commands start faster: a database at head opens without Alembic, one behind it is still migrated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import text

from listener.storage.engine import MIGRATIONS_DIR, head_revision, make_engine, open_database, stored_revision

HEAVY = ("sqlalchemy", "alembic", "sqlmodel", "pydantic", "connectors.registry", "listener.config.settings",
         "listener.index.aggregate", "httpx")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stderr.split()


def test_help_loads_no_database_config_or_connector_code() -> None:
    assert _loaded_after("import listener.cli.main") == []


def test_head_revision_read_from_the_files_is_alembics_head() -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_database_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    open_database(url).dispose()
    assert stored_revision(make_engine(url)) == head_revision()
    assert "alembic" not in _loaded_after(f"from listener.storage.engine import open_database\nopen_database({url!r})")


def test_database_behind_head_is_still_migrated(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite:///{tmp_path / 'ror.db'}"
    engine = make_engine(url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:  # a database left at revision 0004 by an older release
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    assert stored_revision(engine) == "0004"
    open_database(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM engager_states")).scalar() == 0
    assert stored_revision(engine) == head_revision()
