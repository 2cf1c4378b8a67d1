"""The daemon on PostgreSQL: one `ror run` per database (a session advisory lock, released when its connection
ends), and a poll that stores, records health and closes interrupted runs."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, insert, text

from listener.daemon.lock import AlreadyRunningError, acquire_instance_lock
from listener.daemon.service import Daemon
from listener.storage.models import SyncRunRow
from listener.storage.upsert import table_of
from tests.cassette import load_cassette
from tests.conftest import FakeClock
from tests.test_daemon_faults import POLICY, advancing_sleep, make_config, mastodon_source, replay


def test_a_second_daemon_on_the_same_postgres_database_is_refused(server_url: str) -> None:
    first, second = create_engine(server_url), create_engine(server_url)
    with acquire_instance_lock(first) as lock:
        assert "advisory lock" in lock.description
        with pytest.raises(AlreadyRunningError) as refused:
            acquire_instance_lock(second)
        assert "already running" in str(refused.value)
    with acquire_instance_lock(second):
        pass
    first.dispose()
    second.dispose()


def test_a_dropped_connection_releases_the_advisory_lock(server_url: str) -> None:
    first, second = create_engine(server_url), create_engine(server_url)
    lock = acquire_instance_lock(first)
    first.dispose()  # the pool does not own the lock's connection: close it the hard way
    assert lock._connection is not None
    lock._connection.invalidate()  # what a killed process does to its socket
    with acquire_instance_lock(second):
        pass
    second.dispose()



def test_the_daemon_polls_records_health_and_closes_leftovers_on_postgres(pg_engine: Engine, clock: FakeClock) -> None:
    with pg_engine.begin() as connection:
        connection.execute(insert(table_of(SyncRunRow)), [
            {"source": "acme-m", "started_at": clock.now, "ended_at": None, "status": "running"}])
    idle = make_config(mastodon_source("acme-m", "https://m.example", enabled=False))
    idle.daemon.health = False
    starting = Daemon(idle, pg_engine, clock=clock)
    starting.start()  # marks the leftover, schedules nothing
    starting.stop(timeout=5)
    transport = replay(load_cassette("mastodon"), None, clock)
    daemon = Daemon(make_config(mastodon_source("acme-m", "https://m.example")), pg_engine, clock=clock,
                    sleep=advancing_sleep(clock), transport=lambda: transport, policy=POLICY)
    outcome = daemon.run_source("acme-m")
    # partial only because the cassette's one broken status is quarantined
    assert outcome is not None and outcome.status == "partial" and "1 record(s) quarantined" in (outcome.error or "")
    status = daemon.statuses()[0]
    assert status.state == "degraded" and status.items > 0 and not status.syncing
    with pg_engine.connect() as connection:
        statuses = connection.execute(text("select status from sync_runs order by id")).scalars().all()
        stopped = connection.execute(text("select stopped_at is not null from daemon_state")).scalar_one()
    assert statuses == ["interrupted", "partial"] and stopped
