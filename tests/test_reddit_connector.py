"""The Reddit connector against recorded-shape responses: through respx and a loopback server."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.http import RetryPolicy
from connectors.limits import SyncLimits
from connectors.reddit.connector import RedditConnector, RedditSettings
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.config.settings import ConfigError, load_config
from listener.storage.models import AccountRow, ItemProfileRow, ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished

BASE = "https://oauth.reddit.com"
SECRETS = {"client_id": "test-client-id-7f3", "client_secret": "test-client-secret-91c",
           "username": "acme_coffee", "password": "test-password-5e2"}
TOKEN = ("eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFF"
         "dWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.fake")


def reddit_settings(base_url: str, **overrides: Any) -> RedditSettings:
    """The fixture story's source: u/acme_coffee, r/acmecoffee, search for acme, inbox (script app)."""
    values: dict[str, Any] = {
        "name": "acme-reddit", "platform": "reddit", "base_url": base_url,
        "token_url": f"{base_url}/api/v1/access_token", "account": "acme_coffee",
        "subreddits": ["acmecoffee"], "search": ["acme"], "inbox": True, "page_size": 2,
        "client_id_env": "TEST_REDDIT_CLIENT_ID", "client_secret_env": "TEST_REDDIT_CLIENT_SECRET",
        "username_env": "TEST_REDDIT_USERNAME", "password_env": "TEST_REDDIT_PASSWORD",
    }
    values.update(overrides)
    return RedditSettings.model_validate(values)


def reddit_connector(settings: RedditSettings, clock: Any, sleep: Any, transport: Any = None,
                     secrets: dict[str, str] | None = None) -> RedditConnector:
    """A connector with injected clock, sleep and (optionally) transport."""
    policy = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
    return build_connector(settings, secrets=SECRETS if secrets is None else secrets, transport=transport,  # type: ignore[return-value]
                           clock=clock, sleep=sleep, policy=policy)


def sync_respx(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None,
               seen: list[httpx.Request] | None = None, **overrides: Any) -> SyncResult:
    """One sync of the fixture story through respx; `seen` collects the requests sent."""
    cassette = cassette or load_cassette("reddit")
    handler = cassette.httpx_handler(BASE)

    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=record)
        connector = reddit_connector(reddit_settings(BASE, **overrides), clock, sleep)
        return sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items_by_id(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def check_story(engine: Engine) -> None:
    """What the fixture story must leave in the store, whoever served it."""
    items = items_by_id(engine)
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    firmware, help_post = items["t3_1gq2a01"], items["t3_1gs7b02"]
    assert (firmware["kind"], roles["t3_1gq2a01"]) == ("post", "owned")
    assert (firmware["likes"], firmware["replies"]) == (48, 4)
    assert firmware["text"].startswith("Firmware 2.1 for the Duo grinder is out\n\nChangelog: quieter motor & a new")
    assert firmware["url"] == "https://www.reddit.com/r/acmecoffee/comments/1gq2a01/firmware_21_for_the_duo_grinder_is_out/"
    assert firmware["created_at"].isoformat() == "2026-11-10T09:00:00+00:00"
    assert (help_post["kind"], roles["t3_1gs7b02"], help_post["replies"]) == ("mention", "inbound", 5)
    assert items["t3_1gm0c03"]["kind"] == "post" and items["t3_1gr9d04"]["kind"] == "mention"
    # The brand's answer to Gus is an owned comment whose parent is Gus's complaint, root the post.
    answer = items["t1_m1b0002"]
    assert (answer["kind"], roles["t1_m1b0002"]) == ("comment", "owned")
    assert (answer["parent_external_id"], answer["root_external_id"]) == ("t1_m1b0001", "t3_1gs7b02")
    assert items["t1_m1b0001"]["kind"] == "mention" and items["t1_m1b0001"]["likes"] == 9
    # Behind the `more` stub: two comments fetched through /api/morechildren.
    assert items["t1_m1b0004"]["text"] == "That worked, thanks u/acme_coffee!"
    assert items["t1_m1b0005"]["parent_external_id"] == "t3_1gs7b02"
    # Inbox: Carl's mention and his reply to the brand, stored as the comments they are.
    mention, reply = items["t1_m2b0009"], items["t1_m2c0002"]
    assert (mention["kind"], mention["root_external_id"]) == ("mention", "t3_1gt4e05")
    assert reply["parent_external_id"] == "t1_m2c0001" and roles["t1_m2c0001"] == "owned"
    assert "t4_2b7q1x9" not in items, "private messages are not collected"
    assert "t1_m0f0004" not in items, "deleted comments are skipped"
    assert "t3_1ff0z07" not in items, "posts older than the backfill window are not collected"
    assert len(items) == 15
    assert all("replies" not in r["raw"] for r in items.values() if r["external_id"].startswith("t1_"))
    assert [a["handle"] for a in rows(engine, AccountRow)] == ["acme_coffee"]
    quarantined = rows(engine, QuarantineRow)
    assert [(q["external_id"], q["stream"]) for q in quarantined] == [("t3_1gn1x06", "search:acme")]
    assert "created_utc" in quarantined[0]["error"]


def test_reddit_sync_through_respx_stores_the_whole_story(engine: Engine, clock: Any, sleep: Any) -> None:
    result = sync_respx(engine, clock, sleep)
    assert finished(result), result.error
    assert result.quarantined == 1
    check_story(engine)
    cursors = {c["stream"]: json.loads(c["cursor"]) for c in rows(engine, SyncCursorRow)}
    assert set(cursors) == {"owned", "r/acmecoffee", "search:acme", "inbox"}
    assert cursors["inbox"]["newest"] == 1794946200  # Carl's reply, 2026-11-17T20:10Z
    assert cursors["r/acmecoffee"]["comments"] == {"t3_1gs7b02": 5}  # only posts in the refresh window


def test_reddit_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("reddit")
    with CassetteServer(cassette) as server:
        connector = reddit_connector(reddit_settings(server.url), clock, sleep)
        result = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert finished(result), result.error
    check_story(engine)
    assert cassette.requests[0] == "POST /api/v1/access_token"
    assert any(r.startswith("GET /api/morechildren") for r in cassette.requests)


def test_one_token_serves_the_whole_sync_with_basic_auth_bearer_and_user_agent(engine: Engine, clock: Any,
                                                                               sleep: Any) -> None:
    seen: list[httpx.Request] = []
    sync_respx(engine, clock, sleep, seen=seen)
    token_requests = [r for r in seen if r.url.path == "/api/v1/access_token"]
    assert len(token_requests) == 1
    basic = base64.b64encode(b"test-client-id-7f3:test-client-secret-91c").decode()
    assert token_requests[0].headers["Authorization"] == f"Basic {basic}"
    assert parse_qs(token_requests[0].content.decode()) == {
        "grant_type": ["password"], "username": ["acme_coffee"], "password": ["test-password-5e2"]}
    api = [r for r in seen if r not in token_requests]
    assert api and all(r.headers["Authorization"] == f"bearer {TOKEN}" for r in api)
    assert all(r.url.params["raw_json"] == "1" for r in api)
    assert {r.headers["User-Agent"] for r in seen} == {"python:ror-listener:0.1 (by /u/acme_coffee)"}
    inbox = [r for r in api if r.url.path == "/message/inbox"]
    assert inbox and all(r.url.params["mark"] == "false" for r in inbox), "listening must not mark messages read"


def test_application_only_token_uses_client_credentials(engine: Engine, clock: Any, sleep: Any) -> None:
    seen: list[httpx.Request] = []
    result = sync_respx(engine, clock, sleep, seen=seen, inbox=False, username_env=None, password_env=None)
    assert finished(result), result.error
    token = [r for r in seen if r.url.path == "/api/v1/access_token"]
    assert parse_qs(token[0].content.decode()) == {"grant_type": ["client_credentials"]}
    assert not any(r.url.path == "/message/inbox" for r in seen)


def test_an_expired_token_is_fetched_again(engine: Engine, clock: Any, sleep: Any) -> None:
    seen: list[httpx.Request] = []
    cassette = load_cassette("reddit")
    handler = cassette.httpx_handler(BASE)

    def later_each_request(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        clock.now += timedelta(hours=6)  # expires_in is 86400: a new token every fourth request or so
        return handler(request)

    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=later_each_request)
        connector = reddit_connector(reddit_settings(BASE), clock, sleep)
        # days pass within this one sync (six hours a request): no sync deadline applies
        result = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock,
                             limits=SyncLimits(deadline_seconds=10**9))
    assert finished(result), result.error
    fetches = sum(r.url.path == "/api/v1/access_token" for r in seen)
    assert fetches >= 4
    assert connector.api.token.fetches == fetches


def test_a_401_renews_the_token_once_and_the_sync_goes_on(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("reddit")
    cassette.fail_at(1, 401, {"Content-Type": "application/json"}, '{"message": "Unauthorized", "error": 401}')
    result = sync_respx(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert cassette.requests[:4] == ["POST /api/v1/access_token",
                                     "GET /user/acme_coffee/overview?limit=2&raw_json=1&sort=new",
                                     "POST /api/v1/access_token",
                                     "GET /user/acme_coffee/overview?limit=2&raw_json=1&sort=new"]
    check_story(engine)


def test_a_second_401_stops_the_stream_and_names_the_variables(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("reddit")
    cassette.fail_at(1, 401, {"Content-Type": "application/json"}, '{"message": "Unauthorized", "error": 401}')
    cassette.fail_at(3, 401, {"Content-Type": "application/json"}, '{"message": "Unauthorized", "error": 401}')
    result = sync_respx(engine, clock, sleep, cassette)
    assert result.status == "partial"
    assert result.errors[0].startswith("owned: ") and "$TEST_REDDIT_CLIENT_SECRET" in result.errors[0]


def test_a_refused_password_names_the_variables_not_the_secret(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("reddit")
    for interaction in cassette.interactions:
        if interaction["request"]["path"] == "/api/v1/access_token":
            interaction["response"]["body"] = {"error": "invalid_grant"}  # Reddit answers 200 to a wrong password
    result = sync_respx(engine, clock, sleep, cassette)
    assert result.status == "failed"
    assert "invalid_grant" in (result.error or "") and "$TEST_REDDIT_PASSWORD" in (result.error or "")
    assert all(secret not in (result.error or "") for secret in SECRETS.values() if secret != "acme_coffee")
    assert items_by_id(engine) == {}


def test_the_quota_headers_slow_requests_down_before_reddit_says_429(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("reddit")
    for interaction in cassette.interactions:
        if interaction["request"]["path"] == "/r/acmecoffee/new":
            interaction["response"]["headers"].update({"X-Ratelimit-Remaining": "3.0", "X-Ratelimit-Reset": "120"})
    result = sync_respx(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert 30.0 in sleep.calls  # 120 s to the reset, spread over the 3 requests left and this one


def with_comment_count(cassette: Cassette, post: str, count: int) -> Cassette:
    """The cassette with a post's num_comments changed wherever the post is listed."""
    for interaction in cassette.interactions:
        body = interaction["response"]["body"]
        for thing in body.get("data", {}).get("children", []) if isinstance(body, dict) else []:
            if thing["data"].get("name") == post:
                thing["data"]["num_comments"] = count
    return cassette


def test_the_next_sync_rereads_only_the_refresh_window_and_trees_whose_count_moved(
        engine: Engine, clock: Any, sleep: Any) -> None:
    sync_respx(engine, clock, sleep)
    clock.now += timedelta(minutes=15)
    again = load_cassette("reddit")
    result = sync_respx(engine, clock, sleep, again)
    assert finished(result), result.error
    assert not any("/comments/" in r or "morechildren" in r for r in again.requests), "no comment count moved"
    assert not any("after=t3_1gq2a01" in r for r in again.requests), "the walk stops at the refresh window"
    moved = with_comment_count(load_cassette("reddit"), "t3_1gs7b02", 6)
    sync_respx(engine, clock, sleep, moved)
    reread = [r for r in moved.requests if r.startswith("GET /comments/")]
    assert reread == ["GET /comments/1gs7b02?limit=500&raw_json=1"]


def continue_this_thread(cassette: Cassette) -> Cassette:
    """Gus's complaint ends in a 'continue this thread' stub; the thread below it holds one more reply."""
    tree = next(i for i in cassette.interactions if i["request"]["path"] == "/comments/1gs7b02")
    complaint = tree["response"]["body"][1]["data"]["children"][0]
    answer = complaint["data"]["replies"]["data"]["children"][0]
    below = copy.deepcopy(complaint)
    deeper = copy.deepcopy(answer)
    deeper["data"].update(id="m1b0009", name="t1_m1b0009", author="grumpy_gus", author_fullname="t2_7gus001",
                          parent_id="t1_m1b0002", body="Sent. Ticket 48213.",
                          body_html="<div class=\"md\"><p>Sent. Ticket 48213.</p></div>")
    below["data"]["replies"]["data"]["children"][0]["data"]["replies"] = {
        "kind": "Listing", "data": {"after": None, "before": None, "children": [deeper]}}
    answer["data"]["replies"] = {"kind": "Listing", "data": {"after": None, "before": None, "children": [
        {"kind": "more", "data": {"count": 0, "name": "t1__", "id": "_", "parent_id": "t1_m1b0002", "depth": 2,
                                  "children": []}}]}}
    cassette.interactions.insert(0, {"request": {"method": "GET", "path": "/comments/1gs7b02",
                                                 "query": {"comment": "m1b0002"}},
                                     "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                                                  "body": [tree["response"]["body"][0], {"kind": "Listing", "data": {
                                                      "after": None, "before": None, "children": [below]}}]}})
    return cassette


def test_a_continue_this_thread_stub_is_followed(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = continue_this_thread(load_cassette("reddit"))
    result = sync_respx(engine, clock, sleep, cassette)
    assert finished(result), result.error
    deeper = items_by_id(engine)["t1_m1b0009"]
    assert (deeper["parent_external_id"], deeper["root_external_id"]) == ("t1_m1b0002", "t3_1gs7b02")
    assert "GET /comments/1gs7b02?comment=m1b0002&limit=500&raw_json=1" in cassette.requests


@pytest.mark.parametrize(("overrides", "message"), [
    ({"inbox": True, "username_env": None, "password_env": None}, "inbox needs a user token"),
    ({"password_env": None}, "needs both username_env and password_env"),
    ({"subreddits": ["not a sub!"]}, "not a subreddit name"),
    ({"subreddits": [], "search": [], "inbox": False, "account": None, "username_env": None, "password_env": None},
     "nothing to collect"),
])
def test_settings_refuse_what_cannot_work(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        reddit_settings(BASE, **overrides)


def test_subreddit_names_may_be_written_with_r_prefix() -> None:
    assert reddit_settings(BASE, subreddits=["r/acmecoffee", "/r/espresso"]).subreddits == ["acmecoffee", "espresso"]


def test_restricted_search_goes_to_the_subreddits_multireddit(engine: Engine, clock: Any, sleep: Any) -> None:
    seen: list[httpx.Request] = []
    sync_respx(engine, clock, sleep, seen=seen, subreddits=["acmecoffee", "espresso"], search_subreddits_only=True)
    searches = [r for r in seen if r.url.path.endswith("/search")]
    assert searches and {r.url.path for r in searches} == {"/r/acmecoffee+espresso/search"}
    assert all(r.url.params["restrict_sr"] == "1" and r.url.params["sort"] == "new" for r in searches)



REDDIT_TOML = """
[[profiles]]
name = "acme"
timezone = "UTC"

[[profiles.sources]]
name = "acme-reddit"
platform = "reddit"
account = "acme_coffee"
subreddits = ["r/acmecoffee"]
search = ["acme"]
inbox = {inbox}
{credentials}
"""


def test_a_reddit_source_loads_from_the_config_file_with_its_secret_variables(tmp_path: Any) -> None:
    path = tmp_path / "ror.toml"
    path.write_text(REDDIT_TOML.format(inbox="true",
                                       credentials='username_env = "REDDIT_USERNAME"\n'
                                                   'password_env = "REDDIT_PASSWORD"'))
    (_, settings), = load_config(path).sources()
    assert settings.base_url == "https://oauth.reddit.com" and settings.subreddits == ["acmecoffee"]
    assert settings.secret_env_names() == {"client_id": "REDDIT_CLIENT_ID", "client_secret": "REDDIT_CLIENT_SECRET",
                                           "username": "REDDIT_USERNAME", "password": "REDDIT_PASSWORD"}


def test_a_reddit_inbox_without_a_script_app_is_a_config_error(tmp_path: Any) -> None:
    path = tmp_path / "ror.toml"
    path.write_text(REDDIT_TOML.format(inbox="true", credentials=""))
    with pytest.raises(ConfigError, match="inbox needs a user token"):
        load_config(path)


def answered(cassette: Cassette, path: str, status: int, body: Any) -> Cassette:
    """The cassette with every interaction for `path` answering `status` with `body`."""
    for interaction in cassette.interactions:
        if interaction["request"]["path"] == path:
            interaction["response"].update(status=status, body=body)
    return cassette


def test_a_post_whose_comments_answer_404_counts_them_as_skipped(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = answered(load_cassette("reddit"), "/comments/1gs7b02", 404, {"message": "Not Found", "error": 404})
    result = sync_respx(engine, clock, sleep, cassette)
    assert finished(result), result.error
    skipped = sum(c.skipped.get("comments of a deleted post", 0) for c in result.streams.values())
    assert skipped == 5, {name: c.skipped for name, c in result.streams.items()}  # its num_comments
    assert "t1_m1b0001" not in items_by_id(engine)


@pytest.mark.parametrize("body", [
    {"json": {"errors": [["INVALID_OPTION", "that option is not valid", "link_id"]], "data": {"things": []}}},
    {"json": {"errors": [["RATELIMIT", "you are doing that too much", "ratelimit"]]}},
], ids=["empty things", "no data"])
def test_morechildren_errors_in_a_200_are_counted_as_not_read(engine: Engine, clock: Any, sleep: Any,
                                                              body: dict[str, Any]) -> None:
    cassette = answered(load_cassette("reddit"), "/api/morechildren", 200, body)
    result = sync_respx(engine, clock, sleep, cassette)
    assert result.status == "partial" and result.unexpanded == 2, result.error
    reason = body["json"]["errors"][0][0]
    assert f"2 comment(s) behind a 'more' stub not read: /api/morechildren: {reason}" in (result.error or "")
    assert "t1_m1b0004" not in items_by_id(engine) and "t1_m1b0001" in items_by_id(engine)
