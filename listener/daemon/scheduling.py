"""When things run: APScheduler jobs built from the config, and the backoff of failing sources.

Jobs live in APScheduler's in-memory job store of this one process (a 3.x job store must
never be shared between processes) and are rebuilt from the config at every start and
reload; what must survive a restart (cursors, runs, failure counts) is in our database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from listener.config.daemon import DaemonConfig
from listener.config.settings import Config, ProfileConfig
from listener.daemon.crontab import crontab_trigger

DEFAULT_EXPORT_CRON = "0 8 * * 1"  # Monday 08:00 in the profile's time zone
JITTER_SHARE = 0.25  # jitter never exceeds a quarter of a source's interval
SYNC_PREFIX, EXPORT_PREFIX, IMPORT_PREFIX = "sync:", "export:", "import:"
JobFunction = Callable[[str], object]


@dataclass(frozen=True)
class SourceJobSpec:
    """One source's polling job: which source, how often, how much jitter."""

    source: str
    profile: str
    interval: timedelta
    jitter_seconds: float

    @property
    def job_id(self) -> str:
        """The APScheduler job id."""
        return SYNC_PREFIX + self.source


@dataclass(frozen=True)
class ExportJobSpec:
    """One profile's weekly export job."""

    profile: str
    trigger: CronTrigger
    description: str

    @property
    def job_id(self) -> str:
        """The APScheduler job id."""
        return EXPORT_PREFIX + self.profile


@dataclass(frozen=True)
class ImportJobSpec:
    """One profile's job fetching its API sources beyond social (CRM, surveys, e-mail, website)."""

    profile: str
    interval: timedelta

    @property
    def job_id(self) -> str:
        """The APScheduler job id."""
        return IMPORT_PREFIX + self.profile


def source_interval(interval_minutes: int, daemon: DaemonConfig) -> timedelta:
    """A source's polling interval: its interval_minutes, or the daemon's override (tests, demos)."""
    if daemon.interval_override_seconds is not None:
        return timedelta(seconds=daemon.interval_override_seconds)
    return timedelta(minutes=interval_minutes)


def next_run_delay(interval: timedelta, failures: int, cap: timedelta) -> timedelta:
    """The interval after a success; after n consecutive failures, interval x 2^(n-1), at most the cap.

    The cap never shortens a source's own interval: a daily source stays daily.
    """
    if failures <= 0:
        return interval
    return min(interval * 2 ** min(failures - 1, 30), max(cap, interval))


def source_job_specs(config: Config) -> list[SourceJobSpec]:
    """A job for every enabled source, in config order."""
    specs = []
    for profile, source in config.sources():
        if source.enabled:
            interval = source_interval(source.interval_minutes, config.daemon)
            jitter = min(config.daemon.jitter_seconds, interval.total_seconds() * JITTER_SHARE)
            specs.append(SourceJobSpec(source.name, profile.name, interval, jitter))
    return specs


def import_job_specs(config: Config) -> list[ImportJobSpec]:
    """A job for every profile with an API source beyond social configured."""
    from listener.imports.api_sources import configured_api_sources

    return [ImportJobSpec(profile.name, source_interval(profile.imports.api_interval_minutes, config.daemon))
            for profile in config.profiles if configured_api_sources(profile)]


def export_trigger(profile: ProfileConfig) -> tuple[CronTrigger, str] | None:
    """The profile's weekly export trigger in its time zone, or None when exports are off."""
    exports = profile.exports
    if getattr(exports, "enabled", True) is False:
        return None
    cron = getattr(exports, "cron", None) or DEFAULT_EXPORT_CRON
    return crontab_trigger(cron, profile.timezone), f"{cron} {profile.timezone}"


def export_job_specs(config: Config) -> list[ExportJobSpec]:
    """A weekly export job for every profile with exports on."""
    specs = []
    for profile in config.profiles:
        found = export_trigger(profile)
        if found is not None:
            specs.append(ExportJobSpec(profile.name, *found))
    return specs


def build_scheduler(max_workers: int) -> BackgroundScheduler:
    """A scheduler with a private in-memory job store and a thread pool; jobs coalesce, one instance each."""
    return BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone="UTC",
    )


@dataclass
class JobChanges:
    """What a reconcile did, by job id."""

    added: list[str]
    changed: list[str]
    removed: list[str]


def reconcile_jobs(scheduler: BackgroundScheduler, config: Config, run_source: JobFunction,
                   run_export: JobFunction, now: datetime, run_imports: JobFunction | None = None) -> JobChanges:
    """Make the scheduler's jobs match the config: add new sources, reschedule changed ones, drop the rest.

    A new or changed source runs soon (within its jitter), so starting or reloading the
    daemon gives fresh data and shows broken sources at once.
    """
    changes = JobChanges([], [], [])
    wanted: set[str] = set()
    specs = source_job_specs(config)
    for number, spec in enumerate(specs):
        wanted.add(spec.job_id)
        # First runs are spread evenly over the jitter window: one source starts at once,
        # ten on one token do not all start in the same second.
        offset = spec.jitter_seconds * number / len(specs)
        _place_source_job(scheduler, spec, run_source, now + timedelta(seconds=offset), changes)
    for export in export_job_specs(config):
        wanted.add(export.job_id)
        _place_export_job(scheduler, export, run_export, changes)
    if run_imports is not None:
        for imports in import_job_specs(config):
            wanted.add(imports.job_id)
            _place_interval_job(scheduler, imports.job_id, imports.profile, imports.interval, 0.0, run_imports, now,
                                changes)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)
            changes.removed.append(job.id)
    return changes


def _place_source_job(scheduler: BackgroundScheduler, spec: SourceJobSpec, run: JobFunction,
                      first_run: datetime, changes: JobChanges) -> None:
    _place_interval_job(scheduler, spec.job_id, spec.source, spec.interval, spec.jitter_seconds, run, first_run,
                        changes)


def _place_interval_job(scheduler: BackgroundScheduler, job_id: str, argument: str, interval: timedelta,
                        jitter_seconds: float, run: JobFunction, first_run: datetime, changes: JobChanges) -> None:
    trigger = IntervalTrigger(seconds=interval.total_seconds(), jitter=jitter_seconds or None, timezone="UTC")
    grace = max(1, int(interval.total_seconds()))
    job = scheduler.get_job(job_id)
    if job is None:
        scheduler.add_job(run, trigger, args=[argument], id=job_id, name=job_id, next_run_time=first_run,
                          misfire_grace_time=grace, coalesce=True, max_instances=1)
        changes.added.append(job_id)
    elif job.trigger.interval != interval or job.trigger.jitter != trigger.jitter:
        job.modify(trigger=trigger, misfire_grace_time=grace, next_run_time=first_run)
        changes.changed.append(job_id)


def _place_export_job(scheduler: BackgroundScheduler, spec: ExportJobSpec, run: JobFunction,
                      changes: JobChanges) -> None:
    job = scheduler.get_job(spec.job_id)
    if job is not None and job.name == spec.job_id + " " + spec.description:
        return
    if job is not None:
        scheduler.remove_job(spec.job_id)
        changes.changed.append(spec.job_id)
    else:
        changes.added.append(spec.job_id)
    # A weekly job that missed its hour (the daemon was down) still runs within a day of it.
    scheduler.add_job(run, spec.trigger, args=[spec.profile], id=spec.job_id, name=spec.job_id + " " + spec.description,
                      misfire_grace_time=24 * 3600, coalesce=True, max_instances=1)


def next_run_time(scheduler: BackgroundScheduler | None, job_id: str) -> datetime | None:
    """When a job runs next (None when it is not scheduled)."""
    job = scheduler.get_job(job_id) if scheduler is not None else None
    return job.next_run_time if job is not None else None


def postpone(scheduler: BackgroundScheduler, job_id: str, at: datetime) -> bool:
    """Move a job's next run (the backoff of a failing source); False if the job is gone."""
    try:
        scheduler.modify_job(job_id, next_run_time=at)
    except JobLookupError:
        return False
    return True


class ActiveJobs:
    """Counts running jobs so a stop can wait for them, boundedly."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *exc: Any) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    @property
    def count(self) -> int:
        """Jobs running now."""
        return self._count

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job runs; False if the timeout came first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout=timeout)
