"""`ror quarantine list/show/retry` and `ror status` on records an older mapping could not parse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.appstore import connector as appstore
from listener.cli.main import app
from tests.cassette import handmade_body
from tests.real_recordings import cassette_of, serve
from tests.real_sync import ror_sync

SOURCE = """platform = "appstore"
app_id = "1234567890"
countries = ["nl"]
backfill_days = 3650
request_interval_seconds = 0
"""
FEED = "/nl/rss/customerreviews/page={n}/id=1234567890/sortby=mostrecent/json"
NOW = datetime(2026, 11, 18, 13, tzinfo=UTC)


def old_review_time(entry: dict, served_at: datetime | None) -> datetime:
    """The mapping before the fix: every review had to carry its own `updated`."""
    return appstore.parse_time(appstore.require_label(entry, "updated"))


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_records_an_old_mapping_quarantined_are_stored_by_retry(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    replay = cassette_of(serve(FEED.format(n=1), handmade_body("appstore", "customerreviews_app_feed.json")),
                         serve(FEED.format(n=2), handmade_body("appstore", "customerreviews_empty.json")))
    with monkeypatch.context() as old:
        old.setattr(appstore, "review_time", old_review_time)
        synced = ror_sync(tmp_path, monkeypatch, replay, SOURCE, NOW)
    assert "real: partial, 0 items, 0 events, 5 quarantined" in synced.result.output
    config = str(tmp_path / "ror.toml")
    status = json.loads(cli("status", "--json", "--config", config))[0]
    assert status["quarantined"] == 5 and "updated" in status["last_quarantine_error"]
    listed = json.loads(cli("quarantine", "list", "--json", "--config", config))
    assert len(listed) == 5 and {r["stream"] for r in listed} == {"reviews:nl"}
    shown = json.loads(cli("quarantine", "show", str(listed[0]["id"]), "--config", config))
    assert shown["payload"]["id"]["label"] == listed[0]["external_id"]

    retried = cli("quarantine", "retry", "--config", config)
    assert "re-parsed 5 record(s) into 5 item(s); 0 still broken" in retried
    assert len(synced.items()) == 5
    assert json.loads(cli("quarantine", "list", "--json", "--config", config)) == []
    assert len(json.loads(cli("quarantine", "list", "--all", "--json", "--config", config))) == 5  # kept
    assert json.loads(cli("status", "--json", "--config", config))[0]["quarantined"] == 0


def test_a_record_still_broken_stays_quarantined_with_its_new_error(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    body = handmade_body("appstore", "customerreviews_app_feed.json")
    body["feed"]["entry"][1]["im:rating"]["label"] = "five"
    replay = cassette_of(serve(FEED.format(n=1), body), serve(FEED.format(n=2), {"feed": {}}))
    synced = ror_sync(tmp_path, monkeypatch, replay, SOURCE, NOW)
    assert len(synced.items()) == 4
    retried = cli("quarantine", "retry", "--config", str(tmp_path / "ror.toml"))
    assert "re-parsed 0 record(s) into 0 item(s); 1 still broken" in retried and "five" in retried
