"""A real PostgreSQL server for tests: $ROR_TEST_POSTGRES_URL, else a throwaway cluster on loopback."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL_ENV = "ROR_TEST_POSTGRES_URL"


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory (Debian layout), if any."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[str]:
    """initdb + pg_ctl start on 127.0.0.1:<free port>; yields a SQLAlchemy URL; removed after."""
    root = Path(tempfile.mkdtemp(prefix="ror-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_server_user(cmd), check=True, capture_output=True, timeout=120)  # noqa: E731
    run([str(bindir / "initdb"), "-D", str(data), "-U", "ror", "--auth=trust", "-E", "UTF8"])
    run([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"),
         "-o", f"-p {port} -h 127.0.0.1 -k {root}", "start"])
    try:
        yield f"postgresql+psycopg://ror@127.0.0.1:{port}/postgres"
    finally:
        run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """A server URL to test against, or None when there is no PostgreSQL here at all."""
    if os.environ.get(URL_ENV):
        yield os.environ[URL_ENV]
        return
    bindir = find_bindir()
    if bindir is None:
        yield None
        return
    with throwaway_cluster(bindir) as url:
        yield url
