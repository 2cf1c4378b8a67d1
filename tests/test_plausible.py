"""Plausible Stats API v2 from a loopback server of the documented shape: site days with goal conversions,
a day without visits quarantined, the refresh window fetched again on the next run, 429 honoured."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.plausible import plausible_session, sync_plausible
from listener.storage.relationship_models import WebDayRow
from listener.storage.upsert import table_of
from tests.cassette import CassetteServer, load_cassette
from tests.conftest import FakeClock, RecordedSleep

CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"

[profiles.imports.plausible]
site_id = "acme.example"
base_url = "{base_url}"
goals = ["Signup", "Purchase"]
backfill_days = 5
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLAUSIBLE_API_KEY", "plausible-test-key")
    return tmp_path / "ror.toml"


def stored(engine: Engine) -> dict[str, tuple]:
    web = table_of(WebDayRow)
    with engine.connect() as connection:
        return {d.isoformat(): tuple(rest) for d, *rest in connection.execute(
            select(web.c.day, web.c.visits, web.c.bounce_rate, web.c.visit_duration_seconds, web.c.conversions))}


def test_site_days_with_conversions_then_the_refresh_window_again(config: Path, engine: Engine) -> None:
    cassette = load_cassette("plausible")
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(base_url=server.url))
        profile = load_config(config).profile(None)
        first = sync_plausible(engine, profile, plausible_session(profile.imports.plausible),  # type: ignore[arg-type]
                               clock=FakeClock())
        days = stored(engine)
        again = sync_plausible(engine, profile, plausible_session(profile.imports.plausible),  # type: ignore[arg-type]
                               clock=FakeClock())
    assert (first.rows, first.new, first.quarantined) == (4, 3, 1) and "2026-11-15: no visits" in first.errors[0][1]
    assert days == {"2026-11-13": (100, 0.4, 95.0, 4), "2026-11-14": (70, 0.5, 80.0, 2),
                    "2026-11-17": (150, 0.35, 110.0, 9)}  # bounce rate stored as a share
    assert (again.new, again.known) == (0, 2) and stored(engine)["2026-11-17"] == (160, 0.35, 112.0, 10)
    assert len(cassette.requests) == 4


def test_a_rate_limit_is_waited_out(config: Path, engine: Engine) -> None:
    cassette = load_cassette("plausible")
    cassette.fail_next(429, {"Retry-After": "2"})
    sleep = RecordedSleep()
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(base_url=server.url))
        profile = load_config(config).profile(None)
        result = sync_plausible(engine, profile, plausible_session(profile.imports.plausible, sleep=sleep),  # type: ignore[arg-type]
                                clock=FakeClock())
    assert sleep.calls[0] == pytest.approx(2, abs=1) and result.new == 3


def test_a_missing_key_is_a_config_error_naming_the_variable(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLAUSIBLE_API_KEY")
    config.write_text(CONFIG.format(base_url="http://127.0.0.1:9"))
    shown = CliRunner().invoke(app, ["import", "plausible", "--config", str(config)])
    assert shown.exit_code == 3 and "PLAUSIBLE_API_KEY" in shown.output


def test_the_daemon_fetches_the_api_sources_on_their_own_schedule_and_shows_a_failure(
        config: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from listener.daemon.scheduling import build_scheduler, import_job_specs, reconcile_jobs
    from listener.daemon.service import Daemon
    from listener.daemon.steps import failing_steps

    cassette = load_cassette("plausible")
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(base_url=server.url))
        loaded = load_config(config)
        assert [(s.job_id, s.interval) for s in import_job_specs(loaded)] == [("import:brand", timedelta(hours=1))]
        scheduler = build_scheduler(1)
        reconcile_jobs(scheduler, loaded, print, print, FakeClock()(), run_imports=print)
        assert sorted(job.id for job in scheduler.get_jobs()) == ["export:brand", "import:brand"]
        daemon = Daemon(loaded, engine, clock=FakeClock())
        daemon.run_imports("brand")
        assert stored(engine)["2026-11-17"] == (150, 0.35, 110.0, 9) and failing_steps(engine) == []
        monkeypatch.delenv("PLAUSIBLE_API_KEY")
        daemon.run_imports("brand")
    [failed] = failing_steps(engine)
    assert (failed.profile, failed.step, failed.consecutive_failures) == ("brand", "import plausible", 1)
    assert "PLAUSIBLE_API_KEY" in (failed.last_error or "")
