"""The X connector against hand-written responses in the documented v2 shapes: respx, loopback and `ror sync`."""

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
from connectors.x.connector import XSettings
from listener.cli.main import EXIT_SYNC_FAILED, app
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from listener.storage.models import AuthorRow, EngagementEventRow, ItemProfileRow, ItemRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.test_x_contract import BEARER, x_settings

BASE = "https://api.x.com"
BRAND = "1460011223344556677"
POST, FAN_QUESTION, BRAND_REPLY = "2122615725880246272", "2122630825374646272", "2122645924869046272"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
CLIENT_NOT_ENROLLED = (
    '{"client_id":"101010","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys '
    'and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer '
    'portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden",'
    '"required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled",'
    '"type":"https://api.twitter.com/2/problems/client-forbidden"}'
)


def run(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None,
        secrets: dict[str, str] | None = None, **overrides: Any) -> tuple[SyncResult, Cassette]:
    """One sync of the fixture brand through respx."""
    cassette = cassette or load_cassette("x")
    settings = x_settings(BASE, **overrides)
    connector = build_connector(settings, secrets=secrets or {"bearer_token": BEARER}, clock=clock, sleep=sleep,
                                policy=POLICY)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        return sync_source(engine, "acme", "Europe/Berlin", settings, connector, clock=clock), cassette


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def test_x_sync_stores_posts_replies_mentions_search_quotes_and_retweeters(engine: Engine, clock: Any,
                                                                           sleep: Any) -> None:
    result, _ = run(engine, clock, sleep)
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    stored = items(engine)
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    post = stored[POST]
    assert (post["kind"], roles[POST]) == ("post", "owned")
    assert (post["likes"], post["shares"], post["replies"], post["quotes"], post["views"]) == (44, 15, 3, 15, 6020), \
        "the engagement stream's lookup refreshes the counters"
    question = stored[FAN_QUESTION]
    assert (question["kind"], roles[FAN_QUESTION], question["parent_external_id"]) == ("reply", "inbound", POST)
    answer = stored[BRAND_REPLY]
    assert (answer["kind"], roles[BRAND_REPLY]) == ("reply", "owned")
    assert (answer["parent_external_id"], answer["root_external_id"]) == (FAN_QUESTION, POST)
    no_author = "2118720056325046272"  # timeline page 2, without author_id: on the brand's timeline, the brand's
    assert (stored[no_author]["kind"], roles[no_author], stored[no_author]["author_external_id"]) == (
        "post", "owned", BRAND)
    assert roles["2122394266629046273"] == "inbound" and stored["2122394266629046273"]["kind"] == "mention"
    elsewhere = stored["2118250713707446273"]  # mentions page 2: a reply in someone else's thread naming the brand
    assert (elsewhere["kind"], elsewhere["parent_external_id"]) == ("reply", "2118239389086646275")
    searched = stored["2122728972088246276"]
    assert searched["kind"] == "reply" and searched["author_external_id"] == "1320088776655443322"
    assert searched["parent_external_id"] == "2120788687057846274"
    quotes = [r for r in stored.values() if r["kind"] == "quote"]
    of_post = [q for q in quotes if q["parent_external_id"] == POST]
    assert (len(quotes), len(of_post)) == (16, 15), "15 quote tweets of the post, and one quote the search found"
    events = rows(engine, EngagementEventRow)
    assert sum(e["kind"] == "share" for e in events) == 5
    assert sum(e["kind"] == "quote" for e in events) == 14, "one quoting account quoted twice: one event"
    followers = {r["external_id"]: r["followers"] for r in rows(engine, AuthorRow)}
    assert followers[BRAND] == 8731, "the brand retweeting itself must not wipe its follower count"
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors["tweets"] == BRAND_REPLY and cursors["mentions"] == FAN_QUESTION
    assert cursors["search:#AcmeAPI"] == "2122728972088246276"


def test_next_sync_asks_only_for_posts_after_the_stored_since_id(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    second, cassette = run(engine, clock, sleep)
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (second.status, second.quarantined) == ("partial", 1), second.error
    timeline = [r for r in cassette.requests if f"/users/{BRAND}/tweets" in r]
    assert f"since_id={BRAND_REPLY}" in timeline[0] and "start_time" not in timeline[0]
    search = [r for r in cassette.requests if "/search/recent" in r]
    assert "since_id=2122728972088246276" in search[0]


def test_first_search_reaches_back_less_than_seven_days(engine: Engine, clock: Any, sleep: Any) -> None:
    _, cassette = run(engine, clock, sleep)
    search = [r for r in cassette.requests if "/search/recent" in r][0]
    assert "start_time=2026-11-11T14:00:00Z" in search, "recent search refuses a start_time older than 7 days"
    assert "max_results=10" in search, "recent search refuses fewer than 10 a page (the timelines ask for 5)"


def test_client_not_enrolled_is_one_line_naming_the_reason_and_the_variable(engine: Engine, clock: Any,
                                                                            sleep: Any) -> None:
    cassette = load_cassette("x")
    cassette.fail_next(403, {"Content-Type": "application/problem+json"}, CLIENT_NOT_ENROLLED, count=100)
    result, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    error = result.error or ""
    assert "reason client-not-enrolled" in error and "$TEST_X_BEARER" in error
    assert "\n" not in error and "Traceback" not in error and BEARER not in error


def test_user_token_is_renewed_with_the_refresh_token_after_a_401(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("x")
    token_request = {"method": "POST", "path": "/2/oauth2/token", "query": {}}
    cassette.interactions.insert(0, {"request": token_request, "response": {
        "status": 200, "headers": {"Content-Type": "application/json"},
        "body": {"token_type": "bearer", "expires_in": 7200, "access_token": "renewed-user-token",
                 "scope": "tweet.read users.read offline.access", "refresh_token": "rotated-refresh-token"}}})
    cassette.fail_next(401, {"Content-Type": "application/json"},
                       '{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}')
    secrets = {"user_token": "expired-user-token", "refresh_token": "first-refresh-token", "client_id": "cid"}
    result, _ = run(engine, clock, sleep, cassette, secrets=secrets, bearer_token_env=None,
                    user_token_env="TEST_X_USER", refresh_token_env="TEST_X_REFRESH",
                    client_id_env="TEST_X_CLIENT_ID", token_url=f"{BASE}/2/oauth2/token")
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    assert cassette.requests[1] == "POST /2/oauth2/token" and POST in items(engine)


def test_settings_need_exactly_one_kind_of_token() -> None:
    base = {"name": "x", "platform": "x", "username": "acme"}
    with pytest.raises(ValidationError, match="exactly one"):
        XSettings.model_validate(base)
    with pytest.raises(ValidationError, match="exactly one"):
        XSettings.model_validate({**base, "bearer_token_env": "A", "user_token_env": "B"})
    with pytest.raises(ValidationError, match="client_id_env"):
        XSettings.model_validate({**base, "user_token_env": "B", "refresh_token_env": "C"})
    settings = XSettings.model_validate({**base, "bearer_token_env": "X_BEARER"})
    assert settings.secret_env_names() == {"bearer_token": "X_BEARER"}


CONFIG = """
[[profiles]]
name = "acme"
timezone = "Europe/Amsterdam"

[[profiles.sources]]
name = "acme-x"
platform = "x"
base_url = "{url}/2"
username = "acme"
bearer_token_env = "TEST_X_BEARER"
search = ["#AcmeAPI"]
page_size = 5
"""


def test_ror_sync_against_a_loopback_x_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_X_BEARER", BEARER)
    config = tmp_path / "ror.toml"
    with CassetteServer(load_cassette("x")) as server:
        config.write_text(CONFIG.format(url=server.url))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    # the fixture's one malformed record is quarantined, so the sync says partial (exit 4)
    assert result.exit_code == 4 and "partial" in result.output and "1 quarantined" in result.output, result.output
    # The CLI runs on the real clock, long after the fixture posts: no post is recent enough to re-read.
    assert "acme-x: partial, 17 items, 0 events, 1 quarantined" in result.output
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    assert {POST, FAN_QUESTION, BRAND_REPLY} <= set(items(engine))
    assert BEARER not in result.output


def test_ror_sync_with_a_forbidden_app_prints_the_reason_and_exits_with_the_sync_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_X_BEARER", BEARER)
    cassette = load_cassette("x")
    cassette.fail_next(403, {"Content-Type": "application/problem+json"}, CLIENT_NOT_ENROLLED, count=100)
    config = tmp_path / "ror.toml"
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(url=server.url))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == EXIT_SYNC_FAILED
    assert "client-not-enrolled" in result.output and "Traceback" not in result.output
