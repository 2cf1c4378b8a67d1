"""One `ror run` per database: a lock file beside a SQLite database, an advisory lock on PostgreSQL.

Both locks die with the process that holds them (even on SIGKILL), so a crash never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

# Any fixed 64-bit number: every `ror run` on one PostgreSQL database asks for the same one.
ADVISORY_LOCK_KEY = 0x726F_725F_7275_6E  # "ror_run"


class AlreadyRunningError(Exception):
    """Another `ror run` holds this database's lock."""


class InstanceLock:
    """A held single-instance lock; release() (or leaving the `with` block) lets it go."""

    def __init__(self, description: str, fd: int | None = None, connection: Connection | None = None) -> None:
        self.description = description
        self._fd = fd
        self._connection = connection

    def release(self) -> None:
        """Give the lock back; calling it twice is harmless."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            self._connection.close()
            self._connection = None

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()


def lock_file_for(database: str) -> Path:
    """The lock file beside a SQLite database: `ror.db` -> `ror.db.lock`."""
    return Path(database).with_name(Path(database).name + ".lock")


def acquire_instance_lock(engine: Engine) -> InstanceLock:
    """Take the single-instance lock for the engine's database or raise AlreadyRunningError."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return InstanceLock("in-memory database (no lock needed)")
        return _lock_file(lock_file_for(url.database))
    if url.get_backend_name() == "postgresql":
        return _advisory_lock(engine, url.render_as_string(hide_password=True))
    raise AlreadyRunningError(f"cannot lock a {url.get_backend_name()} database; use SQLite or PostgreSQL")


def _lock_file(path: Path) -> InstanceLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyRunningError(
            f"another `ror run` (pid {holder}) is already running on this database: it holds {path}. "
            "Stop it first (SIGTERM), or point this one at another database."
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return InstanceLock(f"lock file {path}", fd=fd)


def _advisory_lock(engine: Engine, where: str) -> InstanceLock:
    connection = engine.connect()
    got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
    connection.commit()
    if not got:
        connection.close()
        raise AlreadyRunningError(
            f"another `ror run` is already running on this database ({where}): it holds PostgreSQL "
            f"advisory lock {ADVISORY_LOCK_KEY}. Stop it first (SIGTERM), or point this one at another database."
        )
    return InstanceLock(f"PostgreSQL advisory lock {ADVISORY_LOCK_KEY} on {where}", connection=connection)
