"""The Facebook Pages connector against hand-written Graph responses in the documented shapes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import respx
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.cli.main import EXIT_SYNC_FAILED, app
from listener.collect.budget import QuotaBudget
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.test_facebook_contract import PAGE_TOKEN, facebook_settings

BASE = "https://graph.facebook.com"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "facebook"
# Graph's answer when the token lacks a permission: code 100, an OAuthException naming the permission.
MISSING_PERMISSION = (FIXTURES / "errors" / "missing_permission.json").read_text()
PAGE = "104512345678901"
POST = f"{PAGE}_1108852617742133"
QUESTION, FOLLOW_UP, ANSWER = ("1108852617742133_2048719345533710", "1108852617742133_2048733102199001",
                               "1108852617742133_2048790455526602")
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
TOKEN_EXPIRED = json.dumps({"error": {
    "message": "Error validating access token: Session has expired on Tuesday, 17-Nov-26 09:00:00 PST.",
    "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AzXq1"}})


def run(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None,
        budget: QuotaBudget | None = None) -> tuple[SyncResult, Cassette]:
    """One sync of the fixture page through respx."""
    cassette = cassette or load_cassette("facebook")
    settings = facebook_settings(BASE)
    connector = build_connector(settings, secrets={"page_token": PAGE_TOKEN}, clock=clock, sleep=sleep,
                                policy=POLICY, budget=budget)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        return sync_source(engine, "acme", "Europe/Berlin", settings, connector, clock=clock), cassette


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def test_facebook_sync_stores_posts_counters_threaded_comments_visitor_posts_and_tags(engine: Engine, clock: Any,
                                                                                      sleep: Any) -> None:
    result, _ = run(engine, clock, sleep)
    # the fixture's one malformed record is quarantined: a truthful run says partial
    assert (result.status, result.quarantined) == ("partial", 1), result.error
    stored = {r["external_id"]: r for r in rows(engine, ItemRow)}
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    post = stored[POST]
    assert (post["kind"], roles[POST], post["likes"], post["replies"], post["shares"]) == ("post", "owned", 91, 4, 7)
    older = stored[f"{PAGE}_1104410022330004"]  # page 2: reactions, comments and shares summaries
    assert (older["likes"], older["replies"], older["shares"], roles[older["external_id"]]) == (4820, 271, 316, "owned")
    last = stored[f"{PAGE}_1104410022330010"]  # page 3, the last
    assert (last["likes"], last["replies"], last["shares"], roles[last["external_id"]]) == (88, 7, 6, "owned")
    assert (stored[QUESTION]["kind"], stored[QUESTION]["parent_external_id"]) == ("comment", POST)
    assert (stored[FOLLOW_UP]["kind"], stored[FOLLOW_UP]["parent_external_id"]) == ("reply", QUESTION)
    assert stored[FOLLOW_UP]["root_external_id"] == POST
    assert (roles[ANSWER], stored[ANSWER]["author_external_id"]) == ("owned", PAGE), "the page's reply is owned"
    visitor = stored[f"{PAGE}_1109311290029599"]
    assert (visitor["kind"], roles[visitor["external_id"]]) == ("mention", "inbound")
    assert stored["2870114669838217_905512344870021"]["kind"] == "mention"
    assert stored["1108852617742133_2049012887510433"]["author_external_id"] is None, "Graph left `from` out"
    followers = {r["external_id"]: r["followers"] for r in rows(engine, AuthorRow)}
    assert followers[PAGE] == 19120
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors["posts"] == "1794841200"  # 2026-11-16T15:00:00Z, the newest post


def test_next_sync_asks_only_since_the_newest_post(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    _, cassette = run(engine, clock, sleep)
    first_edge = [r for r in cassette.requests if "/published_posts" in r][0]
    assert "since=1794841200" in first_edge


def test_usage_headers_feed_the_shared_quota_budget(engine: Engine, clock: Any, sleep: Any) -> None:
    budget = QuotaBudget("facebook:graph.facebook.com:TEST_FACEBOOK_PAGE_TOKEN")
    run(engine, clock, sleep, budget=budget)
    snapshot = budget.snapshot()
    assert snapshot.limit == 100.0 and snapshot.remaining is not None
    assert 80 <= snapshot.remaining <= 98, "2% of the busiest limit is used, less each request reserved since"
    assert snapshot.reset_at == clock() + timedelta(hours=1), "Meta's windows roll over an hour"


def test_missing_permission_from_a_graph_error_is_one_line_naming_it(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("facebook")
    cassette.fail_next(400, {"Content-Type": "application/json"}, MISSING_PERMISSION, count=100)
    result, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    error = result.error or ""
    assert "needs the pages_read_engagement permission" in error and "$TEST_FACEBOOK_PAGE_TOKEN" in error
    assert "\n" not in error and PAGE_TOKEN not in error


def test_expired_token_code_190_names_the_variable(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("facebook")
    cassette.fail_next(400, {"Content-Type": "application/json"}, TOKEN_EXPIRED, count=100)
    result, _ = run(engine, clock, sleep, cassette)
    assert result.status == "failed"
    assert "token was refused (Graph error 190/463" in (result.error or "")
    assert "$TEST_FACEBOOK_PAGE_TOKEN" in (result.error or "")


def test_the_token_travels_in_a_header_never_in_the_url(engine: Engine, clock: Any, sleep: Any) -> None:
    _, cassette = run(engine, clock, sleep)
    assert cassette.requests and not any("access_token" in r for r in cassette.requests)


CONFIG = """
[[profiles]]
name = "acme"
timezone = "Europe/Amsterdam"

[[profiles.sources]]
name = "acme-facebook"
platform = "facebook"
base_url = "{url}/v21.0"
page_id = "104512345678901"
page_token_env = "TEST_FACEBOOK_PAGE_TOKEN"
page_size = 5
comment_page_size = 2
"""


def test_ror_sync_against_a_loopback_graph_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_FACEBOOK_PAGE_TOKEN", PAGE_TOKEN)
    config = tmp_path / "ror.toml"
    with CassetteServer(load_cassette("facebook")) as server:
        config.write_text(CONFIG.format(url=server.url))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    # the fixture's one malformed record is quarantined, so the sync says partial (exit 4)
    assert result.exit_code == 4 and "1 quarantined" in result.output, result.output
    # The CLI runs on the real clock, after the fixture post's refresh window: no comments are re-read.
    assert "acme-facebook: partial, 13 items, 0 events, 1 quarantined" in result.output
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    assert POST in {r["external_id"] for r in rows(engine, ItemRow)}


def test_ror_sync_with_a_missing_permission_prints_it_and_exits_with_the_sync_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_FACEBOOK_PAGE_TOKEN", PAGE_TOKEN)
    cassette = load_cassette("facebook")
    cassette.fail_next(400, {"Content-Type": "application/json"}, MISSING_PERMISSION, count=100)
    config = tmp_path / "ror.toml"
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(url=server.url))
        result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == EXIT_SYNC_FAILED
    assert "pages_read_engagement" in result.output and "Traceback" not in result.output


def test_a_recent_post_the_page_no_longer_gives_keeps_its_row_and_is_counted(engine: Engine, clock: Any,
                                                                           sleep: Any) -> None:
    def gone(result: SyncResult) -> int:
        return result.streams["comments"].skipped.get("deleted or out of reach", 0)

    first, _ = run(engine, clock, sleep)
    cassette = load_cassette("facebook")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != f"/v21.0/{POST}"]
    second, _ = run(engine, clock, sleep, cassette)
    assert gone(second) == gone(first) + 1  # the post itself now answers 404
    assert POST in {r["external_id"] for r in rows(engine, ItemRow)}
