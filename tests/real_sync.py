"""`ror sync` against real recordings served on loopback, with the run's clock and sleep injected."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

import connectors.registry
import listener.collect.sync
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.cli import main
from listener.cli.app import EXIT_CONFIG
from listener.collect.sync import sync_source
from listener.storage.engine import open_database
from listener.storage.models import ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer
from tests.conftest import FakeClock, RecordedSleep

REPLAY_POLICY = RetryPolicy(max_attempts=2, backoff_initial=0.1, backoff_max=1, max_wait_seconds=120)
CONFIG = """
[database]
url = "sqlite:///{db}"

[[profiles]]
name = "brand"
timezone = "UTC"

[[profiles.sources]]
name = "{name}"
base_url = "{url}"
{source}
"""


@dataclass
class ReplayRun:
    """What one `ror sync` against a replay left behind."""

    result: Result
    engine: Engine
    requests: list[str]

    def items(self) -> dict[str, dict[str, Any]]:
        """Stored items by external id."""
        with self.engine.connect() as connection:
            return {r["external_id"]: dict(r) for r in connection.execute(select(table_of(ItemRow))).mappings()}

    def cursors(self) -> dict[str, str]:
        """Stored cursors by stream."""
        with self.engine.connect() as connection:
            table = table_of(SyncCursorRow)
            return dict(connection.execute(select(table.c.stream, table.c.cursor)).all())

    def quarantine(self) -> list[dict[str, Any]]:
        """Quarantined records."""
        with self.engine.connect() as connection:
            return [dict(r) for r in connection.execute(select(table_of(QuarantineRow))).mappings()]


def ror_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cassette: Cassette, source: str, now: datetime,
             name: str = "real", args: tuple[str, ...] = ()) -> ReplayRun:
    """Run `ror sync` with a config whose one source (TOML lines in `source`) points at the replay."""
    clock = FakeClock(now)
    # `ror sync` imports these inside the command (start-up time), so they are replaced where it finds them
    monkeypatch.setattr(connectors.registry, "build_connector", functools.partial(
        build_connector, clock=clock, sleep=RecordedSleep(), policy=REPLAY_POLICY))
    monkeypatch.setattr(listener.collect.sync, "sync_source", functools.partial(sync_source, clock=clock))
    config = tmp_path / "ror.toml"
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(db=tmp_path / "ror.db", name=name, url=server.url,
                                         source=source.replace("{url}", server.url)))
        result = CliRunner().invoke(main.app, ["sync", "--config", str(config), *args])
    assert result.exit_code != EXIT_CONFIG, result.output  # a replay whose config is refused tests nothing
    print(f"ror sync ({source.splitlines()[0]}, now {now:%Y-%m-%d %H:%M}): {result.output.strip()}")  # shown by -s
    return ReplayRun(result, open_database(f"sqlite:///{tmp_path / 'ror.db'}"), list(cassette.requests))
