"""Jobs built from the config: one per enabled source at its interval, coalesced, one instance, weekly exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from listener.config.settings import Config
from listener.daemon.crontab import cron_weekdays, crontab_trigger
from listener.daemon.scheduling import build_scheduler, next_run_delay, reconcile_jobs

NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)  # a Wednesday


def config(sources: list[dict[str, Any]], daemon: dict[str, Any] | None = None,
           exports: dict[str, Any] | None = None) -> Config:
    profile: dict[str, Any] = {"name": "acme", "timezone": "Europe/Berlin", "sources": sources}
    if exports is not None:
        profile["exports"] = exports
    return Config.model_validate({"daemon": daemon or {}, "profiles": [profile]})


def source(name: str, minutes: int = 15, enabled: bool = True) -> dict[str, Any]:
    return {"name": name, "platform": "mastodon", "base_url": "https://m.example", "account": "acme",
            "interval_minutes": minutes, "enabled": enabled}


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    scheduler = build_scheduler(2)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def noop(_name: str) -> None:
    """A job body for scheduling tests."""


def place(scheduler: BackgroundScheduler, loaded: Config) -> Any:
    return reconcile_jobs(scheduler, loaded, noop, noop, NOW)


def test_one_coalesced_single_instance_job_per_enabled_source(scheduler: BackgroundScheduler) -> None:
    changes = place(scheduler, config([source("a", 15), source("b", 60), source("off", enabled=False)]))
    assert sorted(changes.added) == ["export:acme", "sync:a", "sync:b"]
    job = scheduler.get_job("sync:a")
    assert job.coalesce is True and job.max_instances == 1
    assert job.trigger.interval == timedelta(minutes=15) and job.misfire_grace_time == 15 * 60
    assert scheduler.get_job("sync:b").misfire_grace_time == 3600
    assert scheduler.get_job("sync:off") is None


def test_first_runs_start_at_once_spread_evenly_over_the_jitter(scheduler: BackgroundScheduler) -> None:
    place(scheduler, config([source(f"s{n}", 15) for n in range(6)], daemon={"jitter_seconds": 30}))
    firsts = [scheduler.get_job(f"sync:s{n}").next_run_time for n in range(6)]
    assert firsts == [NOW + timedelta(seconds=5 * n) for n in range(6)]


def test_jitter_never_exceeds_a_quarter_of_the_interval(scheduler: BackgroundScheduler) -> None:
    place(scheduler, config([source("a", 1)], daemon={"jitter_seconds": 600}))
    assert scheduler.get_job("sync:a").trigger.jitter == 15


def test_the_interval_override_polls_in_seconds(scheduler: BackgroundScheduler) -> None:
    place(scheduler, config([source("a", 15)], daemon={"interval_override_seconds": 2, "jitter_seconds": 0}))
    job = scheduler.get_job("sync:a")
    assert job.trigger.interval == timedelta(seconds=2) and job.next_run_time == NOW


def test_a_reload_adds_changes_and_removes_only_what_changed(scheduler: BackgroundScheduler) -> None:
    place(scheduler, config([source("keep", 15), source("faster", 60), source("gone", 15)]))
    kept_time = scheduler.get_job("sync:keep").next_run_time
    changes = place(scheduler, config([source("keep", 15), source("faster", 5), source("new", 15)]))
    assert changes.added == ["sync:new"] and changes.changed == ["sync:faster"] and changes.removed == ["sync:gone"]
    assert scheduler.get_job("sync:faster").trigger.interval == timedelta(minutes=5)
    assert scheduler.get_job("sync:keep").next_run_time == kept_time


def test_the_weekly_export_runs_monday_8_00_in_the_profile_time_zone(scheduler: BackgroundScheduler) -> None:
    place(scheduler, config([source("a")]))
    job = scheduler.get_job("export:acme")
    fire = job.trigger.get_next_fire_time(None, NOW)
    local = fire.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)
    assert local.date() == datetime(2026, 11, 23).date()


def test_exports_switched_off_have_no_job(scheduler: BackgroundScheduler) -> None:
    place(scheduler, config([source("a")], exports={"enabled": False}))
    assert scheduler.get_job("export:acme") is None


def test_a_failing_source_backs_off_doubling_up_to_the_cap() -> None:
    minute, cap = timedelta(minutes=1), timedelta(minutes=60)
    delays = [next_run_delay(minute, failures, cap) for failures in range(9)]
    assert [d / minute for d in delays] == [1, 1, 2, 4, 8, 16, 32, 60, 60]


def test_the_backoff_cap_never_shortens_a_long_interval() -> None:
    day = timedelta(days=1)
    assert next_run_delay(day, 5, timedelta(minutes=60)) == day


def test_crontab_weekday_numbers_mean_what_cron_means() -> None:
    assert cron_weekdays("1") == "mon" and cron_weekdays("0") == cron_weekdays("7") == "sun"
    assert cron_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert cron_weekdays("*/2") == "sun,tue,thu,sat" and cron_weekdays("sat,sun") == "sat,sun"
    fire = crontab_trigger("30 18 * * 5", "America/New_York").get_next_fire_time(None, NOW)
    assert fire.astimezone(ZoneInfo("America/New_York")).strftime("%a %H:%M") == "Fri 18:30"
