"""What `ror status` shows about the workers: who is alive, what each runs, queue depths, stalled jobs.

Read straight from the queue's tables on PostgreSQL, so any machine with the database
URL sees the same picture; on SQLite (no queue) there is nothing to show. Plain SQL with :named
parameters (listener/storage/reader.py), so `ror status` reads it without SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from listener.storage.reader import reader_of, reading
from listener.workers.plan import DEFAULT_STALL_SECONDS

WORKERS_SQL = """
    SELECT w.id, w.last_heartbeat, now() - w.last_heartbeat < make_interval(secs => :stall) AS alive,
           count(j.id) AS running
      FROM procrastinate_workers w
      LEFT JOIN procrastinate_jobs j ON j.worker_id = w.id AND j.status = 'doing'
     GROUP BY w.id ORDER BY w.id"""
QUEUES_SQL = """
    SELECT queue_name, count(*) FILTER (WHERE status = 'todo') AS waiting,
           count(*) FILTER (WHERE status = 'doing') AS running,
           count(*) FILTER (WHERE status = 'failed') AS failed
      FROM procrastinate_jobs GROUP BY queue_name ORDER BY queue_name"""
STALLED_SQL = """
    SELECT j.id, j.queue_name, j.task_name, j.args::text AS args, j.worker_id
      FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id
     WHERE j.status = 'doing' AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => :stall))
     ORDER BY j.id"""
HAS_QUEUE_SQL = "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"


@dataclass
class WorkerView:
    """One registered worker."""

    id: int
    last_heartbeat: datetime
    alive: bool
    running: int


@dataclass
class QueueView:
    """Jobs of one queue by state."""

    queue: str
    waiting: int
    running: int
    failed: int


@dataclass
class StalledJob:
    """A job marked running whose worker stopped sending heartbeats."""

    id: int
    queue: str
    task: str
    args: str
    worker_id: int | None


@dataclass
class QueueStatus:
    """Workers, queue depths and stalled jobs of one database."""

    workers: list[WorkerView] = field(default_factory=list)
    queues: list[QueueView] = field(default_factory=list)
    stalled: list[StalledJob] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with ISO timestamps."""
        data = asdict(self)
        for worker in data["workers"]:
            worker["last_heartbeat"] = worker["last_heartbeat"].isoformat()
        return data


def has_queue(source: Any) -> bool:
    """True on a PostgreSQL database that holds the task queue's tables. `source`: an engine or a Reader."""
    reader = reader_of(source)
    return reader.dialect == "postgresql" and bool(reader.rows(HAS_QUEUE_SQL)[0][0])


def queue_status(source: Any, stall_seconds: float = DEFAULT_STALL_SECONDS) -> QueueStatus:
    """The workers, queues and stalled jobs as the database sees them now. `source`: an engine or a Reader."""
    with reading(source) as reader:
        workers = [WorkerView(*row) for row in reader.rows(WORKERS_SQL, {"stall": stall_seconds})]
        queues = [QueueView(*row) for row in reader.rows(QUEUES_SQL)]
        stalled = [StalledJob(*row) for row in reader.rows(STALLED_SQL, {"stall": stall_seconds})]
    return QueueStatus(workers, queues, stalled)
