"""The jobs of `ror worker` as plain functions: poll a source, process a profile, export a profile.

These know nothing of the queue engine. What they need from it is the `Deferrer` below
(ask for a profile's processing after new data); listener.workers.app binds them to
Procrastinate, and another engine (Celery, RQ...) would bind the same functions.
They reuse the steps `ror run` uses: sync_source, score_pending, aggregate_profile,
run_alert_cycle, write_weekly_exports.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from sqlalchemy import Engine, select, text, update

from connectors.base import SourceSettings
from connectors.clock import Clock, utc_now
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.config.settings import Config, ConfigError, ProfileConfig, source_secrets
from listener.daemon.health import (
    DaemonMetrics,
    SourceHealth,
    close_running_runs,
    mark_interrupted,
    record_failed_run,
    save_source_health,
)
from listener.daemon.logs import Redactor, config_secrets
from listener.daemon.scheduling import export_trigger, next_run_delay, source_interval
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import score_pending
from listener.storage.daemon_models import SourceHealthRow
from listener.storage.models import SyncRunRow
from listener.storage.upsert import table_of
from listener.workers.budget import StoredBudgetBook

log = logging.getLogger("ror.worker")
TransportFactory = Callable[[], httpx.BaseTransport]
ALERTS_LOCK_KEY = 0x726F_725F_616C_72  # "ror_alr": any fixed number all workers agree on
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class Deferrer(Protocol):
    """What the task functions ask of the queue engine."""

    def defer_processing(self, profile: str) -> bool:
        """Queue scoring + aggregation + alerts for a profile; False if one is already queued (coalesced)."""


class PollInterrupted(BaseException):
    """The worker is draining: the poll ends after the page it stored (a BaseException, past `except Exception`)."""


@dataclass
class WorkerRuntime:
    """What every task of one worker process shares: config, engine, clock, HTTP, budgets, metrics, stop flag."""

    config: Config
    engine: Engine
    clock: Clock = utc_now
    transport: TransportFactory | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    stopping: threading.Event = field(default_factory=threading.Event)
    redact: Redactor = field(init=False)
    budgets: StoredBudgetBook = field(init=False)
    metrics: DaemonMetrics = field(init=False)

    def __post_init__(self) -> None:
        self.redact = Redactor(config_secrets(self.config))
        self.budgets = StoredBudgetBook(self.engine)
        self.metrics = DaemonMetrics(lambda: [], lambda: [])

    def check_stop(self) -> None:
        """Raise PollInterrupted when the worker is draining (called between pages)."""
        if self.stopping.is_set():
            raise PollInterrupted

    def find_source(self, name: str) -> tuple[ProfileConfig, SourceSettings] | None:
        """The enabled source of that name and its profile, or None if it left the config."""
        return next(((p, s) for p, s in self.config.sources() if s.name == name and s.enabled), None)

    def find_profile(self, name: str) -> ProfileConfig | None:
        """The profile of that name, or None."""
        return next((p for p in self.config.profiles if p.name == name), None)


@dataclass(frozen=True)
class PollReport:
    """How one poll of a source ended."""

    source: str
    status: str  # ok | partial | failed | deferred | interrupted | backing off | unknown source
    items: int = 0
    next_run_at: datetime | None = None


# ---- poll a source ---------------------------------------------------------------------


def poll_source(runtime: WorkerRuntime, deferrer: Deferrer, name: str, period: datetime | None = None) -> PollReport:
    """Sync one source page by page, record its health, then ask for its profile's processing.

    `period` is the start of the polling period this poll serves (for the log), if it was scheduled.
    """
    found = runtime.find_source(name)
    if found is None:
        log.info("%s: not an enabled source in the config any more; nothing to poll", name)
        return PollReport(name, "unknown source")
    profile, settings = found
    now = runtime.clock()
    # The job's lock means no other poll of this source runs now: a run still marked running is
    # what a killed worker left behind (its job is being retried here).
    if mark_interrupted(runtime.engine, now, name):
        log.info("%s: closed the run a stopped worker left open; resuming from the cursor", name)
    failures, backoff_until = _failure_state(runtime.engine, name)
    if failures and backoff_until is not None and now < backoff_until:
        log.info("%s: backing off after %d failure(s) until %s", name, failures, backoff_until.isoformat())
        return PollReport(name, "backing off", next_run_at=backoff_until)
    started = time.monotonic()
    result = _sync(runtime, profile, settings)
    _scrub_last_error(runtime, name)
    failures = 0 if result.status != "failed" else failures + 1
    interval = source_interval(settings.interval_minutes, runtime.config.daemon)
    cap = timedelta(minutes=runtime.config.daemon.backoff_max_minutes)
    next_at = runtime.clock() + (next_run_delay(interval, failures, cap) if failures else interval)
    quota = runtime.budgets.for_source(settings).snapshot()
    save_source_health(runtime.engine, SourceHealth(name, failures, next_at, quota), runtime.clock())
    runtime.metrics.observe_run(name, result.status, result.items, time.monotonic() - started)
    error = f" ({runtime.redact(result.error)})" if result.error else ""
    served = f"; period {period.isoformat(timespec='seconds')}" if period else ""
    log.log(logging.WARNING if result.status == "failed" else logging.INFO, "%s: %s, %d items%s%s",
            name, result.status, result.items, error, served)
    if result.items and result.status != "failed":
        deferrer.defer_processing(profile.name)
    return PollReport(name, result.status, result.items, next_at)


def _failure_state(engine: Engine, source: str) -> tuple[int, datetime | None]:
    """Consecutive failures and the backoff's end, as the last poll (by any worker) saved them."""
    health = table_of(SourceHealthRow)
    with engine.connect() as connection:
        row = connection.execute(select(health.c.consecutive_failures, health.c.next_run_at)
                                 .where(health.c.source == source)).first()
    return (row.consecutive_failures, row.next_run_at) if row is not None else (0, None)


def _sync(runtime: WorkerRuntime, profile: ProfileConfig, settings: SourceSettings) -> SyncResult:
    try:
        secrets = source_secrets(settings)
    except ConfigError as error:
        return record_failed_run(runtime.engine, settings.name, f"skipped: {error}", runtime.clock())
    connector = build_connector(settings, secrets=secrets, transport=runtime.transport() if runtime.transport else None,
                                clock=runtime.clock, sleep=_stoppable_sleep(runtime), policy=runtime.policy,
                                budget=runtime.budgets.for_source(settings))
    try:
        return sync_source(runtime.engine, profile.name, profile.timezone, settings, connector,
                           clock=runtime.clock, on_page=lambda _stream, _page: runtime.check_stop())
    except PollInterrupted:
        mark_interrupted(runtime.engine, runtime.clock(), settings.name)
        log.info("%s: stopped between two pages; the next poll resumes from the cursor", settings.name)
        return SyncResult(settings.name, status="interrupted")
    except Exception as failure:  # noqa: BLE001 - the store failed (database down?): record it like any failure
        log.exception("%s: sync failed outside its streams", settings.name)
        result = SyncResult(settings.name, status="failed", errors=[f"{type(failure).__name__}: {failure}"])
        close_running_runs(runtime.engine, runtime.clock(), settings.name, "failed", result.error or "")
        return result


def _scrub_last_error(runtime: WorkerRuntime, source: str) -> None:
    """Redact secrets a server echoed into an error message before it stays in sync_runs (as `ror run` does)."""
    runs = table_of(SyncRunRow)
    with runtime.engine.begin() as connection:
        row = connection.execute(select(runs.c.id, runs.c.error).where(runs.c.source == source)
                                 .order_by(runs.c.id.desc()).limit(1)).first()
        if row is not None and row.error and runtime.redact(row.error) != row.error:
            connection.execute(update(runs).where(runs.c.id == row.id).values(error=runtime.redact(row.error)))


def _stoppable_sleep(runtime: WorkerRuntime) -> Callable[[float], None]:
    """A retry or pacing wait that ends early, with PollInterrupted, when the worker drains."""

    def sleep(seconds: float) -> None:
        if runtime.stopping.wait(seconds):
            raise PollInterrupted

    return sleep


# ---- process and export a profile ------------------------------------------------------


def process_profile(runtime: WorkerRuntime, name: str) -> int:
    """Score what is new, recompute the profile's index, run its alert checks; returns how many were scored."""
    from listener.alerts import run_alert_cycle

    profile = runtime.find_profile(name)
    if profile is None:
        return 0
    scored = score_pending(runtime.engine, clock=runtime.clock)
    runtime.metrics.scored.inc(scored)
    aggregate_profile(runtime.engine, profile, clock=runtime.clock)
    # Delivery reads the whole outbox: one alert cycle at a time across workers, so none is sent twice.
    with one_at_a_time(runtime.engine, ALERTS_LOCK_KEY):
        run_alert_cycle(runtime.engine, runtime.config.model_copy(update={"profiles": [profile]}), runtime.clock)
    log.info("%s: scored %d item(s), index and alerts updated", name, scored)
    return scored


def shared_transport() -> TransportFactory | None:
    """One HTTP transport for every poll of this worker (one TLS setup, kept-alive connections), if no proxy is set.

    With a proxy variable set, each poll builds its own client so httpx applies it, as `ror run` does.
    """
    if any(os.environ.get(name) for name in PROXY_VARIABLES):
        return None
    transport = httpx.HTTPTransport()
    return lambda: transport


@contextmanager
def one_at_a_time(engine: Engine, key: int) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock for the block (every worker waits its turn); nothing on SQLite."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def warm_up_scoring() -> None:
    """Load the language detector's models now (tens of seconds of CPU) rather than inside the first job."""
    from scoring.sentiment import score_text

    score_text("warming up the language models before the first job arrives", None)


def export_if_due(runtime: WorkerRuntime, name: str, since: datetime, until: datetime) -> bool:
    """Write the profile's weekly export if its export schedule fired in (since, until]; True if it did."""
    from listener.exports import write_weekly_exports

    profile = runtime.find_profile(name)
    found = export_trigger(profile) if profile is not None else None
    if profile is None or found is None:
        return False
    fire = found[0].get_next_fire_time(None, since + timedelta(microseconds=1))
    if fire is None or fire > until:
        return False
    write_weekly_exports(runtime.engine, runtime.config.model_copy(update={"profiles": [profile]}), runtime.clock)
    return True
