"""The Procrastinate app of `ror worker`: queues, the task bindings, one periodic poll per source, stall recovery.

Every worker builds the same app from the same config. Periodic polls are deferred by
whichever worker's deferrer gets there first: Procrastinate records (task, periodic id,
period start) under a unique constraint, so a period yields one job whatever the number
of workers. Each poll job carries `queueing_lock = poll:<source>` (never two queued) and
`lock = source:<source>` (never two running); processing carries `queueing_lock =
process:<profile>` (a burst of polls coalesces into one queued run) and `lock =
profile:<profile>`.
"""

from __future__ import annotations

import logging
import zlib
from datetime import UTC, datetime, timedelta

import procrastinate
from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status

from listener.config.settings import Config
from listener.daemon.scheduling import source_interval
from listener.workers.plan import (
    EXPORT_QUEUE,
    MAINTENANCE_QUEUE,
    MAX_STALL_RETRIES,
    POLL_QUEUE,
    PROCESS_QUEUE,
    WorkerTimings,
    cron_for,
    queue_url,
)
from listener.workers.tasks import WorkerRuntime, export_if_due, poll_source, process_profile

log = logging.getLogger("ror.worker")
RUNTIME_KEY = "ror_runtime"
POOL_TIMEOUT_SECONDS = 5.0


class ProcrastinateDeferrer:
    """listener.workers.tasks.Deferrer on Procrastinate."""

    def __init__(self, app: procrastinate.App) -> None:
        self.app = app

    def defer_processing(self, profile: str) -> bool:
        """Queue the profile's processing unless one is already queued (then that one picks up the new data)."""
        try:
            self.app.tasks["ror.process"].configure(queueing_lock=f"process:{profile}", lock=f"profile:{profile}",
                                                    queue=PROCESS_QUEUE).defer(profile=profile)
        except AlreadyEnqueued:
            return False
        return True


def defer_poll(app: procrastinate.App, source: str) -> bool:
    """Queue a poll of a source now, with its locks; False if one is already queued."""
    try:
        app.tasks["ror.poll"].configure(queueing_lock=f"poll:{source}", lock=f"source:{source}",
                                        queue=POLL_QUEUE).defer(source=source)
    except AlreadyEnqueued:
        return False
    return True


def runtime_of(context: JobContext) -> WorkerRuntime:
    """The worker's shared runtime, handed to every job through the worker's additional context."""
    return context.additional_context[RUNTIME_KEY]


def build_app(config: Config, timings: WorkerTimings | None = None, *, pool_size: int = 10) -> procrastinate.App:
    """The app for the config's database, with every task and every periodic deferral registered."""
    # A short wait for a pooled connection: with the database gone, the worker fails within seconds
    # and the runner starts it again, instead of hanging on the pool for half a minute.
    connector = procrastinate.PsycopgConnector(conninfo=queue_url(config.database_url()), min_size=1,
                                               max_size=pool_size, timeout=POOL_TIMEOUT_SECONDS)
    app = procrastinate.App(connector=connector)
    timings = timings or WorkerTimings()
    _register_tasks(app, timings)
    _register_periodic(app, config, timings)
    return app


def _register_tasks(app: procrastinate.App, timings: WorkerTimings) -> None:
    @app.task(name="ror.poll", queue=POLL_QUEUE, pass_context=True)
    def poll(context: JobContext, source: str, timestamp: int | None = None) -> str:
        """Poll one source (deferred once per period, or by hand)."""
        period = datetime.fromtimestamp(timestamp, UTC) if timestamp is not None else None
        return poll_source(runtime_of(context), ProcrastinateDeferrer(context.app), source, period).status

    @app.task(name="ror.process", queue=PROCESS_QUEUE, pass_context=True)
    def process(context: JobContext, profile: str) -> int:
        """Score, aggregate and check alerts for one profile."""
        return process_profile(runtime_of(context), profile)

    @app.task(name="ror.export", queue=EXPORT_QUEUE, pass_context=True)
    def export(context: JobContext, profile: str, timestamp: int) -> bool:
        """Write a profile's weekly export when its schedule fired in the hour before `timestamp`."""
        until = datetime.fromtimestamp(timestamp, UTC)
        return export_if_due(runtime_of(context), profile, until - timedelta(hours=1), until)

    @app.task(name="ror.recover_stalled", queue=MAINTENANCE_QUEUE, pass_context=True)
    async def recover_stalled(context: JobContext, timestamp: int) -> int:
        """Put jobs of workers silent for longer than the stall timeout back in the queue."""
        return await recover_stalled_jobs(context.app, timings.stall_seconds)


def _register_periodic(app: procrastinate.App, config: Config, timings: WorkerTimings) -> None:
    for _profile, settings in config.sources():
        if not settings.enabled:
            continue
        seconds = source_interval(settings.interval_minutes, config.daemon).total_seconds()
        app.periodic(cron=cron_for(seconds, settings.name), periodic_id=settings.name, queue=POLL_QUEUE,
                     queueing_lock=f"poll:{settings.name}", lock=f"source:{settings.name}",
                     task_kwargs={"source": settings.name})(app.tasks["ror.poll"])
    for profile in config.profiles:
        app.periodic(cron=f"{zlib.crc32(profile.name.encode()) % 60} * * * *", periodic_id=profile.name,
                     queue=EXPORT_QUEUE, queueing_lock=f"export:{profile.name}", lock=f"export:{profile.name}",
                     task_kwargs={"profile": profile.name})(app.tasks["ror.export"])
    app.periodic(cron=cron_for(max(1.0, timings.stall_seconds / 4)), periodic_id="stalled",
                 queueing_lock="recover_stalled")(app.tasks["ror.recover_stalled"])


async def recover_stalled_jobs(app: procrastinate.App, stall_seconds: float) -> int:
    """Retry the running jobs of workers whose heartbeat is older than `stall_seconds`; returns how many.

    A stalled poll whose source already has a newer poll queued is failed instead (the
    queued one does the work), and so is a job that stalled MAX_STALL_RETRIES times.
    """
    manager = app.job_manager
    retried = 0
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stall_seconds):
        if job.attempts >= MAX_STALL_RETRIES:
            log.error("job %s (%s) stalled %d times; marking it failed", job.id, job.call_string, job.attempts + 1)
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            continue
        try:
            await manager.retry_job(job)
        except UniqueViolation:
            log.info("stalled job %s (%s): a newer one is already queued; failing this one", job.id, job.call_string)
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            continue
        log.warning("job %s (%s) stalled: its worker stopped sending heartbeats; queued again", job.id,
                    job.call_string)
        retried += 1
    return retried
