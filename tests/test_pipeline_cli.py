"""The CLI pipeline against a loopback Mastodon replay: sync -> score -> index -> status, and failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listener.cli.main import EXIT_SYNC_FAILED, app
from tests.cassette import CassetteServer, load_cassette
from tests.mastodon_setup import TOKEN

CONFIG = """
[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[[profiles.sources]]
name = "acme-mastodon"
platform = "mastodon"
base_url = "{url}"
account = "acme"
hashtags = ["acmecoffee"]
mentions = true
token_env = "TEST_MASTODON_TOKEN"
backfill_days = 30
refresh_days = 30
"""


def write_config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG.format(url=url))
    return str(path)


def test_sync_score_index_status_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MASTODON_TOKEN", TOKEN)
    runner = CliRunner()
    with CassetteServer(load_cassette("mastodon")) as server:
        config = write_config(tmp_path, server.url)
        synced = runner.invoke(app, ["sync", "--config", config])
    # The fixture holds one broken status: stored everything else, said partial and why, exit code 4.
    assert synced.exit_code == EXIT_SYNC_FAILED, synced.output
    assert "acme-mastodon: partial, " in synced.output and "1 record(s) quarantined (last: " in synced.output

    scored = runner.invoke(app, ["score", "--config", config])
    assert scored.exit_code == 0 and "scored 9 item(s)" in scored.output, scored.output

    shown = runner.invoke(app, ["index", "--json", "--days", "60", "--config", config])
    points = {p["day"]: p for p in json.loads(shown.stdout)["points"]}
    nov17 = points["2026-11-17"]["components"]["sentiment"]
    assert nov17["unsupported_language"] == {}  # the German mention is scored by the German backend
    assert nov17["negative"] >= 1 and nov17["positive"] + nov17["negative"] + nov17["neutral"] == 3
    nov18 = points["2026-11-18"]["components"]["sentiment"]
    assert nov18["positive"] >= 2

    status = json.loads(runner.invoke(app, ["status", "--json", "--config", config]).stdout)[0]
    assert status["state"] == "degraded" and status["items"] == 9 and status["quarantined"] == 1
    assert "KeyError" in status["last_quarantine_error"] and status["last_run"]["partial_reasons"] == ["quarantined"]
    assert status["cursors"]["mentions"] == "3900020"
    assert TOKEN not in json.dumps(status)


def test_sync_with_a_rejected_token_exits_with_the_sync_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MASTODON_TOKEN", TOKEN)
    cassette = load_cassette("mastodon")
    cassette.interactions = [{"request": {"path": "/api/v1/accounts/lookup", "query": {}},
                              "response": {"status": 401, "headers": {},
                                           "body": {"error": "The access token is invalid"}}}]
    with CassetteServer(cassette) as server:
        result = CliRunner().invoke(app, ["sync", "--config", write_config(tmp_path, server.url)])
    assert result.exit_code == EXIT_SYNC_FAILED
    assert "failed" in result.output and "$TEST_MASTODON_TOKEN" in result.output
    assert TOKEN not in result.output


def test_sync_with_an_unset_token_variable_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_MASTODON_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["sync", "--config", write_config(tmp_path, "http://127.0.0.1:9")])
    assert result.exit_code == EXIT_SYNC_FAILED
    assert "environment variable TEST_MASTODON_TOKEN" in result.output


def test_a_skipped_sync_shows_as_down_with_its_reason_in_status(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_MASTODON_TOKEN", raising=False)
    config = write_config(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["sync", "--config", config])
    assert result.exit_code == EXIT_SYNC_FAILED
    [status] = json.loads(CliRunner().invoke(app, ["status", "--json", "--config", config]).stdout)
    assert status["state"] == "down"
    assert "skipped" in status["last_error"] and "TEST_MASTODON_TOKEN" in status["last_error"]


def test_status_lists_pipeline_steps_that_failed_in_the_daemon(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from listener.config.settings import load_config
    from listener.daemon.steps import record_step
    from listener.storage.engine import open_database

    config = write_config(tmp_path, "http://127.0.0.1:9")
    engine = open_database(load_config(Path(config)).database_url())
    record_step(engine, "acme", "aggregate", datetime(2026, 12, 1, 8, tzinfo=UTC),
                "OverflowError: date value out of range")
    result = CliRunner().invoke(app, ["status", "--config", config], terminal_width=200)
    assert "pipeline steps failing in the daemon" in result.output
    assert "aggregate" in result.output and "OverflowError: date value out of range" in result.output
