"""SQLite as the daemon uses it (WAL, a busy timeout, foreign keys) and the migration revision, without SQLAlchemy.

The read commands open a database at head through the standard library's sqlite3 alone; the
engine (listener/storage/engine.py) applies the same tuning to every SQLAlchemy connection. The
revision check takes any DB-API connection: PostgreSQL's plain path (postgres_direct.py) uses it too.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]+)?=\s*['"]?([\w-]+|None)['"]?""", re.MULTILINE)
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_PREFIX = "sqlite:///"
STORED_REVISION = "SELECT version_num FROM alembic_version"  # where Alembic keeps the revision a database is at

# sqlite3 binds None as NULL only after looking for an adapter, and without one registered for None that look-up
# raises and clears two AttributeErrors per None parameter (~0.5 us each; an item row has seven Nones). An adapter
# that gives None back (an empty dict's `get`, in C) is found with one dict look-up; the value bound is NULL as
# before. Process-wide, for every sqlite3 connection: it changes no stored value, only how fast None is bound.
_NOTHING: dict[None, None] = {}
sqlite3.register_adapter(type(None), _NOTHING.get)


def tune_sqlite(dbapi_connection: Any, _record: Any = None) -> None:
    """WAL, a busy timeout, foreign keys and normal syncs on one DB-API connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_file_of(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL that exists; None for any other URL (SQLAlchemy reads those)."""
    if not url.startswith(SQLITE_PREFIX) or "?" in url:
        return None
    path = url[len(SQLITE_PREFIX):]
    if not path or path == ":memory:" or not Path(path).is_file():
        return None
    return Path(path)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration's revision, read from the files (None unless there is exactly one head)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for key, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if key == "revision" else parents).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def open_sqlite_at_head(path: Path) -> sqlite3.Connection | None:
    """A tuned connection to the SQLite file when its stored revision is the head; None when it must be migrated."""
    head = head_revision()
    if head is None:
        return None
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        tune_sqlite(connection)
    except sqlite3.Error:
        connection.close()
        return None
    return connection if is_at_head(connection, sqlite3.Error) else None


def is_at_head(connection: Any, errors: type[Exception] | tuple[type[Exception], ...]) -> bool:
    """True when a DB-API connection's database stores the head revision; else False, the connection closed.

    `errors`: the driver's exceptions that mean "no revision here" (no such table, not a database)."""
    head = head_revision()
    try:
        cursor = connection.cursor()
        cursor.execute(STORED_REVISION)
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
    except errors:
        rows = []
    if head is not None and rows == [(head,)]:
        return True
    connection.close()
    return False
