"""`ror worker` in one process: the SQLite refusal, periods as cron lines, coalesced processing, budgets in the
database, a poll through the task function, and what `ror status` shows about workers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from connectors.http import Quota, RetryPolicy
from listener.cli.main import app as cli
from listener.config.settings import load_config
from listener.workers.app import ProcrastinateDeferrer, build_app
from listener.workers.budget import StoredBudget
from listener.workers.plan import cron_for
from listener.workers.status import has_queue
from listener.workers.tasks import WorkerRuntime, poll_source
from tests.conftest import FakeClock
from tests.workers_harness import FakeHackerNews, add_a_live_and_a_stalled_worker, term, write_config

POLICY = RetryPolicy(max_wait_seconds=120)


class RecordingDeferrer:
    """A Deferrer that remembers what it was asked."""

    def __init__(self) -> None:
        self.profiles: list[str] = []

    def defer_processing(self, profile: str) -> bool:
        self.profiles.append(profile)
        return True


def test_ror_worker_refuses_a_sqlite_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'ror.db'}", "http://127.0.0.1:9/api/v1", 1, 60)
    result = CliRunner().invoke(cli, ["worker", "--config", str(config)])
    assert result.exit_code == 9
    assert "needs PostgreSQL" in result.output and "ror run" in result.output
    assert not (tmp_path / "ror.db").exists()  # refused before touching anything


def test_an_unknown_queue_is_a_usage_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'ror.db'}", "http://127.0.0.1:9/api/v1", 1, 60)
    result = CliRunner().invoke(cli, ["worker", "--config", str(config), "--queues", "poll,sleep"])
    assert result.exit_code == 2 and "unknown queue(s) sleep" in result.output


@pytest.mark.parametrize(("seconds", "step_field", "step"), [
    (5, 5, 5), (45, 5, 30), (15 * 60, 0, 15), (45 * 60, 0, 30), (2 * 3600, 1, 2), (5 * 3600, 1, 4)])
def test_a_period_becomes_a_clock_aligned_cron_step_no_longer_than_the_interval(
        seconds: int, step_field: int, step: int) -> None:
    fields = cron_for(seconds, "brand-7").split()
    low, every = fields[step_field].split("-")[0], fields[step_field].split("/")[1]
    assert int(every) == step and 0 <= int(low) < step
    assert cron_for(seconds, "brand-7") == cron_for(seconds, "brand-7")  # every worker computes the same line


def test_a_burst_of_polls_queues_one_processing_run_per_profile(pg_engine: Engine, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, pg_engine.url.render_as_string(hide_password=False),
                                      "http://127.0.0.1:9/api/v1", 1, 60))
    app = build_app(config)
    with app.open():
        deferrer = ProcrastinateDeferrer(app)
        burst = [deferrer.defer_processing("agency") for _ in range(50)]
        assert burst == [True] + [False] * 49
        with pg_engine.begin() as connection:
            connection.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = 'ror.process'"))
        assert deferrer.defer_processing("agency")  # new data while one runs: one more is queued after it
        assert not deferrer.defer_processing("agency")
        assert deferrer.defer_processing("other")
    with pg_engine.connect() as connection:
        jobs = connection.execute(text("SELECT args->>'profile', status, lock, queueing_lock FROM procrastinate_jobs "
                                       "WHERE task_name = 'ror.process' ORDER BY id")).all()
    assert [tuple(j) for j in jobs] == [("agency", "doing", "profile:agency", "process:agency"),
                                        ("agency", "todo", "profile:agency", "process:agency"),
                                        ("other", "todo", "profile:other", "process:other")]


def test_a_quota_budget_in_the_database_is_shared_by_every_worker(pg_engine: Engine, clock: FakeClock) -> None:
    other_worker = create_engine(pg_engine.url)
    credential = "mastodon:m.example:TOKEN"
    mine, theirs = StoredBudget(pg_engine, credential), StoredBudget(other_worker, credential)
    mine.record(Quota(remaining=10, limit=300, reset_at=clock.now + timedelta(minutes=5)))
    assert theirs.reserve(clock.now, POLICY) == 0
    assert mine.snapshot().remaining == 9 and theirs.snapshot().limit == 300
    theirs.block(clock.now + timedelta(seconds=30))
    assert mine.reserve(clock.now, POLICY) == pytest.approx(30)
    assert StoredBudget(pg_engine, "another:credential").reserve(clock.now, POLICY) == 0
    other_worker.dispose()


def test_a_poll_stores_the_items_records_health_and_asks_for_processing(pg_engine: Engine, tmp_path: Path) -> None:
    platform = FakeHackerNews(items_per_source=5, page_size=2)
    with platform.serving() as base_url:
        config = load_config(write_config(tmp_path, pg_engine.url.render_as_string(hide_password=False), base_url,
                                          2, 60))
        runtime, deferrer = WorkerRuntime(config, pg_engine), RecordingDeferrer()
        report = poll_source(runtime, deferrer, term(1))
        gone = poll_source(runtime, deferrer, "not-configured")
    assert report.status == "ok" and report.items == 5 and report.next_run_at is not None
    assert gone.status == "unknown source"
    assert deferrer.profiles == ["agency"]
    assert platform.complete_polls(term(1)) == 1 and platform.complete_polls(term(0)) == 0
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM items")).scalar_one() == 5
        health = connection.execute(text("SELECT consecutive_failures, next_run_at FROM daemon_source_health")).one()
    assert health.consecutive_failures == 0 and health.next_run_at == report.next_run_at


def test_status_shows_workers_queues_and_stalled_jobs(pg_engine: Engine, tmp_path: Path) -> None:
    config = write_config(tmp_path, pg_engine.url.render_as_string(hide_password=False), "http://127.0.0.1:9/api/v1",
                          1, 60)
    with pg_engine.begin() as connection:
        alive, dead = add_a_live_and_a_stalled_worker(connection)
    shown = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "workers" in shown.output and "no (stalled)" in shown.output and "stalled jobs" in shown.output
    listed = CliRunner().invoke(cli, ["workers", "--config", str(config), "--json"])
    assert listed.exit_code == 0, listed.output
    status = json.loads(listed.stdout)
    assert [(w["id"], w["alive"], w["running"]) for w in status["workers"]] == [(alive, True, 1), (dead, False, 1)]
    assert {q["queue"]: (q["waiting"], q["running"]) for q in status["queues"]} == {"poll": (1, 2), "process": (1, 0)}
    assert [(s["task"], s["worker_id"]) for s in status["stalled"]] == [("ror.poll", dead)]


def test_the_dashboard_sources_page_shows_the_workers_their_queues_and_stalled_jobs(pg_engine: Engine,
                                                                                  tmp_path: Path) -> None:
    import httpx

    from listener.dashboard import DashboardServer

    config = write_config(tmp_path, pg_engine.url.render_as_string(hide_password=False), "http://127.0.0.1:9/api/v1",
                          1, 60)
    with pg_engine.begin() as connection:
        dead = connection.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) "
                                       "VALUES (now() - interval '10 minutes') RETURNING id")).scalar_one()
        connection.execute(text(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id, lock) VALUES "
            "('poll', 'ror.poll', '{\"source\": \"brand-0\"}', 'doing', :dead, 'source:brand-0'), "
            "('process', 'ror.process', '{\"profile\": \"agency\"}', 'todo', NULL, NULL)"), {"dead": dead})
    server = DashboardServer(load_config(config), pg_engine, "127.0.0.1", 0)
    url = server.start()
    try:
        page = httpx.get(url + "/sources").text
    finally:
        server.stop()
    assert 'id="workers"' in page and "no (stalled)" in page
    assert '<tr class="queue"><td>process</td><td class="num">1</td>' in page
    assert "<tr class=\"stalled-job\">" in page and "brand-0" in page


def test_ror_workers_on_sqlite_says_there_is_no_queue(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'ror.db'}", "http://127.0.0.1:9/api/v1", 1, 60)
    result = CliRunner().invoke(cli, ["workers", "--config", str(config)])
    assert result.exit_code == 9 and "need PostgreSQL" in result.output
    assert CliRunner().invoke(cli, ["status", "--config", str(config)]).exit_code == 0
    assert not has_queue(create_engine(f"sqlite:///{tmp_path / 'ror.db'}"))  # the dashboard shows no workers
