"""The daemon exempts what its first poll loaded from later full collections, once per process."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from listener.daemon import heap
from listener.daemon import service as daemon_module
from listener.daemon.service import Daemon
from tests.conftest import FakeClock
from tests.test_daemon_faults import make_config, mastodon_source


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The collector's collect and freeze calls, recorded instead of run (the test process's heap stays as it is)."""
    recorded: list[str] = []
    monkeypatch.setattr(gc, "collect", lambda *_args: recorded.append("collect") or 0)
    monkeypatch.setattr(gc, "freeze", lambda: recorded.append("freeze"))
    heap.freeze_loaded_heap.cache_clear()
    yield recorded
    heap.freeze_loaded_heap.cache_clear()


def test_the_heap_is_collected_then_frozen_once_per_process(calls: list[str]) -> None:
    heap.freeze_loaded_heap()
    heap.freeze_loaded_heap()
    assert calls == ["collect", "freeze"]


def test_a_poll_freezes_the_heap_after_its_steps(engine: Engine, clock: FakeClock, calls: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def record_alerts(*_args: object) -> None:
        calls.append("alerts")

    monkeypatch.setattr(daemon_module, "run_alert_cycle", record_alerts)
    daemon = Daemon(make_config(mastodon_source("acme-m", "https://m.example")), engine, clock=clock)
    daemon.process(daemon.config.profiles[0])
    daemon.process(daemon.config.profiles[0])
    assert calls == ["alerts", "collect", "freeze", "alerts"]
