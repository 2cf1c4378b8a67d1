"""Rate-limit budgets per credential, shared by every source (and thread) that uses it.

Ten sources on one token see one quota: each request reserves a slot in the shared
budget, the platforms' quota headers feed it, and when little is left the slots are
spread until the window resets, so the sources do not earn a 429 together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from connectors.base import SourceSettings
from connectors.http import Quota, RetryPolicy


@dataclass(frozen=True)
class QuotaSnapshot:
    """What a budget knows right now (for status and metrics)."""

    credential: str
    remaining: float | None
    limit: float | None
    reset_at: datetime | None


@dataclass
class BudgetState:
    """Everything a budget remembers, so a budget kept in the database can be loaded and saved around one call."""

    remaining: float | None = None
    limit: float | None = None
    reset_at: datetime | None = None
    blocked_until: datetime | None = None
    next_slot: datetime | None = None


class QuotaBudget:
    """One credential's quota: reserve a slot before each request, record each response's headers."""

    def __init__(self, credential: str) -> None:
        self.credential = credential
        self._lock = threading.Lock()
        self._remaining: float | None = None
        self._limit: float | None = None
        self._reset_at: datetime | None = None
        self._blocked_until: datetime | None = None
        self._next_slot: datetime | None = None

    def reserve(self, now: datetime, policy: RetryPolicy) -> float:
        """Seconds to wait before sending; nothing is reserved when that exceeds policy.max_wait_seconds."""
        with self._lock:
            at = max(t for t in (now, self._blocked_until, self._next_slot) if t is not None)
            at = self._paced(at, policy.slow_down_below)
            wait = (at - now).total_seconds()
            if wait > policy.max_wait_seconds:
                return wait
            self._next_slot = at
            if self._reset_at is not None and at >= self._reset_at:
                self._remaining, self._reset_at = None, None  # a fresh window: its headers will tell
            elif self._remaining is not None:
                self._remaining -= 1
            return wait

    def _paced(self, at: datetime, slow_down_below: int) -> datetime:
        """Spread what is left of the window over the time until it resets."""
        remaining, reset_at = self._remaining, self._reset_at
        if remaining is None or reset_at is None or at >= reset_at or remaining > slow_down_below:
            return at
        if remaining < 1:
            return reset_at
        return at + (reset_at - at) / (remaining + 1)

    def record(self, quota: Quota) -> None:
        """Take in a response's quota headers; within one window the lower count wins (requests in flight)."""
        if quota.remaining is None:
            return
        with self._lock:
            same_window = quota.reset_at is not None and quota.reset_at == self._reset_at
            if same_window and self._remaining is not None:
                self._remaining = min(self._remaining, quota.remaining)
            else:
                self._remaining, self._reset_at = quota.remaining, quota.reset_at
            self._limit = quota.limit if quota.limit is not None else self._limit

    def block(self, until: datetime) -> None:
        """The platform said 429: nobody on this credential sends before `until`."""
        with self._lock:
            self._blocked_until = max(until, self._blocked_until or until)

    def state(self) -> BudgetState:
        """What the budget remembers (to store it)."""
        with self._lock:
            return BudgetState(self._remaining, self._limit, self._reset_at, self._blocked_until, self._next_slot)

    def restore(self, state: BudgetState) -> None:
        """Take up a stored state (one loaded from the database)."""
        with self._lock:
            self._remaining, self._limit, self._reset_at = state.remaining, state.limit, state.reset_at
            self._blocked_until, self._next_slot = state.blocked_until, state.next_slot

    def snapshot(self) -> QuotaSnapshot:
        """The budget's current view."""
        with self._lock:
            return QuotaSnapshot(self.credential, self._remaining, self._limit, self._reset_at)


def credential_key(settings: SourceSettings) -> str:
    """Which quota a source draws from: platform, host, and the variables its secrets come from.

    Platforms count unauthenticated calls per client address and the rest per token, so
    sources with no secret on one host share the anonymous budget of that host.
    """
    host = urlsplit(settings.base_url).netloc or settings.base_url
    secrets = "+".join(sorted(settings.secret_env_names().values())) or "anonymous"
    return f"{settings.platform}:{host}:{secrets}"


class BudgetBook:
    """Every credential's budget for one daemon; the same key always gives the same budget."""

    def __init__(self) -> None:
        self._budgets: dict[str, QuotaBudget] = {}
        self._lock = threading.Lock()

    def for_source(self, settings: SourceSettings) -> QuotaBudget:
        """The budget a source's requests draw from."""
        key = credential_key(settings)
        with self._lock:
            if key not in self._budgets:
                self._budgets[key] = QuotaBudget(key)
            return self._budgets[key]

    def snapshots(self) -> list[QuotaSnapshot]:
        """The view of every budget in use."""
        with self._lock:
            budgets = list(self._budgets.values())
        return [b.snapshot() for b in budgets]
