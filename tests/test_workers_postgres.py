"""Scale-out on a real PostgreSQL: `ror worker` processes against a loopback fake platform that counts polls.

Periods are a few seconds (the config's interval override) and every wait re-checks a
condition, with a deadline, when the platform or a worker reports a change; no test sleeps.
"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from listener.config.settings import load_config
from listener.storage.engine import open_database
from listener.workers.app import build_app, defer_poll
from listener.workers.status import queue_status
from tests.workers_harness import (
    FakeHackerNews,
    WorkerProcess,
    restartable_cluster,
    term,
    wait_for,
    workers,
    write_config,
)

PERIOD = 5  # seconds; a divisor of the minute, so it is the period as configured
# Polls only (scoring's first run loads language models for tens of seconds; its coalescing is tested in-process).
FAST = ("--queues", "poll,maintenance", "--heartbeat-seconds", "1", "--stall-seconds", "6")
# For a test of the steady state: on a machine loaded by other work a live worker's heartbeat can lag six
# seconds, and its poll is then rightly run again elsewhere (the stall path has its own tests below).
STEADY = (*FAST[:-1], "30")


@pytest.fixture
def pg_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated database's URL on the session's server, dropped afterwards."""
    name = f"ror_workers_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database: commits need not wait for the disk (the shared test machine's fsync is slow).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    open_database(url).dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


POLL_LINE = re.compile(r"ror\.worker: (brand-\d+): \w+, \d+ items.*; period (\S+)$", re.MULTILINE)


def drain(running: list[WorkerProcess]) -> None:
    """SIGTERM every worker at once (so none starts a poll another just cut short), then wait for each."""
    for worker in running:
        worker.signal(signal.SIGTERM)
    for worker in running:
        assert worker.wait_exit() == 0, worker.text()[-2000:]


def served_periods(logs: list[str]) -> dict[str, list[datetime]]:
    """Per source, the period each finished poll served, from the workers' logs, in order."""
    periods: dict[str, list[datetime]] = defaultdict(list)
    for text_ in logs:
        for source, period in POLL_LINE.findall(text_):
            periods[source].append(datetime.fromisoformat(period))
    return {source: sorted(stamps) for source, stamps in periods.items()}


def test_three_workers_poll_every_source_once_per_period(pg_url: str, tmp_path: Path) -> None:
    platform = FakeHackerNews(items_per_source=4, page_size=2)
    sources, step = 30, timedelta(seconds=PERIOD)
    with platform.serving() as base_url:
        config = write_config(tmp_path, pg_url, base_url, sources, PERIOD)
        engine = create_engine(pg_url)
        with workers(config, tmp_path, 3, "--concurrency", "4", *STEADY) as running:
            wait_for(lambda: all("Starting worker" in w.text() for w in running), 60, "three workers up")
            # The first period after all three are up starts the steady state (before it, one worker
            # may face all 30 sources alone and, by design, skip a period rather than queue two polls).
            steady = datetime.fromtimestamp((time.time() // PERIOD + 1) * PERIOD, UTC)

            def steady_periods() -> bool:
                served = served_periods([w.text() for w in running])
                return all(len([p for p in served.get(term(n), []) if p >= steady]) >= 3 for n in range(sources))

            wait_for(steady_periods, 60, "every source polled in three periods of the steady state")
            drain(running)
        periods = served_periods([worker.text() for worker in running])
        for n in range(sources):
            name = term(n)
            served = periods[name]
            stalls = [line for w in running for line in w.text().splitlines() if "stalled" in line]
            assert len(served) == len(set(served)), f"{name}: a period polled twice: {served}; {stalls}"
            assert len(platform.polls[name]) == len(served), f"{name}: {len(platform.polls[name])} polls seen"
            steady_served = [p for p in served if p >= steady]
            expected = [steady_served[0] + k * step for k in range(len(steady_served))]
            assert steady_served[0] - steady < step and steady_served == expected, f"{name} missed a period: {served}"
        assert dict(platform.overlaps) == {}
        assert scalar(engine, "SELECT count(*) FROM items") == sources * 4
        assert scalar(engine, "SELECT count(DISTINCT external_id) FROM items") == sources * 4
        assert scalar(engine, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'") == 0
        engine.dispose()


def test_a_worker_killed_mid_poll_has_its_job_retried_elsewhere_and_items_stored_once(
        pg_url: str, tmp_path: Path) -> None:
    platform = FakeHackerNews(items_per_source=4, page_size=2)
    platform.gates[term(0)] = threading.Event()  # the second page waits: the poll is caught in the middle
    with platform.serving() as base_url:
        config = write_config(tmp_path, pg_url, base_url, 1, 20 * 60)
        app = build_app(load_config(config))
        with app.open():
            defer_poll(app, term(0))  # the periodic deferral may have queued it already; then this is refused
        engine = create_engine(pg_url)
        with workers(config, tmp_path, 1, *FAST) as (first,):
            wait_for(lambda: platform.held[term(0)] >= 1, 60, "the first worker in the middle of the poll")
            assert platform.complete_polls(term(0)) == 0
            (tmp_path / "second").mkdir()
            with workers(config, tmp_path / "second", 1, *FAST) as (second,):
                wait_for(lambda: "Starting worker" in second.text(), 60, "the second worker up")
                first.signal(signal.SIGKILL)
                assert first.wait_exit() == -signal.SIGKILL
                platform.gates[term(0)].set()
                wait_for(lambda: platform.complete_polls(term(0)) >= 1, 60, "the poll completed by the second worker")
                wait_for(lambda: "brand-0: ok, 4 items" in second.text(), 30, "the second worker's log of the poll")
                assert "stalled" in second.text()
                drain([second])
        assert scalar(engine, "SELECT count(*) FROM items") == 4
        assert scalar(engine, "SELECT count(DISTINCT external_id) FROM items") == 4
        with engine.connect() as connection:
            runs = connection.execute(text("SELECT status FROM sync_runs ORDER BY id")).scalars().all()
        assert runs[0] == "interrupted" and runs[-1] == "ok" and "running" not in runs
        assert queue_status(engine).stalled == []
        engine.dispose()


def test_workers_reconnect_after_a_database_restart_and_carry_on(tmp_path: Path) -> None:
    with restartable_cluster() as cluster:
        if cluster is None:
            pytest.fail("no PostgreSQL server: install Debian's postgresql package")
        open_database(cluster.url).dispose()
        platform = FakeHackerNews(items_per_source=4, page_size=2)
        sources = 10
        with platform.serving() as base_url:
            config = write_config(tmp_path, cluster.url, base_url, sources, PERIOD)
            with workers(config, tmp_path, 2, *FAST) as running:
                # Both up before the database goes away (a worker that cannot reach it at start exits at once).
                wait_for(lambda: all("Starting worker" in w.text() for w in running), 60, "both workers up")
                wait_for(lambda: all(platform.complete_polls(term(n)) >= 1 for n in range(sources)), 60,
                         "every source polled once")
                seen = [len(w.text()) for w in running]
                cluster.stop()
                wait_for(lambda: all("Connection refused" in w.text()[n:] for w, n in zip(running, seen, strict=True)),
                         60, "both workers finding the database gone")
                cluster.start()
                restarted = datetime.now(UTC)

                def polled_after_restart() -> bool:
                    served = served_periods([w.text() for w in running])
                    return all(len([p for p in served.get(term(n), []) if p > restarted]) >= 2
                               for n in range(sources))

                wait_for(polled_after_restart, 60, "every source polled in two periods after the restart")
                for worker in running:
                    assert worker.process.poll() is None, f"a worker exited:\n{worker.text()[-3000:]}"
                drain(running)
        engine = create_engine(cluster.url)
        assert scalar(engine, "SELECT count(*) FROM items") == sources * 4
        assert scalar(engine, "SELECT count(DISTINCT external_id) FROM items") == sources * 4
        engine.dispose()
