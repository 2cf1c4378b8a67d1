"""Sync run records: who runs a sync (host:pid), and closing the runs of processes that died.

A run is opened as `running` with its owner and always closed with `ok`, `partial`,
`failed`, `deferred` or `interrupted`. A SIGKILL leaves no chance to close it, so every
later `ror sync`, `ror status` and daemon start closes runs whose owner is a process on
this host that no longer exists.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import Engine, select, update

from listener.storage.read_tables import SYNC_RUNS

KILLED = "interrupted: the process running this sync ended without closing it; the next sync resumes from the cursor"
FINAL_STATES = ("ok", "partial", "failed", "deferred", "interrupted")


def this_owner() -> str:
    """`host:pid` of the current process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None, host: str | None = None) -> bool:
    """Whether the owner process still exists; owners on other hosts are assumed alive, unknown ones dead."""
    if not owner or ":" not in owner:
        return False
    owner_host, _, pid = owner.rpartition(":")
    if owner_host != (host or socket.gethostname()):
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True  # someone else's process (or not a pid we can test): leave its run alone
    return True


def close_orphaned_runs(engine: Engine, now: datetime) -> int:
    """Mark `interrupted` every running run whose owner died (or is unknown); returns how many."""
    runs = SYNC_RUNS
    with engine.begin() as connection:
        rows = connection.execute(select(runs.c.id, runs.c.owner).where(runs.c.status == "running")).all()
        orphans = [row.id for row in rows if row.owner != this_owner() and not owner_alive(row.owner)]
        if orphans:
            connection.execute(update(runs).where(runs.c.id.in_(orphans), runs.c.status == "running")
                               .values(status="interrupted", ended_at=now, error=KILLED))
    return len(orphans)
