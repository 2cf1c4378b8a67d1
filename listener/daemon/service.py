"""`ror run`: the daemon. Jobs poll sources, score, aggregate, alert and export; signals stop or reload it.

Lifecycle: take the single-instance lock, mark runs a crash left "running" as interrupted,
build the jobs from the config, serve health, then wait for signals. SIGTERM/SIGINT stop
it: running jobs finish the page they are storing (each page is one transaction) and the
process exits 0 within `stop_timeout_seconds`. SIGHUP reloads the config; cursors live in
the database, so nothing is lost.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from connectors.base import SourceSettings
from connectors.clock import Clock, utc_now
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.alerts import run_alert_cycle
from listener.collect.budget import BudgetBook
from listener.collect.status import SourceStatus, source_statuses
from listener.collect.sync import POLL_PAGES_PER_TRANSACTION, SyncResult, sync_source
from listener.config.settings import Config, ConfigError, ProfileConfig, load_config, source_secrets
from listener.daemon.health import (
    DaemonMetrics,
    HealthServer,
    SourceHealth,
    clear_next_runs,
    close_running_runs,
    load_failure_counts,
    mark_interrupted,
    record_failed_run,
    save_daemon_state,
    save_source_health,
    update_daemon_state,
)
from listener.daemon.heap import freeze_loaded_heap
from listener.daemon.lock import acquire_instance_lock
from listener.daemon.logs import Redactor, config_secrets, configure_logging
from listener.daemon.scheduling import (
    SYNC_PREFIX,
    ActiveJobs,
    build_scheduler,
    next_run_delay,
    next_run_time,
    postpone,
    reconcile_jobs,
    source_interval,
)
from listener.daemon.steps import failing_steps, record_step
from listener.exports import write_weekly_exports
from listener.index.aggregate import aggregate_profile
from listener.sentiment.score import score_pending
from listener.storage.engine import make_engine, migrate
from listener.storage.models import SyncRunRow
from listener.storage.upsert import table_of

log = logging.getLogger("ror.daemon")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
HANDLED_SIGNALS = (*STOP_SIGNALS, signal.SIGHUP)
HEARTBEAT_SECONDS = 60.0
TransportFactory = Callable[[], httpx.BaseTransport]


class StopRequested(BaseException):
    """Raised inside a job when the daemon is stopping (a BaseException so no `except Exception` swallows it)."""


@dataclass(frozen=True)
class RunOutcome:
    """How one scheduled poll of a source ended and when the next is due."""

    source: str
    status: str
    items: int
    error: str | None
    consecutive_failures: int
    next_run_at: datetime | None


class Daemon:
    """The jobs and their shared state: config, engine, budgets, metrics, stop flag. Clock and HTTP injectable."""

    def __init__(self, config: Config, engine: Engine, *, clock: Clock = utc_now,
                 sleep: Callable[[float], None] | None = None, transport: TransportFactory | None = None,
                 policy: RetryPolicy | None = None, redactor: Redactor | None = None) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.stopping = threading.Event()
        self._sleep = sleep or self._stoppable_sleep
        self._transport = transport
        self.policy = policy or RetryPolicy()
        self.redact = redactor or Redactor(config_secrets(config))
        self.budgets = BudgetBook()
        self.active = ActiveJobs()
        self.metrics = DaemonMetrics(self.statuses, self.budgets.snapshots, lambda: failing_steps(engine))
        self.failures: dict[str, int] = load_failure_counts(engine)
        self.scheduler: BackgroundScheduler | None = None
        self.health: HealthServer | None = None
        self.dashboard: Any = None  # listener.dashboard.DashboardServer when [dashboard] enabled = true
        self._pipeline = threading.Lock()

    # ---- one poll of one source -------------------------------------------------------

    def run_source(self, name: str) -> RunOutcome | None:
        """Sync one source, then score, aggregate and check alerts; record health; None if it left the config."""
        pair = self._find_source(name)
        if pair is None:
            return None
        profile, settings = pair
        started = time.monotonic()
        try:
            result = self._sync(profile, settings)
        except Exception as failure:  # noqa: BLE001 - the store failed (database down?): back off like any failure
            log.exception("%s: sync failed outside its streams", name)
            result = SyncResult(name, status="failed", errors=[f"{type(failure).__name__}: {failure}"])
            close_running_runs(self.engine, self.clock(), name, "failed", result.error or "")
        self._scrub_last_error(name)
        failures = self.failures[name] = 0 if result.status != "failed" else self.failures.get(name, 0) + 1
        next_at = self._plan_next_run(settings, failures)
        quota = self.budgets.for_source(settings).snapshot()
        save_source_health(self.engine, SourceHealth(name, failures, next_at, quota), self.clock())
        self.metrics.observe_run(name, result.status, result.items, time.monotonic() - started)
        error = self.redact(result.error) if result.error else None
        log.log(logging.WARNING if result.status == "failed" else logging.INFO,
                "%s: %s, %d items, %d events%s; next run %s", name, result.status, result.items, result.events,
                f" ({error})" if error else "", next_at.isoformat(timespec="seconds") if next_at else "not scheduled")
        if result.status != "failed":
            self.process(profile)
        else:
            self.check_alerts(profile)  # a source that is down is exactly what "source down" must see
        return RunOutcome(name, result.status, result.items, error, failures, next_at)

    def _find_source(self, name: str) -> tuple[ProfileConfig, SourceSettings] | None:
        for profile, settings in self.config.sources():
            if settings.name == name and settings.enabled:
                return profile, settings
        return None

    def _sync(self, profile: ProfileConfig, settings: SourceSettings) -> SyncResult:
        try:
            secrets = source_secrets(settings)
        except ConfigError as error:
            return record_failed_run(self.engine, settings.name, f"skipped: {error}", self.clock())
        # A connector per run, as `ror sync` builds it (connectors cache per-run state such as
        # the brand's account); with no injected transport httpx also honours proxy variables.
        connector = build_connector(settings, secrets=secrets, transport=self._transport() if self._transport else None,
                                    clock=self.clock, sleep=self._sleep, policy=self.policy,
                                    budget=self.budgets.for_source(settings))
        try:
            return sync_source(self.engine, profile.name, profile.timezone, settings, connector,
                               clock=self.clock, between_pages=self.check_stop, limits=self.config.sync.limits(),
                               pages_per_transaction=POLL_PAGES_PER_TRANSACTION)
        except StopRequested:
            mark_interrupted(self.engine, self.clock(), settings.name)
            raise

    def process(self, profile: ProfileConfig) -> None:
        """Score what is new, recompute the profile's index, run its alert checks (one at a time).

        A failing step stops the steps after it (they need its output); the data is stored, so
        the next poll tries again. Each step's outcome is recorded for `ror status` and /metrics.
        """
        with self._pipeline:
            one_profile = self.config.model_copy(update={"profiles": [profile]})
            steps = (("score", lambda: self.metrics.scored.inc(
                          score_pending(self.engine, clock=self.clock, progress=lambda _n: self.check_stop(),
                                       profiles=self.config.profiles))),
                     ("aggregate", lambda: aggregate_profile(self.engine, profile, clock=self.clock)),
                     ("alerts", lambda: run_alert_cycle(self.engine, one_profile, self.clock)))
            for step, run in steps:
                self.check_stop()
                if not self._run_step(profile.name, step, run):
                    return
            freeze_loaded_heap()  # the models are loaded now: full collections need not walk them again

    def check_alerts(self, profile: ProfileConfig) -> None:
        """Run the profile's alert checks without scoring (after a failed poll)."""
        with self._pipeline:
            one_profile = self.config.model_copy(update={"profiles": [profile]})
            self._run_step(profile.name, "alerts", lambda: run_alert_cycle(self.engine, one_profile, self.clock))

    def run_export(self, profile_name: str) -> None:
        """The weekly export of one profile."""
        profile = next((p for p in self.config.profiles if p.name == profile_name), None)
        if profile is not None:
            with self._pipeline:
                one_profile = self.config.model_copy(update={"profiles": [profile]})
                self._run_step(profile.name, "export",
                               lambda: write_weekly_exports(self.engine, one_profile, self.clock))

    def run_imports(self, profile_name: str) -> None:
        """Fetch the profile's API sources beyond social, each a step of its own in `ror status` and /metrics.

        They feed the index (survey NPS, retention, e-mail and website engagement) on its next update.
        """
        from listener.imports.api_sources import configured_api_sources

        profile = next((p for p in self.config.profiles if p.name == profile_name), None)
        if profile is None:
            return
        for source in configured_api_sources(profile):
            self.check_stop()
            self._run_step(profile_name, f"import {source.name}", partial(source.run, self.engine, profile, self.clock))

    def _run_step(self, profile: str, step: str, run: Callable[[], object]) -> bool:
        """Run one step, record how it went; False if it failed."""
        try:
            run()
        except Exception as failure:  # noqa: BLE001 - recorded and shown; the next poll runs the step again
            log.exception("%s: %s failed", profile, step)
            self.metrics.observe_step(step, "failed")
            record_step(self.engine, profile, step, self.clock(), self.redact(f"{type(failure).__name__}: {failure}"))
            return False
        self.metrics.observe_step(step, "ok")
        record_step(self.engine, profile, step, self.clock())
        return True

    def _plan_next_run(self, settings: SourceSettings, failures: int) -> datetime | None:
        """Back off a failing source; a healthy one keeps its trigger's next time."""
        job_id = SYNC_PREFIX + settings.name
        interval = source_interval(settings.interval_minutes, self.config.daemon)
        if self.scheduler is not None and failures == 0:
            return next_run_time(self.scheduler, job_id)
        at = self.clock() + next_run_delay(interval, failures,
                                           timedelta(minutes=self.config.daemon.backoff_max_minutes))
        if self.scheduler is not None and not postpone(self.scheduler, job_id, at):
            return None
        return at

    def _scrub_last_error(self, source: str) -> None:
        """Redact secrets a server echoed into an error message before it stays in sync_runs."""
        runs = table_of(SyncRunRow)
        with self.engine.begin() as connection:
            row = connection.execute(select(runs.c.id, runs.c.error).where(runs.c.source == source)
                                     .order_by(runs.c.id.desc()).limit(1)).first()
            if row is not None and row.error and self.redact(row.error) != row.error:
                connection.execute(update(runs).where(runs.c.id == row.id).values(error=self.redact(row.error)))

    # ---- stopping ---------------------------------------------------------------------

    def check_stop(self) -> None:
        """Raise StopRequested if the daemon is stopping (called between pages and batches)."""
        if self.stopping.is_set():
            raise StopRequested

    def _stoppable_sleep(self, seconds: float) -> None:
        """A retry or pacing wait that ends early, with StopRequested, when the daemon stops."""
        if self.stopping.wait(seconds):
            raise StopRequested

    def job(self, function: Callable[[str], object]) -> Callable[[str], None]:
        """Wrap a job: count it, never let an error kill the scheduler, end quietly on stop."""

        def run(argument: str) -> None:
            with self.active:
                self.metrics.running.set(self.active.count)
                try:
                    self.check_stop()
                    function(argument)
                except StopRequested:
                    log.info("%s: stopped between two pages; the next run resumes from the cursor", argument)
                except Exception:  # noqa: BLE001 - one job's bug must not stop the others
                    log.exception("%s: job failed", argument)
            self.metrics.running.set(self.active.count)

        return run

    # ---- lifecycle ----------------------------------------------------------------------

    def statuses(self) -> list[SourceStatus]:
        """What `ror status` shows, for the health endpoint and metrics."""
        return source_statuses(self.engine, self.config)

    def start(self) -> None:
        """Mark leftovers of a crash, build the jobs, start the scheduler and the health endpoint."""
        now = self.clock()
        leftovers = mark_interrupted(self.engine, now)
        if leftovers:
            log.info("marked %d sync(s) left running by a previous daemon as interrupted", leftovers)
        self.scheduler = build_scheduler(self.config.daemon.max_workers)
        self.scheduler.start()
        self.apply_jobs()
        self.metrics.started.set(now.timestamp())
        self._start_health()
        self._start_dashboard()
        save_daemon_state(self.engine, {"pid": os.getpid(), "hostname": socket.gethostname(), "started_at": now,
                                        "heartbeat_at": now, "stopped_at": None,
                                        "health_url": self.health.url if self.health else None})

    def apply_jobs(self) -> None:
        """Make the scheduler's jobs match the current config."""
        if self.scheduler is None:
            return
        changes = reconcile_jobs(self.scheduler, self.config, self.job(self.run_source), self.job(self.run_export),
                                 self.clock(), self.job(self.run_imports))
        for job_id in changes.removed:
            if job_id.startswith(SYNC_PREFIX):
                self.metrics.forget_source(job_id.removeprefix(SYNC_PREFIX))
        log.info("jobs: %d added, %d changed, %d removed; %d source(s) scheduled", len(changes.added),
                 len(changes.changed), len(changes.removed),
                 sum(j.id.startswith(SYNC_PREFIX) for j in self.scheduler.get_jobs()))

    def _start_health(self) -> None:
        daemon = self.config.daemon
        if not daemon.health:
            return
        try:
            self.health = HealthServer(daemon.health_host, daemon.health_port, self.statuses, self.metrics)
        except OSError as error:
            log.error("health endpoint not started: cannot listen on %s:%d (%s); collecting anyway",
                      daemon.health_host, daemon.health_port, error.strerror)
            return
        log.info("health endpoint: %s/status, /metrics, /healthz", self.health.start())

    def _start_dashboard(self) -> None:
        settings = self.config.dashboard
        if not settings.enabled:
            return
        from listener.dashboard import BindRefusedError, DashboardServer

        try:
            self.dashboard = DashboardServer(self.config, self.engine, settings.host, settings.port, clock=self.clock)
            log.info("dashboard: %s/", self.dashboard.start())
        except (BindRefusedError, OSError) as error:
            self.dashboard = None
            log.error("dashboard not started: %s; collecting anyway", error)

    def reload(self) -> None:
        """Re-read the config file and rebuild the jobs; a bad file keeps the running config."""
        try:
            config = load_config(self.config.path)
        except ConfigError as error:
            log.error("config reload failed, still running the previous config:\n%s", error)
            return
        if config.database != self.config.database or config.daemon.model_dump(include=RESTART_KEYS) != \
                self.config.daemon.model_dump(include=RESTART_KEYS):
            log.warning("[database] and [daemon] %s changes take effect at the next start",
                        ", ".join(sorted(RESTART_KEYS)))
        self.config = config
        self.redact.update(config_secrets(config))
        self.apply_jobs()
        log.info("config reloaded from %s", config.path)

    def heartbeat(self) -> None:
        """Record that the daemon is alive."""
        update_daemon_state(self.engine, {"heartbeat_at": self.clock()})

    def stop(self, timeout: float | None = None, forced: Callable[[], bool] = lambda: False) -> bool:
        """Stop scheduling, let running jobs finish their page, wait at most `timeout`; True if all finished."""
        self.stopping.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + (timeout if timeout is not None else self.config.daemon.stop_timeout_seconds)
        finished = self.active.wait_idle(0)
        while not finished and time.monotonic() < deadline and not forced():
            finished = self.active.wait_idle(min(0.2, max(0.0, deadline - time.monotonic())))
        if self.health is not None:
            self.health.stop()
        if self.dashboard is not None:
            self.dashboard.stop()
        now = self.clock()
        try:
            clear_next_runs(self.engine)
            update_daemon_state(self.engine, {"stopped_at": now, "heartbeat_at": now})
        except SQLAlchemyError as error:
            log.warning("could not record the stop in the database: %s", str(error).splitlines()[0])
        return finished


RESTART_KEYS = {"health", "health_host", "health_port", "log_format", "max_workers", "stop_timeout_seconds"}


# ---- the process: lock, signals, main loop ---------------------------------------------


def run_daemon(config_path: Path, log_format: str | None = None) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code. Raises ConfigError, AlreadyRunningError, SQLAlchemyError."""
    config = load_config(config_path)
    redactor = Redactor(config_secrets(config))
    configure_logging(log_format or config.daemon.log_format, redactor)
    # Block the signals before any thread starts, so every thread inherits the mask and only
    # the main loop receives them, through sigtimedwait: no handler runs at a random point.
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)
    engine = make_engine(config.database_url())
    with acquire_instance_lock(engine) as lock:
        migrate(engine)
        daemon = Daemon(config, engine, redactor=redactor)
        log.info("ror run: pid %d, %s, config %s", os.getpid(), lock.description, config.path)
        signalled = False
        try:
            daemon.start()
            wait_for_stop_signal(daemon)
            signalled = True
            log.info("stopping: running jobs finish the page they are storing (at most %.0fs)",
                     config.daemon.stop_timeout_seconds)
        finally:  # on an error too: the scheduler's threads must not outlive the main loop
            if not daemon.stop(forced=lambda: _pending_signal(STOP_SIGNALS)):
                log.warning("stop timeout: %d job(s) still running; exiting anyway (their open page rolls back, "
                            "the next start resumes from the cursors)", daemon.active.count)
                logging.shutdown()
                # stuck worker threads would hold a normal exit; the kernel drops the lock
                os._exit(0 if signalled else 1)
    engine.dispose()
    log.info("stopped cleanly")
    return 0


def wait_for_stop_signal(daemon: Daemon) -> None:
    """The main loop: reload on SIGHUP, heartbeat now and then, return on SIGTERM/SIGINT."""
    last_beat = time.monotonic()
    while True:
        info = signal.sigtimedwait(HANDLED_SIGNALS, 1.0)
        if info is not None and info.si_signo in STOP_SIGNALS:
            log.info("received %s", signal.Signals(info.si_signo).name)
            return
        try:
            if info is not None:
                log.info("received SIGHUP: reloading the config")
                daemon.reload()
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                daemon.heartbeat()
        except Exception:  # noqa: BLE001 - the database may be down for a while; the jobs retry on their own
            log.exception("main loop: reload or heartbeat failed; still running")


def _pending_signal(signals: tuple[signal.Signals, ...]) -> bool:
    """True if one of `signals` arrived (a second SIGTERM/SIGINT forces the exit)."""
    return signal.sigtimedwait(signals, 0) is not None
