"""The TikTok connector against documented-shape Business API responses, token refresh included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import respx
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.cli.main import app
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.test_tiktok_contract import ACCESS_TOKEN, BUSINESS_ID, tiktok_settings

BASE = "https://business-api.tiktok.com"
VIDEO, QUESTION, ANSWER, LAST_REPLY = ("7437012345678901234", "7437100000000000001", "7437200000000000003",
                                       "7437200000000000004")
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
NO_PERMISSION = '{"code":40001,"message":"No permission to operate this video.","request_id":"x","data":{}}'
EXPIRED = '{"code":40105,"message":"The access token is invalid or has expired.","request_id":"x","data":{}}'


def run(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None,
        secrets: dict[str, str] | None = None, **overrides: Any) -> tuple[SyncResult, Cassette, list[Any]]:
    """One sync of the fixture account through respx; also the requests sent."""
    cassette = cassette or load_cassette("tiktok")
    settings = tiktok_settings(BASE, **overrides)
    connector = build_connector(settings, secrets=secrets or {"access_token": ACCESS_TOKEN}, clock=clock,
                                sleep=sleep, policy=POLICY)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        result = sync_source(engine, "acme", "Europe/Amsterdam", settings, connector, clock=clock)
        requests = [call.request for call in router.calls]
    return result, cassette, requests


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def test_tiktok_sync_stores_videos_counters_comments_and_every_reply(engine: Engine, clock: Any, sleep: Any) -> None:
    result, _, sent = run(engine, clock, sleep)
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    stored = {r["external_id"]: r for r in rows(engine, ItemRow)}
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    video = stored[VIDEO]
    assert (video["kind"], roles[VIDEO]) == ("post", "owned")
    assert (video["views"], video["likes"], video["replies"], video["shares"]) == (51877, 3390, 6, 144)
    assert (stored[QUESTION]["kind"], stored[QUESTION]["parent_external_id"]) == ("comment", VIDEO)
    assert (stored[ANSWER]["kind"], stored[ANSWER]["parent_external_id"], roles[ANSWER]) == ("reply", QUESTION, "owned")
    assert stored[LAST_REPLY]["text"] == "Ja graag een tutorial", "the fourth reply comes from reply/list"
    followers = {r["external_id"]: r["followers"] for r in rows(engine, AuthorRow)}
    assert followers[BUSINESS_ID] == 15230
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors["videos"] == "1794762000"  # 2026-11-15T17:00Z
    assert sent[0].headers["Access-Token"] == ACCESS_TOKEN and "Authorization" not in sent[0].headers


def test_the_next_sync_stops_at_the_newest_video_stored(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    _, cassette, _ = run(engine, clock, sleep)
    listings = [r for r in cassette.requests if "/video/list/" in r and "filters" not in r]
    assert len(listings) == 1 and "cursor" not in listings[0]


def test_a_missing_scope_in_a_200_body_is_one_line_naming_it(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("tiktok")
    cassette.fail_next(200, {"Content-Type": "application/json"}, NO_PERMISSION, count=100)
    result, _, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    error = result.error or ""
    assert "TikTok error 40001" in error and "video.list" in error and "$TEST_TIKTOK_TOKEN" in error
    assert "\n" not in error and ACCESS_TOKEN not in error


def test_an_expired_token_is_renewed_with_the_refresh_answer(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("tiktok")
    cassette.fail_next(200, {"Content-Type": "application/json"}, EXPIRED)
    secrets = {"access_token": "act.expired", "refresh_token": "rft.old", "client_id": "7301", "client_secret": "s"}
    result, cassette, sent = run(engine, clock, sleep, cassette, secrets=secrets, refresh_token_env="TEST_TT_REFRESH",
                                 client_id_env="TEST_TT_APP_ID", client_secret_env="TEST_TT_SECRET",
                                 token_url=f"{BASE}/open_api/v1.3/tt_user/oauth2/refresh_token/")
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    assert cassette.requests[1] == "POST /open_api/v1.3/tt_user/oauth2/refresh_token/"
    assert sent[2].headers["Access-Token"] == "acme-tt-access-renewed-71", "the token from the refresh answer"


CONFIG = """
[[profiles]]
name = "acme"
timezone = "Europe/Amsterdam"

[[profiles.sources]]
name = "acme-tiktok"
platform = "tiktok"
base_url = "{url}/open_api/v1.3"
business_id = "-000Tq9xJwzQvK2mN8pL4rS6tU0vW1xYz3"
access_token_env = "TEST_TIKTOK_TOKEN"
page_size = 2
comment_page_size = 2
backfill_days = 3650
"""


def test_ror_sync_against_a_loopback_tiktok_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_TIKTOK_TOKEN", ACCESS_TOKEN)
    config = tmp_path / "ror.toml"
    with CassetteServer(load_cassette("tiktok")) as server:
        config.write_text(CONFIG.format(url=server.url))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    # the fixture's one malformed record is quarantined, so the sync says partial (exit 4)
    assert result.exit_code == 4 and "partial" in result.output and "1 quarantined" in result.output, result.output
    # The CLI runs on the real clock: no video is recent enough for its comments to be re-read.
    assert "acme-tiktok: partial, 3 items, 0 events, 1 quarantined" in result.output
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    assert VIDEO in {r["external_id"] for r in rows(engine, ItemRow)}
