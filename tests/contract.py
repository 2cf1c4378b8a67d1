"""The connector contract kit: behaviour every connector must show, run against its cassette.

A connector's test module subclasses `ConnectorContract` and sets `case`; pytest then runs
every `test_contract_*` method for it. The cassette (tests/fixtures/<platform>/) must hold a
complete first sync (several pages on at least one stream, ending on the platform's last-page
signal) and exactly `case.quarantined` malformed records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import respx
from sqlalchemy import Engine, select

from connectors.base import SourceSettings
from connectors.http import RetryPolicy
from connectors.registry import CONNECTORS, build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from listener.storage.models import (
    AccountRow,
    AuthorRow,
    CounterSnapshotRow,
    EngagementEventRow,
    ItemProfileRow,
    ItemRow,
    QuarantineRow,
    SyncCursorRow,
)
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette

CONTRACT_BASE = "https://contract.example"
CONTRACT_POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
STORED_TABLES = (ItemRow, ItemProfileRow, EngagementEventRow, CounterSnapshotRow, QuarantineRow,
                 SyncCursorRow, AccountRow, AuthorRow)
UNSTABLE_COLUMNS = {"id"}


@dataclass
class ContractCase:
    """What the kit needs to know about one connector."""

    platform: str
    settings: Callable[[str], SourceSettings]  # base URL -> the source's settings
    secrets: dict[str, str]
    rate_limited_headers: dict[str, str]  # a 429's headers, as this platform sends them
    expected_wait_seconds: float  # what the connector must wait on that 429
    quarantined: int = 1
    min_items: int = 3
    empty_cassette: Callable[[], Cassette] | None = None  # every listing empty
    connector_class: Any = None  # when not (yet) in connectors.registry.CONNECTORS
    rate_limited_status: int = 429
    rate_limited_body: str = ""


def run_sync(case: ContractCase, engine: Engine, cassette: Cassette, clock: Any, sleep: Any,
             base_url: str = CONTRACT_BASE, transport: Any = None) -> SyncResult:
    """One sync of the case's source through respx (or a given transport/base URL)."""
    settings = case.settings(base_url)
    if case.connector_class is not None and settings.platform not in CONNECTORS:
        CONNECTORS[settings.platform] = case.connector_class
    if transport is None and base_url == CONTRACT_BASE:
        with respx.mock(assert_all_called=False) as router:
            router.route().mock(side_effect=cassette.httpx_handler(base_url))
            return _sync(case, engine, settings, clock, sleep, None)
    return _sync(case, engine, settings, clock, sleep, transport)


def _sync(case: ContractCase, engine: Engine, settings: SourceSettings, clock: Any, sleep: Any,
          transport: Any) -> SyncResult:
    connector = build_connector(settings, secrets=case.secrets, transport=transport, clock=clock,
                                sleep=sleep, policy=CONTRACT_POLICY)
    return sync_source(engine, "brand", "Europe/Berlin", settings, connector, clock=clock)


def finished(result: SyncResult) -> bool:
    """The run went through: ok, or partial only because it quarantined records (which it says)."""
    losses_only = all("record(s) quarantined" in error for error in result.errors)
    return result.status == "ok" or (result.status == "partial" and result.quarantined > 0 and losses_only)


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored table's rows without surrogate ids, sorted: equal means same data."""
    snapshot = {}
    with engine.connect() as connection:
        for model in STORED_TABLES:
            table = table_of(model)
            columns = [c for c in table.c if c.name not in UNSTABLE_COLUMNS]
            rows = connection.execute(select(*columns)).all()
            snapshot[table.name] = sorted(tuple(repr(v) for v in r) for r in rows)
    return snapshot


class ConnectorContract:
    """Subclass with `case = ContractCase(...)`; every test here then runs for that connector."""

    case: ClassVar[ContractCase]

    def fresh_engine(self, tmp_path: Path, name: str) -> Engine:
        return open_database(f"sqlite:///{tmp_path / name}.db")

    def reference(self, tmp_path: Path, clock: Any, sleep: Any) -> tuple[SyncResult, dict[str, Any], int]:
        engine = self.fresh_engine(tmp_path, "reference")
        cassette = load_cassette(self.case.platform)
        result = run_sync(self.case, engine, cassette, clock, sleep)
        return result, stored(engine), len(cassette.requests)

    def test_contract_full_sync_stores_items_and_quarantines_bad_records(self, tmp_path: Path, clock: Any,
                                                                         sleep: Any) -> None:
        result, data, _ = self.reference(tmp_path, clock, sleep)
        assert finished(result), result.error
        assert len(data["items"]) >= self.case.min_items
        assert len(data["quarantine"]) == self.case.quarantined == result.quarantined

    def test_contract_resync_is_idempotent(self, tmp_path: Path, clock: Any, sleep: Any) -> None:
        engine = self.fresh_engine(tmp_path, "twice")
        run_sync(self.case, engine, load_cassette(self.case.platform), clock, sleep)
        first = stored(engine)
        second = run_sync(self.case, engine, load_cassette(self.case.platform), clock, sleep)
        assert finished(second), second.error
        assert stored(engine) == first

    @pytest.mark.parametrize("cut", [0.2, 0.5, 0.8])
    def test_contract_interrupted_sync_resumes_without_loss_or_duplicates(self, tmp_path: Path, clock: Any, sleep: Any,
                                                                          cut: float) -> None:
        _, expected, requests = self.reference(tmp_path, clock, sleep)
        engine = self.fresh_engine(tmp_path, f"cut{cut}")
        broken = load_cassette(self.case.platform)
        broken.fail_at(max(1, int(requests * cut)), 503, count=CONTRACT_POLICY.max_attempts)
        interrupted = run_sync(self.case, engine, broken, clock, sleep)
        assert interrupted.status in {"partial", "failed"}, (interrupted, broken.requests)
        resumed = run_sync(self.case, engine, load_cassette(self.case.platform), clock, sleep)
        assert finished(resumed), resumed.error
        assert stored(engine) == expected

    def test_contract_429_honours_the_platform_headers(self, tmp_path: Path, clock: Any, sleep: Any) -> None:
        cassette = load_cassette(self.case.platform)
        cassette.fail_next(self.case.rate_limited_status, self.case.rate_limited_headers, self.case.rate_limited_body)
        result = run_sync(self.case, self.fresh_engine(tmp_path, "429"), cassette, clock, sleep)
        assert finished(result), result.error
        assert sleep.calls and sleep.calls[0] == pytest.approx(self.case.expected_wait_seconds, abs=1.0)

    def test_contract_5xx_then_success(self, tmp_path: Path, clock: Any, sleep: Any) -> None:
        cassette = load_cassette(self.case.platform)
        cassette.fail_next(503, count=CONTRACT_POLICY.max_attempts - 1)
        result = run_sync(self.case, self.fresh_engine(tmp_path, "503"), cassette, clock, sleep)
        assert finished(result), result.error
        assert len(sleep.calls) >= CONTRACT_POLICY.max_attempts - 1

    def test_contract_timeout_then_success(self, tmp_path: Path, clock: Any, sleep: Any) -> None:
        cassette = load_cassette(self.case.platform)
        cassette.fail_next(0)
        result = run_sync(self.case, self.fresh_engine(tmp_path, "timeout"), cassette, clock, sleep)
        assert finished(result), result.error

    def test_contract_bad_credentials_name_the_variable(self, tmp_path: Path, clock: Any, sleep: Any) -> None:
        cassette = load_cassette(self.case.platform)
        cassette.fail_next(401, {"Content-Type": "application/json"}, '{"error": "unauthorized"}', count=10_000)
        result = run_sync(self.case, self.fresh_engine(tmp_path, "401"), cassette, clock, sleep)
        assert result.status == "failed"
        names = self.case.settings(CONTRACT_BASE).secret_env_names().values()
        for name in names:
            assert f"${name}" in (result.error or "")
        if not names:
            assert "needs a credential" in (result.error or "")
        assert all(secret not in (result.error or "") for secret in self.case.secrets.values())

    def test_contract_empty_result(self, tmp_path: Path, clock: Any, sleep: Any) -> None:
        assert self.case.empty_cassette is not None, "a contract case must describe an empty account"
        engine = self.fresh_engine(tmp_path, "empty")
        result = run_sync(self.case, engine, self.case.empty_cassette(), clock, sleep)
        assert finished(result), result.error
        assert stored(engine)["items"] == []

    def test_contract_loopback_server_gives_the_same_items_as_respx(self, tmp_path: Path, clock: Any,
                                                                    sleep: Any) -> None:
        _, expected, _ = self.reference(tmp_path, clock, sleep)
        engine = self.fresh_engine(tmp_path, "loopback")
        with CassetteServer(load_cassette(self.case.platform)) as server:
            result = run_sync(self.case, engine, load_cassette(self.case.platform), clock, sleep, base_url=server.url)
        assert finished(result), result.error
        host = server.url.removeprefix("http://")
        got = {tuple(r[:2]) for r in stored(engine)["items"]}
        want = {tuple(v.replace("contract.example", host) for v in r[:2]) for r in expected["items"]}
        assert got == want


def seeded_cuts(seed: int, count: int) -> list[float]:
    """Reproducible interruption points in (0, 1)."""
    rng = random.Random(seed)
    return sorted(round(rng.uniform(0.05, 0.95), 3) for _ in range(count))
