"""A sync's status tells the truth: partial when records were quarantined, parts not read or a stream failed late."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from connectors.base import BadRecord, Connector, Item, Page, Stream, SyncContext
from connectors.errors import TransientError
from listener.cli import main
from listener.collect.status import source_statuses
from listener.collect.sync import sync_source
from listener.config.settings import load_config
from listener.daemon.health import DaemonMetrics
from tests.conftest import FIXED_NOW
from tests.real_recordings import serve
from tests.real_sync import ror_sync
from tests.test_handmade_replays import REDDIT_SOURCE, reddit_secrets, reddit_tree_replay  # noqa: F401 - fixture


def item(external_id: str) -> Item:
    return Item(platform="test", external_id=external_id, kind="post", role="inbound", author=None, text="hi",
                created_at=FIXED_NOW)


class ScriptedStream(Stream):
    """Yields the given pages, then raises the given error (if any)."""

    def __init__(self, name: str, pages: list[Page], error: Exception | None = None) -> None:
        self.name, self.pages, self.error = name, pages, error

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        yield from self.pages
        if self.error is not None:
            raise self.error


class ScriptedConnector(Connector):
    platform = "test"

    def __init__(self, *streams: Stream) -> None:
        self._streams = list(streams)

    def streams(self) -> list[Stream]:
        return self._streams


def run(engine: Engine, clock: Any, *streams: Stream) -> Any:
    settings = type("S", (), {"name": "src", "refresh_days": 7})()
    connector = ScriptedConnector(*streams)
    return sync_source(engine, "brand", "UTC", settings, connector, clock=clock)  # type: ignore[arg-type]


def test_a_stream_that_stored_pages_then_failed_is_partial(engine: Engine, clock: Any) -> None:
    result = run(engine, clock, ScriptedStream("only", [Page(items=[item("1")])], TransientError("503 after retries")))
    assert result.status == "partial" and result.items == 1 and "503" in (result.error or "")


def test_an_idle_stream_that_failed_is_still_failed(engine: Engine, clock: Any) -> None:
    assert run(engine, clock, ScriptedStream("only", [], TransientError("down"))).status == "failed"


def test_quarantined_records_make_the_run_partial_with_the_reason(engine: Engine, clock: Any) -> None:
    page = Page(items=[item("1")], bad_records=[BadRecord("post 2: KeyError('created_at')", {"id": 2}, "2")])
    page.skip("deleted", 2)
    result = run(engine, clock, ScriptedStream("posts", [page]))
    assert result.status == "partial"
    assert result.error == "posts: 1 record(s) quarantined (last: post 2: KeyError('created_at'))"
    assert result.streams["posts"].to_json() == {"pages": 1, "items": 1, "events": 0, "quarantined": 1,
                                                 "skipped": {"deleted": 2}, "unexpanded": 0, "failed": False}


def test_counts_that_lose_nothing_leave_the_run_ok(engine: Engine, clock: Any) -> None:
    page = Page(items=[item("1")])
    page.skip("too old", 5)
    result = run(engine, clock, ScriptedStream("posts", [page]))
    assert result.status == "ok" and result.skipped == 5 and result.error is None


@pytest.mark.usefixtures("reddit_secrets")
def test_partial_with_its_reason_in_status_status_json_and_metrics(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    gone = serve("/api/morechildren", {"message": "Not Found", "error": 404}, status=404)
    synced = ror_sync(tmp_path, monkeypatch, reddit_tree_replay(gone), REDDIT_SOURCE, FIXED_NOW)
    assert synced.result.exit_code == main.EXIT_SYNC_FAILED
    config = str(tmp_path / "ror.toml")
    shown = json.loads(CliRunner().invoke(main.app, ["status", "--json", "--config", config]).stdout)[0]
    assert shown["state"] == "degraded" and "part(s) not read" in shown["last_error"]
    assert shown["last_run"]["status"] == "partial" and shown["last_run"]["partial_reasons"] == ["not read"]
    assert shown["last_run"]["unexpanded"] > 0 and shown["last_run"]["streams"]["search:acme"]["items"] >= 2
    table = CliRunner().invoke(main.app, ["status", "--config", config]).output
    assert "degraded" in table and f"0 / {shown['last_run']['unexpanded']}" in table
    statuses = source_statuses(synced.engine, load_config(tmp_path / "ror.toml"))
    metrics = DaemonMetrics(lambda: statuses, lambda: []).render().decode()
    assert 'ror_source_last_run_partial{reason="not read",source="real"} 1.0' in metrics
    assert f'ror_source_last_run_unexpanded{{source="real"}} {float(shown["last_run"]["unexpanded"])}' in metrics
