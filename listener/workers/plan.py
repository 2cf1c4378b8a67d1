"""The shape of the work, whatever the queue engine: queue names, timings, periods as cron lines, the database check."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

POLL_QUEUE, PROCESS_QUEUE, EXPORT_QUEUE, MAINTENANCE_QUEUE = "poll", "process", "export", "maintenance"
QUEUES = (POLL_QUEUE, PROCESS_QUEUE, EXPORT_QUEUE, MAINTENANCE_QUEUE)
DEFAULT_HEARTBEAT_SECONDS = 10.0
DEFAULT_STALL_SECONDS = 60.0
MAX_STALL_RETRIES = 3  # a job that kills its worker three times is failed, not retried for ever
MINUTE_DIVISORS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)
HOUR_DIVISORS = (1, 2, 3, 4, 6, 8, 12, 24)


class WorkerSetupError(Exception):
    """`ror worker` cannot run with this configuration (a SQLite database, say)."""


@dataclass(frozen=True)
class WorkerTimings:
    """How often a worker says it is alive, and after how long without that its jobs count as stalled."""

    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS
    stall_seconds: float = DEFAULT_STALL_SECONDS


def queue_url(database_url: str) -> str:
    """The libpq URL of the config's PostgreSQL database; WorkerSetupError for anything else."""
    from sqlalchemy.engine import make_url  # start-up time: the CLI reads QUEUES for its help

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise WorkerSetupError(
            f"`ror worker` needs PostgreSQL, but the config's database is {url.get_backend_name()} "
            f"({url.render_as_string(hide_password=True)}). Use `ror run` for a single process on SQLite, "
            "or set [database] url to a postgresql:// URL shared by all workers.")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def cron_for(seconds: float, key: str = "") -> str:
    """A cron line firing every `seconds` (rounded down to a divisor of the minute, hour or day), offset by `key`.

    Periods are clock-aligned slots, so every worker computes the same period start; the
    offset (a hash of the source name) spreads sources with one interval over the slot.
    """
    spread = zlib.crc32(key.encode())
    if seconds < 60:
        step = max(d for d in MINUTE_DIVISORS if d <= max(1, int(seconds)))
        return f"* * * * * {spread % step}-59/{step}"
    if seconds < 3600:
        step = max(d for d in MINUTE_DIVISORS if d <= int(seconds // 60))
        return f"{spread % step}-59/{step} * * * *"
    if seconds < 86400:
        step = max(d for d in HOUR_DIVISORS if d <= int(seconds // 3600))
        return f"{spread % 60} {spread % step}-23/{step} * * *"
    return f"{spread % 60} {spread % 24} * * *"
