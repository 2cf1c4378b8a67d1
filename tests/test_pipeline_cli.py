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
    assert synced.exit_code == 0, synced.output
    assert "acme-mastodon: ok, " in synced.output and "1 quarantined" in synced.output

    scored = runner.invoke(app, ["score", "--config", config])
    assert scored.exit_code == 0 and "scored 9 item(s)" in scored.output, scored.output

    shown = runner.invoke(app, ["index", "--json", "--days", "60", "--config", config])
    points = {p["day"]: p for p in json.loads(shown.output)["points"]}
    nov17 = points["2026-11-17"]["components"]["sentiment"]
    assert nov17["unsupported_language"] == {"de": 1}
    assert nov17["negative"] >= 1 and nov17["positive"] + nov17["negative"] + nov17["neutral"] == 2
    nov18 = points["2026-11-18"]["components"]["sentiment"]
    assert nov18["positive"] >= 2

    status = json.loads(runner.invoke(app, ["status", "--json", "--config", config]).output)[0]
    assert status["state"] == "healthy" and status["items"] == 9 and status["quarantined"] == 1
    assert status["cursors"]["mentions"] == "3900020"
    assert TOKEN not in json.dumps(status)


def test_sync_with_a_rejected_token_exits_with_the_sync_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_MASTODON_TOKEN", TOKEN)
    cassette = load_cassette("mastodon")
    cassette.interactions = [{"request": {"path": "/api/v1/accounts/lookup", "query": {}},
                              "response": {"status": 401, "headers": {}, "body": {"error": "The access token is invalid"}}}]
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
