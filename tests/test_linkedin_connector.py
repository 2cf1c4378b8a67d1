"""The LinkedIn connector against documented-shape Community Management API responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import respx
from pydantic import ValidationError
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
from tests.test_linkedin_contract import ACCESS_TOKEN, linkedin_settings

BASE = "https://api.linkedin.com"
ORG = "urn:li:organization:2414183"
POST, MENTION = "urn:li:share:7263012345678901234", "urn:li:share:7262900000000000777"
ACT = "urn:li:activity:7263012345678901234"
QUESTION, ANSWER = f"urn:li:comment:({ACT},7263100000000000001)", f"urn:li:comment:({ACT},7263200000000000002)"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
ACCESS_DENIED = ('{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED",'
                 '"message":"Not enough permissions to access: partnerApiPostsExternal.FINDER-author.20241101"}')


def run(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None,
        secrets: dict[str, str] | None = None, **overrides: Any) -> tuple[SyncResult, Cassette, Any]:
    """One sync of the fixture organization through respx; also the requests sent (for their headers)."""
    cassette = cassette or load_cassette("linkedin")
    settings = linkedin_settings(BASE, **overrides)
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


def test_linkedin_sync_stores_posts_statistics_threaded_comments_and_mentions(engine: Engine, clock: Any,
                                                                              sleep: Any) -> None:
    result, _, sent_requests = run(engine, clock, sleep)
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    stored = {r["external_id"]: r for r in rows(engine, ItemRow)}
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    post = stored[POST]
    assert (post["kind"], roles[POST]) == ("post", "owned")
    assert (post["likes"], post["replies"], post["shares"], post["views"]) == (118, 5, 14, 3120)
    assert stored["urn:li:share:7261000000000000002"]["kind"] == "share", "a reshare is a share"
    assert (stored[QUESTION]["kind"], stored[QUESTION]["parent_external_id"]) == ("comment", POST)
    answer = stored[ANSWER]
    assert (answer["kind"], answer["parent_external_id"], roles[ANSWER]) == ("reply", QUESTION, "owned")
    assert stored[ANSWER]["root_external_id"] == POST
    assert (stored[MENTION]["kind"], roles[MENTION]) == ("mention", "inbound")
    followers = {r["external_id"]: r["followers"] for r in rows(engine, AuthorRow)}
    assert followers[ORG] == 8412
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors["posts"] == "1794823200000"  # 2026-11-16T10:00Z in milliseconds
    sent = sent_requests[0].headers
    assert (sent["LinkedIn-Version"], sent["X-Restli-Protocol-Version"]) == ("202411", "2.0.0")
    assert sent["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_restli_structures_reach_linkedin_unencoded_and_urns_encoded(engine: Engine, clock: Any, sleep: Any) -> None:
    _, _, sent = run(engine, clock, sleep)
    queries = [str(request.url.query, "ascii") if isinstance(request.url.query, bytes) else str(request.url.query)
               for request in sent]
    statistics = next(q for q in queries if "q=organizationalEntity" in q)
    assert "shares=List(urn%3Ali%3Ashare%3A7263012345678901234)" in statistics
    assert "ugcPosts=List(urn%3Ali%3AugcPost%3A7262500000000000001)" in statistics
    mentions = next(q for q in queries if "q=criteria" in q)
    assert "actions=List(SHARE_MENTION)" in mentions and "timeRange=(start:1792414800000,end:1795006800000)" in mentions
    assert f"author={ORG.replace(':', '%3A')}" in next(q for q in queries if "q=author" in q)


def test_the_walk_stops_at_the_newest_post_stored(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    _, cassette, _ = run(engine, clock, sleep)
    assert [r for r in cassette.requests if r.startswith("GET /rest/posts?")] == [
        f"GET /rest/posts?author={ORG}&count=2&q=author&sortBy=CREATED&start=0"]


def test_access_denied_is_one_line_naming_the_permission(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("linkedin")
    cassette.fail_next(403, {"Content-Type": "application/json"}, ACCESS_DENIED, count=100)
    result, _, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    error = result.error or ""
    assert "403 ACCESS_DENIED" in error and "needs the r_organization_social permission" in error
    assert "$TEST_LINKEDIN_TOKEN" in error and "\n" not in error and ACCESS_TOKEN not in error


def test_an_expired_token_is_renewed_with_the_refresh_token(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("linkedin")
    renewed = {"access_token": "AQVrenewed", "expires_in": 5183999, "refresh_token": "AQWsame",
               "refresh_token_expires_in": 31535999}
    cassette.interactions.insert(0, {"request": {"method": "POST", "path": "/oauth/v2/accessToken", "query": {}},
                                     "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                                                  "body": renewed}})
    cassette.fail_next(401, {"Content-Type": "application/json"},
                       '{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"expired"}')
    secrets = {"access_token": "AQVexpired", "refresh_token": "AQWsame", "client_id": "86abc", "client_secret": "s3"}
    result, cassette, sent = run(engine, clock, sleep, cassette, secrets=secrets, refresh_token_env="TEST_LI_REFRESH",
                                 client_id_env="TEST_LI_CLIENT_ID", client_secret_env="TEST_LI_CLIENT_SECRET",
                                 token_url=f"{BASE}/oauth/v2/accessToken")
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    assert cassette.requests[1] == "POST /oauth/v2/accessToken"
    assert sent[2].headers["Authorization"] == "Bearer AQVrenewed"


def test_the_daily_limit_defers_the_run_to_midnight_utc(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("linkedin")
    cassette.fail_next(429, {"Content-Type": "application/json"},
                       '{"status":429,"message":"Resource level throttle APPLICATION DAY limit for calls to this '
                       'resource is reached."}')
    result, _, _ = run(engine, clock, sleep, cassette)
    assert result.status == "deferred" and sleep.calls == []
    assert "DAY limit" in (result.error or "")


def test_refresh_needs_the_client_credentials() -> None:
    with pytest.raises(ValidationError, match="client_id_env and client_secret_env"):
        linkedin_settings(BASE, refresh_token_env="LI_REFRESH")


CONFIG = """
[[profiles]]
name = "acme"
timezone = "Europe/Amsterdam"

[[profiles.sources]]
name = "acme-linkedin"
platform = "linkedin"
base_url = "{url}/rest"
organization_id = "2414183"
access_token_env = "TEST_LINKEDIN_TOKEN"
page_size = 2
comment_page_size = 2
backfill_days = 3650
"""


def test_ror_sync_against_a_loopback_linkedin_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LINKEDIN_TOKEN", ACCESS_TOKEN)
    config = tmp_path / "ror.toml"
    with CassetteServer(load_cassette("linkedin")) as server:
        config.write_text(CONFIG.format(url=server.url))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    # the fixture's one malformed record is quarantined, so the sync says partial (exit 4)
    assert result.exit_code == 4 and "partial" in result.output and "1 quarantined" in result.output, result.output
    # The CLI runs on the real clock: no post is recent enough for its comments to be re-read.
    assert "acme-linkedin: partial, 5 items, 0 events, 1 quarantined" in result.output
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    assert {POST, MENTION} <= {r["external_id"] for r in rows(engine, ItemRow)}
