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
from typing import Any

from listener.storage.reader import reader_of
from listener.storage.time_text import stored_time

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


RUNNING_RUNS = "SELECT id, owner FROM sync_runs WHERE status = 'running'"
CLOSE_RUN = ("UPDATE sync_runs SET status = 'interrupted', ended_at = :ended_at, error = :error "
             "WHERE id = :id AND status = 'running'")


def close_orphaned_runs(source: Any, now: datetime) -> int:
    """Mark `interrupted` every running run whose owner died (or is unknown); returns how many.

    `source`: a SQLAlchemy engine or connection, or a Reader."""
    reader = reader_of(source)
    orphans = [run_id for run_id, owner in reader.rows(RUNNING_RUNS)
               if owner != this_owner() and not owner_alive(owner)]
    if orphans:
        ended_at = stored_time(now, reader.dialect)
        reader.write([(CLOSE_RUN, {"ended_at": ended_at, "error": KILLED, "id": run_id}) for run_id in orphans])
    return len(orphans)
