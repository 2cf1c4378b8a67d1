"""The `ror worker` process: run Procrastinate's worker, drain on SIGTERM, reconnect when PostgreSQL goes away.

SIGTERM or SIGINT drains: running polls finish the page they are storing, the worker
stops taking jobs and exits 0 (a second signal exits at once; the open page rolls back).
If the database goes away, Procrastinate's worker stops with an error; this loop waits
and starts it again, so a restart of PostgreSQL costs a few seconds, not a worker. The
jobs that were running then are picked up again by the stall recovery.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import procrastinate
from sqlalchemy import Engine

from listener.collect.status import source_statuses
from listener.config.settings import Config, load_config
from listener.daemon.health import DaemonMetrics, HealthServer
from listener.daemon.logs import Redactor, config_secrets, configure_logging
from listener.storage.engine import make_engine, migrate
from listener.workers.app import RUNTIME_KEY, build_app
from listener.workers.plan import PROCESS_QUEUE, QUEUES, WorkerTimings, queue_url
from listener.workers.tasks import WorkerRuntime, one_at_a_time, shared_transport, warm_up_scoring

log = logging.getLogger("ror.worker")
RECONNECT_INITIAL_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 15.0
MIGRATION_LOCK_KEY = 0x726F_725F_6D69_67  # "ror_mig": any fixed number all workers agree on


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker process runs: how many jobs at once, which queues, its health port, its timings."""

    concurrency: int = 4
    queues: tuple[str, ...] = QUEUES
    health_port: int | None = None
    timings: WorkerTimings = WorkerTimings()
    stop_timeout_seconds: float | None = None  # default: the config's daemon.stop_timeout_seconds


def check_queues(queues: Iterable[str]) -> tuple[str, ...]:
    """The queue names, checked against the ones `ror worker` knows; ValueError names the unknown ones."""
    chosen = tuple(dict.fromkeys(q.strip() for q in queues if q.strip())) or QUEUES
    unknown = [q for q in chosen if q not in QUEUES]
    if unknown:
        raise ValueError(f"unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUES)}")
    return chosen


def run_worker(config_path: Path, options: WorkerOptions, log_format: str | None = None) -> int:
    """Run one worker until SIGTERM/SIGINT; returns the exit code. Raises ConfigError, WorkerSetupError."""
    config = load_config(config_path)
    queue_url(config.database_url())  # refuse SQLite before touching anything
    configure_logging(log_format or config.daemon.log_format, Redactor(config_secrets(config)))
    engine = make_engine(config.database_url())
    migrate_in_turn(engine)
    runtime = WorkerRuntime(config, engine, transport=shared_transport())
    if PROCESS_QUEUE in options.queues:
        log.info("loading the scoring models before taking jobs")
        warm_up_scoring()
    app = build_app(config, options.timings, pool_size=options.concurrency + 4)
    health = _start_health(config, engine, runtime.metrics, options.health_port)
    try:
        asyncio.run(serve(app, runtime, options))
    finally:
        if health is not None:
            health.stop()
        engine.dispose()
    log.info("worker stopped cleanly")
    return 0


def migrate_in_turn(engine: Engine) -> None:
    """Migrate under a PostgreSQL advisory lock, so workers started together do not run one migration twice."""
    with one_at_a_time(engine, MIGRATION_LOCK_KEY):
        migrate(engine)


async def serve(app: procrastinate.App, runtime: WorkerRuntime, options: WorkerOptions) -> None:
    """Run the worker until a stop signal, starting it again whenever it ends on a database error."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, _on_stop_signal, stop, runtime, stop_signal)
    timeout = options.stop_timeout_seconds or runtime.config.daemon.stop_timeout_seconds
    name = f"{socket.gethostname()}:{os.getpid()}"
    wait = RECONNECT_INITIAL_SECONDS
    while not stop.is_set():
        try:
            async with app.open_async():
                log.info("worker %s: queues %s, concurrency %d", name, ", ".join(options.queues), options.concurrency)
                await _run_until_stopped(app, runtime, options, stop, name, timeout)
                wait = RECONNECT_INITIAL_SECONDS
        except Exception as error:  # noqa: BLE001 - the database is away: wait, then start again
            log.warning("worker lost the database (%s: %s); reconnecting in %.1fs", type(error).__name__,
                        str(error).splitlines()[0] if str(error) else "", wait)
        if not stop.is_set():
            await _wait_or_stop(stop, wait)
            wait = min(wait * 2, RECONNECT_MAX_SECONDS)


async def _run_until_stopped(app: procrastinate.App, runtime: WorkerRuntime, options: WorkerOptions,
                             stop: asyncio.Event, name: str, timeout: float) -> None:
    worker = asyncio.create_task(app.run_worker_async(
        queues=list(options.queues), name=name, concurrency=options.concurrency, install_signal_handlers=False,
        additional_context={RUNTIME_KEY: runtime}, update_heartbeat_interval=options.timings.heartbeat_seconds,
        stalled_worker_timeout=options.timings.stall_seconds, shutdown_graceful_timeout=timeout,
        delete_jobs="successful", fetch_job_polling_interval=min(5.0, options.timings.heartbeat_seconds)))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({worker, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if worker.done():
        stopped.cancel()
        worker.result()  # re-raises the error that ended it
        raise RuntimeError("the worker stopped on its own after a failed database call")
    log.info("draining: running jobs finish the page they are storing (at most %.0fs)", timeout)
    worker.cancel()  # Procrastinate's graceful stop: no new jobs, wait for running ones
    try:
        await worker
    except asyncio.CancelledError:
        pass


def _on_stop_signal(stop: asyncio.Event, runtime: WorkerRuntime, received: signal.Signals) -> None:
    if stop.is_set():
        log.warning("second %s: exiting now; open pages roll back, their polls resume from the cursors",
                    received.name)
        logging.shutdown()
        os._exit(0)
    log.info("received %s", received.name)
    runtime.stopping.set()
    stop.set()


async def _wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def _start_health(config: Config, engine: Engine, metrics: DaemonMetrics, port: int | None) -> HealthServer | None:
    """/status, /metrics and /healthz of this worker on a loopback port, when one is given."""
    if port is None:
        return None
    server = HealthServer(config.daemon.health_host, port, lambda: source_statuses(engine, config), metrics)
    log.info("worker health endpoint: %s/metrics", server.start())
    return server
