"""The health endpoint and metrics: the same JSON as `ror status --json`, Prometheus text, bounded labels."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from listener.daemon.health import HealthServer
from listener.daemon.service import Daemon
from tests.cassette import load_cassette
from tests.conftest import FakeClock
from tests.test_daemon_faults import POLICY, advancing_sleep, make_config, mastodon_source, replay


@pytest.fixture
def synced(engine: Engine, clock: FakeClock) -> Daemon:
    transport = replay(load_cassette("mastodon"), None, clock)
    daemon = Daemon(make_config(mastodon_source("acme-mastodon", "https://m.example")), engine, clock=clock,
                    sleep=advancing_sleep(clock), transport=lambda: transport, policy=POLICY)
    daemon.run_source("acme-mastodon")
    return daemon


@pytest.fixture
def server(synced: Daemon) -> Iterator[HealthServer]:
    server = HealthServer("127.0.0.1", 0, synced.statuses, synced.metrics)
    server.start()
    yield server
    server.stop()


def test_status_serves_what_ror_status_json_shows(synced: Daemon, server: HealthServer) -> None:
    response = httpx.get(server.url + "/status")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == [s.to_json() for s in synced.statuses()]
    # The fixture quarantines one record, so the run is partial and the source degraded.
    assert response.json()[0]["state"] == "degraded" and response.json()[0]["items"] > 0


def test_metrics_are_prometheus_text_with_state_runs_and_items(server: HealthServer) -> None:
    response = httpx.get(server.url + "/metrics")
    text = response.text
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'ror_source_state{source="acme-mastodon",state="degraded"} 1.0' in text
    assert 'ror_source_last_run_partial{reason="quarantined",source="acme-mastodon"} 1.0' in text
    assert 'ror_source_quarantined{source="acme-mastodon"} 1.0' in text
    assert 'ror_source_state{source="acme-mastodon",state="down"} 0.0' in text
    assert 'ror_sync_runs_total{outcome="partial",source="acme-mastodon"} 1.0' in text
    assert "ror_items_scored_total" in text and "ror_source_last_success_timestamp_seconds" in text


def test_healthz_answers_and_unknown_paths_are_404(server: HealthServer) -> None:
    assert httpx.get(server.url + "/healthz").json() == {"ok": True}
    assert httpx.get(server.url + "/nope").status_code == 404


def test_an_unknown_outcome_never_becomes_a_new_label(synced: Daemon) -> None:
    synced.metrics.observe_run("acme-mastodon", "weird outcome from the future", 0, 0.1)
    assert b"weird" not in synced.metrics.render()


def test_a_removed_source_loses_its_series(synced: Daemon) -> None:
    synced.metrics.forget_source("acme-mastodon")
    assert b'ror_sync_runs_total{outcome="ok",source="acme-mastodon"}' not in synced.metrics.render()


def test_a_busy_health_port_is_logged_and_collection_goes_on(engine: Engine, clock: FakeClock,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = make_config(mastodon_source("a", "https://m.example", enabled=False))
        config.daemon.health_port = port
        daemon = Daemon(config, engine, clock=clock)
        daemon.start()
        try:
            assert daemon.health is None and daemon.scheduler is not None
            assert daemon.scheduler.get_job("export:acme") is not None
        finally:
            daemon.stop(timeout=5)
    assert f"cannot listen on 127.0.0.1:{port}" in caplog.text
