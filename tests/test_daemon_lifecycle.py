"""The daemon's lifecycle in-process: a stop between pages, leftovers of a crash, reloads, failing jobs,
and the real score, aggregate, alert and export steps with their recorded health."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, select

from listener.config.settings import Config, load_config
from listener.daemon import service as daemon_module
from listener.daemon.service import Daemon, StopRequested
from listener.daemon.steps import failing_steps
from listener.storage.alert_models import AlertRow
from listener.storage.models import ItemRow, SyncCursorRow, SyncRunRow
from listener.storage.upsert import table_of
from tests.cassette import load_cassette
from tests.conftest import FakeClock
from tests.test_daemon_faults import POLICY, advancing_sleep, make_config, mastodon_source, replay

CALLS: list[tuple[str, Any]] = []


def record_alerts(engine: Engine, config: Config, clock: Any) -> None:
    """Stands in for listener.alerts.run_alert_cycle."""
    CALLS.append(("alerts", [p.name for p in config.profiles]))


def record_exports(engine: Engine, config: Config, clock: Any) -> None:
    """Stands in for listener.exports.write_weekly_exports."""
    CALLS.append(("exports", [p.name for p in config.profiles]))


def two_profiles() -> Config:
    return Config.model_validate({"daemon": {"jitter_seconds": 0}, "profiles": [
        {"name": "acme", "sources": [mastodon_source("acme-m", "https://m.example")]},
        {"name": "other", "sources": [mastodon_source("other-m", "https://o.example")]},
    ]})


def rows(engine: Engine, model: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(table_of(model))).mappings())


def test_a_stop_ends_the_sync_after_the_page_being_stored(engine: Engine, clock: FakeClock) -> None:
    cassette = load_cassette("mastodon")
    handler = cassette.httpx_handler("https://m.example")
    holder: dict[str, Daemon] = {}

    def stop_on_the_third_request(request: httpx.Request) -> httpx.Response:
        if len(cassette.requests) == 2:
            holder["daemon"].stopping.set()  # SIGTERM arrives while the third request is in flight
        return handler(request)

    transport = httpx.MockTransport(stop_on_the_third_request)
    daemon = holder["daemon"] = Daemon(make_config(mastodon_source("acme-m", "https://m.example")), engine,
                                       clock=clock, sleep=advancing_sleep(clock), transport=lambda: transport,
                                       policy=POLICY)
    with pytest.raises(StopRequested):
        daemon.run_source("acme-m")
    runs = rows(engine, SyncRunRow)
    assert [r["status"] for r in runs] == ["interrupted"]
    cursors = {r["stream"]: r["cursor"] for r in rows(engine, SyncCursorRow)}
    stored = {r["external_id"].rsplit("/", 1)[1] for r in rows(engine, ItemRow)}
    assert cursors == {"statuses": max(stored, key=lambda i: (len(i), i))}, "the page in flight was stored whole"
    assert daemon.statuses()[0].state == "never run"


def test_start_marks_runs_a_crash_left_running_and_keeps_the_last_verdict(engine: Engine, clock: FakeClock) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table_of(SyncRunRow)), [
            {"source": "acme-m", "started_at": clock.now, "ended_at": clock.now, "status": "ok"},
            {"source": "acme-m", "started_at": clock.now, "ended_at": None, "status": "running"},
        ])
    config = make_config(mastodon_source("acme-m", "https://m.example", enabled=False))
    config.daemon.health = False
    daemon = Daemon(config, engine, clock=clock)
    daemon.start()
    daemon.stop(timeout=5)
    assert [r["status"] for r in rows(engine, SyncRunRow)] == ["ok", "interrupted"]
    status = daemon.statuses()[0]
    assert status.state == "healthy" and not status.syncing and status.last_error is None


def test_a_bad_config_on_reload_keeps_the_running_one(engine: Engine, clock: FakeClock, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "ror.toml"
    path.write_text('[daemon]\nhealth = false\n[[profiles]]\nname = "acme"\n')
    daemon = Daemon(load_config(path), engine, clock=clock)
    daemon.start()
    try:
        path.write_text('[[profiles]]\nname = "acme"\nsources = [{ name = "x" }]\n')
        daemon.reload()
        assert "config reload failed, still running the previous config" in caplog.text
        assert daemon.config.profiles[0].sources == []
        path.write_text('[daemon]\nhealth = false\n[[profiles]]\nname = "acme"\n[[profiles.sources]]\nname = "new"\n'
                        'platform = "mastodon"\nbase_url = "https://m.example"\naccount = "acme"\nenabled = false\n'
                        '[[profiles]]\nname = "second"\n')
        daemon.reload()
        assert daemon.scheduler is not None
        assert {j.id for j in daemon.scheduler.get_jobs()} == {"export:acme", "export:second"}
    finally:
        daemon.stop(timeout=5)


def test_a_job_that_raises_is_logged_and_the_daemon_goes_on(engine: Engine, clock: FakeClock,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    daemon = Daemon(make_config(), engine, clock=clock)

    def broken(_name: str) -> None:
        raise RuntimeError("a bug in one job")

    daemon.job(broken)("acme-m")
    assert "acme-m: job failed" in caplog.text and "a bug in one job" in caplog.text
    assert daemon.active.count == 0


def test_alerts_run_after_aggregation_with_the_source_profile_only(engine: Engine, clock: FakeClock,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon_module, "run_alert_cycle", record_alerts)
    monkeypatch.setattr(daemon_module, "write_weekly_exports", record_exports)
    CALLS.clear()
    transport = replay(load_cassette("mastodon"), None, clock)
    daemon = Daemon(two_profiles(), engine, clock=clock, sleep=advancing_sleep(clock), transport=lambda: transport,
                    policy=POLICY)
    daemon.run_source("other-m")
    daemon.run_export("acme")
    assert CALLS == [("alerts", ["other"]), ("exports", ["acme"])]


def test_the_daemon_imports_its_steps_by_name_not_by_string() -> None:
    from listener.alerts import run_alert_cycle
    from listener.exports import write_weekly_exports

    assert daemon_module.run_alert_cycle is run_alert_cycle
    assert daemon_module.write_weekly_exports is write_weekly_exports


def test_a_failing_step_is_recorded_for_status_and_metrics_until_it_succeeds(
        engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_alerts(*_args: Any) -> None:
        raise RuntimeError("webhook table missing")

    monkeypatch.setattr(daemon_module, "run_alert_cycle", broken_alerts)
    transport = replay(load_cassette("mastodon"), None, clock)
    daemon = Daemon(two_profiles(), engine, clock=clock, sleep=advancing_sleep(clock), transport=lambda: transport,
                    policy=POLICY)
    daemon.run_source("acme-m")
    daemon.run_source("acme-m")
    [step] = failing_steps(engine)
    assert (step.profile, step.step, step.consecutive_failures) == ("acme", "alerts", 2)
    assert "webhook table missing" in (step.last_error or "")
    metrics = daemon.metrics.render().decode()
    assert 'ror_pipeline_step_consecutive_failures{profile="acme",step="alerts"} 2.0' in metrics
    assert 'ror_pipeline_steps_total{outcome="failed",step="alerts"} 2.0' in metrics
    monkeypatch.setattr(daemon_module, "run_alert_cycle", record_alerts)
    daemon.run_source("acme-m")
    assert failing_steps(engine) == []


def test_real_steps_write_an_alert_row_and_the_weekly_export_files(engine: Engine, clock: FakeClock,
                                                                    tmp_path: Path) -> None:
    config = Config.model_validate({"daemon": {"jitter_seconds": 0}, "profiles": [{
        "name": "acme", "timezone": "Europe/Berlin",
        "exports": {"output_dir": str(tmp_path / "weekly"), "formats": ["csv", "json"]},
        "alerts": {"connector_down": {"after_minutes": 1}},
        "sources": [mastodon_source("acme-m", "https://m.example"),
                    mastodon_source("acme-broken", "https://broken.example")]}]})
    transport = replay(load_cassette("mastodon"), clock.now + timedelta(days=1), clock)
    daemon = Daemon(config, engine, clock=clock, sleep=advancing_sleep(clock), transport=lambda: transport,
                    policy=POLICY)
    daemon.run_source("acme-broken")
    clock.now += timedelta(minutes=5)
    daemon.run_source("acme-broken")
    daemon.run_source("acme-m")
    daemon.run_export("acme")
    alerts = rows(engine, AlertRow)
    assert [a["detector"] for a in alerts] == ["connector_down"] and "acme-broken" in alerts[0]["condition"]
    written = {f.suffix for f in (tmp_path / "weekly").rglob("*.*")}
    assert written == {".csv", ".json"}
    assert failing_steps(engine) == []


def test_a_store_failure_outside_the_streams_counts_as_a_failed_run_and_backs_off(
        engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    def store_down(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(daemon_module, "sync_source", store_down)
    daemon = Daemon(make_config(mastodon_source("acme-m", "https://m.example")), engine, clock=clock)
    first, second = daemon.run_source("acme-m"), daemon.run_source("acme-m")
    assert first is not None and second is not None
    assert (first.status, first.consecutive_failures, second.consecutive_failures) == ("failed", 1, 2)
    assert first.next_run_at is not None and second.next_run_at is not None
    assert second.next_run_at - clock.now == 2 * (first.next_run_at - clock.now)
    assert "database is locked" in (first.error or "")
