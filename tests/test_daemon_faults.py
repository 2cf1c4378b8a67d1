"""Faults under a simulated clock: a source down for ten minutes backs off and recovers; the others go on."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from connectors.http import RetryPolicy
from listener.config.settings import Config
from listener.daemon.service import Daemon
from listener.storage.models import ItemProfileRow, SentimentRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.conftest import FakeClock

POLICY = RetryPolicy(max_attempts=3, backoff_initial=1, backoff_max=8, max_wait_seconds=120)
OUTAGE = timedelta(minutes=10)


def mastodon_source(name: str, base_url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "platform": "mastodon", "base_url": base_url, "account": "acme",
            "hashtags": ["acmecoffee"], "interval_minutes": 1, "backfill_days": 30, "refresh_days": 7, **extra}


def make_config(*sources: dict[str, Any]) -> Config:
    return Config.model_validate({"daemon": {"jitter_seconds": 0},
                                  "profiles": [{"name": "acme", "timezone": "Europe/Berlin",
                                                "sources": list(sources)}]})


def advancing_sleep(clock: FakeClock) -> Any:
    def sleep(seconds: float) -> None:
        clock.now += timedelta(seconds=seconds)
    return sleep


def replay(cassette: Cassette, broken_until: datetime | None, clock: FakeClock) -> httpx.MockTransport:
    """The cassette on every host; broken.example answers 500 until `broken_until`."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "broken.example" and broken_until and clock.now < broken_until:
            return httpx.Response(500, text="<html>Internal Server Error</html>")
        return cassette.httpx_handler(f"{request.url.scheme}://{request.url.host}")(request)

    return httpx.MockTransport(handle)


@dataclass(frozen=True)
class Poll:
    """One simulated poll: which source, when, and what status showed after it."""

    source: str
    at: datetime
    outcome: str
    state: str
    failures: int


def simulate(daemon: Daemon, clock: FakeClock, until: datetime) -> list[Poll]:
    """Run the daemon's polls in due order on the simulated clock (the scheduler's job, minus the waiting)."""
    due = {source.name: clock.now for _, source in daemon.config.sources()}
    polls = []
    while min(due.values()) < until:
        name = min(due, key=lambda n: (due[n], n))
        clock.now = max(clock.now, due[name])
        started = clock.now
        outcome = daemon.run_source(name)
        assert outcome is not None and outcome.next_run_at is not None
        state = {s.source: s.state for s in daemon.statuses()}[name]
        polls.append(Poll(name, started, outcome.status, state, outcome.consecutive_failures))
        due[name] = outcome.next_run_at
    return polls


def items_of(engine: Engine, source: str) -> int:
    links = table_of(ItemProfileRow)
    with engine.connect() as connection:
        return connection.execute(select(func.count()).where(links.c.source == source)).scalar_one()


def test_a_source_failing_for_ten_minutes_is_down_backs_off_and_recovers(engine: Engine, clock: FakeClock) -> None:
    start = clock.now
    transport = replay(load_cassette("mastodon"), start + OUTAGE, clock)
    config = make_config(mastodon_source("broken", "https://broken.example"), mastodon_source("steady", "https://steady.example"))
    daemon = Daemon(config, engine, clock=clock, sleep=advancing_sleep(clock), transport=lambda: transport,
                    policy=POLICY)
    polls = simulate(daemon, clock, start + timedelta(minutes=20))

    broken = [p for p in polls if p.source == "broken"]
    during = [p for p in broken if p.at < start + OUTAGE]
    after = [p for p in broken if p.at >= start + OUTAGE]
    assert all(p.outcome == "failed" and p.state == "down" for p in during)
    gaps = [(b.at - a.at).total_seconds() for a, b in pairwise(during)]
    assert len(during) <= 5 and gaps == sorted(gaps) and gaps[-1] >= 2 * gaps[0], gaps
    assert [p.failures for p in during] == list(range(1, len(during) + 1))
    # "partial": the cassette's one broken status is quarantined on the first run that reads it.
    assert after and after[0].outcome == "partial" and after[0].state == "degraded" and after[0].failures == 0
    assert items_of(engine, "broken") > 0

    steady = [p for p in polls if p.source == "steady" and p.at < start + OUTAGE]
    assert len(steady) >= 8 and steady[0].outcome == "partial"  # its first run quarantines the broken status
    assert all(p.outcome == "ok" and p.state == "healthy" for p in steady[1:])
    assert items_of(engine, "steady") > 0


def test_recovered_items_are_scored_like_the_others(engine: Engine, clock: FakeClock) -> None:
    start = clock.now
    transport = replay(load_cassette("mastodon"), start + OUTAGE, clock)
    daemon = Daemon(make_config(mastodon_source("broken", "https://broken.example")), engine, clock=clock,
                    sleep=advancing_sleep(clock), transport=lambda: transport, policy=POLICY)
    simulate(daemon, clock, start + timedelta(minutes=16))
    with engine.connect() as connection:
        scored = connection.execute(select(func.count()).select_from(table_of(SentimentRow))).scalar_one()
    assert scored == items_of(engine, "broken") > 0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_source_whose_server_is_gone_is_down_while_the_others_collect(engine: Engine, clock: FakeClock) -> None:
    with CassetteServer(load_cassette("mastodon")) as server:
        config = make_config(mastodon_source("gone", f"http://127.0.0.1:{closed_port()}"),
                             mastodon_source("alive", server.url))
        daemon = Daemon(config, engine, clock=clock, sleep=advancing_sleep(clock), policy=POLICY)
        gone, alive = daemon.run_source("gone"), daemon.run_source("alive")
    assert gone is not None and gone.status == "failed" and "ConnectError" in (gone.error or "")
    assert alive is not None and alive.status == "partial" and items_of(engine, "alive") > 0
    assert "1 record(s) quarantined" in (alive.error or "")  # the cassette's one broken status: stored the rest
    states = {s.source: s for s in daemon.statuses()}
    assert states["gone"].state == "down" and states["alive"].state == "degraded"
    assert states["gone"].next_run_at is not None and states["gone"].consecutive_failures == 1


def test_a_missing_secret_shows_the_source_down_naming_the_variable(engine: Engine, clock: FakeClock,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROR_TEST_UNSET_TOKEN", raising=False)
    cassette = load_cassette("mastodon")
    source = mastodon_source("private", "https://private.example", mentions=True, token_env="ROR_TEST_UNSET_TOKEN")
    daemon = Daemon(make_config(source), engine, clock=clock, sleep=advancing_sleep(clock),
                    transport=lambda: replay(cassette, None, clock), policy=POLICY)
    outcome = daemon.run_source("private")
    assert outcome is not None and outcome.status == "failed" and cassette.requests == []
    status = daemon.statuses()[0]
    assert status.state == "down" and "ROR_TEST_UNSET_TOKEN" in (status.last_error or "")

