"""How far one sync may go: pages per stream, a deadline for the whole sync, a deadline per response.

The sync engine sets the run's deadline with `sync_deadline()`; every request the
connectors send checks it (through `connectors.http`), so no stream, retry loop or
trickling body outlives it. The deadline lives in a context variable: each daemon job
runs in its own thread and sees only its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.errors import DeadlineExceededError

DEFAULT_MAX_PAGES_PER_STREAM = 500
DEFAULT_SYNC_DEADLINE_SECONDS = 1800.0
DEFAULT_RESPONSE_DEADLINE_SECONDS = 120.0


@dataclass(frozen=True)
class SyncLimits:
    """The caps of one sync (the `[sync]` table of the config)."""

    max_pages_per_stream: int = DEFAULT_MAX_PAGES_PER_STREAM
    deadline_seconds: float = DEFAULT_SYNC_DEADLINE_SECONDS
    response_deadline_seconds: float = DEFAULT_RESPONSE_DEADLINE_SECONDS


@dataclass(frozen=True)
class RunDeadline:
    """When the running sync must end, and how long one response may take at most."""

    at: datetime | None = None
    response_seconds: float = DEFAULT_RESPONSE_DEADLINE_SECONDS

    def for_response(self, now: datetime) -> datetime:
        """When a response started now must be read completely."""
        end = now + timedelta(seconds=self.response_seconds)
        return min(end, self.at) if self.at is not None else end


_NO_DEADLINE = RunDeadline()
_deadline: ContextVar[RunDeadline | None] = ContextVar("ror_sync_deadline", default=None)


@contextmanager
def sync_deadline(at: datetime, response_seconds: float = DEFAULT_RESPONSE_DEADLINE_SECONDS) -> Iterator[None]:
    """Within the block, requests sent after `at` raise DeadlineExceededError."""
    token = _deadline.set(RunDeadline(at, response_seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> RunDeadline:
    """The running sync's deadline (no end outside a sync)."""
    return _deadline.get() or _NO_DEADLINE


def check_deadline(now: datetime) -> None:
    """Raise DeadlineExceededError if the running sync's deadline has passed."""
    deadline = current_deadline().at
    if deadline is not None and now >= deadline:
        raise DeadlineExceededError(f"the sync deadline ({deadline.isoformat(timespec='seconds')}) has passed; "
                                    "the next sync resumes from the cursor")
