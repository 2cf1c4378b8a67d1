"""The Discourse connector against recorded-shape responses: through respx and a loopback server."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.base import SyncContext
from connectors.discourse.api import DiscourseApi, Topic, cooked_text
from connectors.discourse.connector import DiscourseSettings
from connectors.http import HttpSession, RetryPolicy, build_client
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.models import EngagementEventRow, ItemProfileRow, ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished
from tests.real_recordings import serve
from tests.test_discourse_contract import SECRETS, discourse_settings, following_settings

BASE = "https://forum.acme.example"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)


def run(engine: Engine, clock: Any, sleep: Any, settings: Any = discourse_settings, cassette: Cassette | None = None,
        secrets: dict[str, str] | None = SECRETS, **overrides: Any) -> tuple[SyncResult, Cassette]:
    """One sync of the fixture forum through respx."""
    cassette = cassette or load_cassette("discourse")
    source = settings(BASE, **overrides)
    connector = build_connector(source, secrets=secrets, clock=clock, sleep=sleep, policy=POLICY)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        return sync_source(engine, "acme", "Europe/Berlin", source, connector, clock=clock), cassette


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def stored(engine: Engine, host: str = "forum.acme.example") -> dict[int, dict[str, Any]]:
    """Items by forum post id."""
    prefix = f"{host}/p/"
    return {int(r["external_id"].removeprefix(prefix)): r for r in rows(engine, ItemRow)}


def local(external_id: str | None) -> int | None:
    return int(external_id.rsplit("/", 1)[1]) if external_id else None


def check_threads(posts: dict[int, dict[str, Any]]) -> None:
    """Parents and roots of the fixture's replies, as post ids."""
    thread = {pid: (local(p["parent_external_id"]), local(p["root_external_id"])) for pid, p in posts.items()}
    assert thread[1001] == (None, None) and posts[1001]["kind"] == "post"
    assert thread[1002] == (1001, 1001), "no reply_to_post_number: a reply to the topic's first post"
    assert thread[1003] == (1001, 1001) and thread[1004] == (1003, 1001) and thread[1007] == (1003, 1001)
    assert thread[1008] == (1006, 1005) and thread[1011] == (1008, 1005)


def test_latest_posts_are_stored_with_parents_roles_likes_and_likers(engine: Engine, clock: Any, sleep: Any) -> None:
    result, cassette = run(engine, clock, sleep)
    assert finished(result), result.error
    posts = stored(engine)
    check_threads(posts)
    assert local(posts[1010]["parent_external_id"]) == 899, "#21 replies to #20, found in the topic's first twenty"
    assert 1014 not in posts and 1012 not in posts, "a pin notice is no post; the spam record is broken"
    roles = {local(r["external_id"]): r["role"] for r in rows(engine, ItemProfileRow)}
    assert {pid for pid, role in roles.items() if role == "owned"} == {1003, 1005, 1011}
    assert posts[1005]["likes"] == 4 and posts[1002]["likes"] == 0
    assert posts[1005]["views"] == posts[1005]["raw"]["reads"]
    assert posts[1003]["url"] == f"{BASE}/t/grinder-squeaks-after-two-weeks/101/3"
    assert posts[1003]["author_external_id"] == "forum.acme.example/u/2"
    likers = {(local(e["item_external_id"]), e["actor_external_id"]) for e in rows(engine, EngagementEventRow)}
    assert likers == {(1005, "forum.acme.example/u/10"), (1005, "forum.acme.example/u/11"),
                      (1005, "forum.acme.example/u/12"), (1005, "forum.acme.example/u/13"),
                      (1011, "forum.acme.example/u/13")}
    assert [q["external_id"] for q in rows(engine, QuarantineRow)] == ["forum.acme.example/p/1012"]
    assert "GET /posts.json?before=879" in cassette.requests, "pages older with an inclusive `before`"
    assert {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)} == {"latest": "1012"}


def test_cooked_html_becomes_text_without_the_quoted_post(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    posts = stored(engine)
    assert posts[1004]["text"] == "That fixed it, thanks a lot! Quiet as a mouse now."
    assert posts[1008]["text"] == "@dieter did you have to reset the machine after updating?"
    assert "Descaling guide" in posts[1003]["text"]


def test_cooked_text_drops_nested_quotes() -> None:
    inner = '<aside class="quote" data-post="1"><blockquote><p>first</p></blockquote></aside>'
    outer = f'<aside class="quote no-group" data-post="2"><blockquote>{inner}<p>second</p></blockquote></aside>'
    assert cooked_text(f"{outer}\n<p>mine &amp; only mine</p>") == "mine & only mine"


def test_next_sync_stops_at_the_newest_stored_post(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep)
    clock.now += timedelta(minutes=15)
    second, cassette = run(engine, clock, sleep)
    assert finished(second), second.error
    assert [r for r in cassette.requests if r.startswith("GET /posts.json")] == ["GET /posts.json"]


def test_followed_topics_and_search_through_a_loopback_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("discourse")
    with CassetteServer(cassette) as server:
        source = following_settings(server.url)
        connector = build_connector(source, secrets=SECRETS, clock=clock, sleep=sleep, policy=POLICY)
        result = sync_source(engine, "acme", "UTC", source, connector, clock=clock)
    assert finished(result), result.error
    host = server.url.removeprefix("http://")
    posts = stored(engine, host)
    assert set(posts) == {*range(880, 900), 1010, 1005, 1006, 1008, 1011, 1009, 1001}
    assert local(posts[1010]["parent_external_id"]) == 899 and local(posts[1011]["parent_external_id"]) == 1008
    assert posts[1001]["text"].startswith("My Acme burr grinder started squeaking"), "the full post, not the blurb"
    assert posts[1001]["url"] == f"{server.url}/t/grinder-squeaks-after-two-weeks/101/1"
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors == {"topic:103": "1010", "topic:102": "1014", "search:acme grinder": "1012"}
    assert "GET /t/103/posts.json?post_ids[]=1010" in cassette.requests
    assert len(rows(engine, EngagementEventRow)) == 5
    assert [q["stream"] for q in rows(engine, QuarantineRow)] == ["search:acme grinder"]


def test_a_followed_topic_is_read_forward_from_its_cursor(engine: Engine, clock: Any, sleep: Any) -> None:
    run(engine, clock, sleep, following_settings, topics=[103], search=[])
    clock.now += timedelta(minutes=15)
    second, cassette = run(engine, clock, sleep, following_settings, topics=[103], search=[])
    assert finished(second), second.error
    assert cassette.requests == ["GET /t/103.json"], "nothing above post 1010: no posts fetched"


def test_api_key_and_username_headers_are_sent_only_when_configured(clock: Any, sleep: Any) -> None:
    seen: list[httpx.Headers] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={"latest_posts": []})

    for secrets in (SECRETS, {}):
        source = discourse_settings(BASE) if secrets else discourse_settings(BASE, api_key_env=None,
                                                                             api_username_env=None)
        connector = build_connector(source, secrets=secrets, clock=clock, sleep=sleep, policy=POLICY)
        with respx.mock(assert_all_called=False) as router:
            router.route().mock(side_effect=record)
            list(connector.streams()[0].iter_pages(SyncContext(cursor=None, now=clock())))
    assert (seen[0]["Api-Key"], seen[0]["Api-Username"]) == (SECRETS["api_key"], SECRETS["api_username"])
    assert "Api-Key" not in seen[1] and "Api-Username" not in seen[1]


def test_likers_hidden_by_the_forum_leave_the_topic_stored(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("discourse")
    for interaction in cassette.interactions:
        if interaction["request"]["path"] == "/post_action_users.json":
            interaction["response"].update(status=403,
                                           body={"errors": ["You are not permitted to view the requested resource."],
                                                             "error_type": "invalid_access"})
    result, _ = run(engine, clock, sleep, cassette=cassette)
    assert finished(result), result.error
    assert rows(engine, EngagementEventRow) == [] and stored(engine)[1005]["likes"] == 4
    hidden = sum(c.skipped.get("likes whose likers the forum hides", 0) for c in result.streams.values())
    assert hidden == 4 + 1, result.streams  # the brand's posts 1005 (4 likes) and 1011 (1)


def test_429_waits_retry_after_when_the_header_is_there(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("discourse")
    body = json.dumps({"errors": ["Slow down"], "error_type": "rate_limit", "extras": {"wait_seconds": 42}})
    cassette.fail_next(429, {"Retry-After": "7", "Content-Type": "application/json"}, body)
    result, _ = run(engine, clock, sleep, cassette=cassette)
    assert finished(result), result.error
    assert sleep.calls[0] == 7


def topic_api(stream_length: int, deleted: set[int]) -> tuple[DiscourseApi, Topic, list[list[int]], respx.MockRouter]:
    """A topic of `stream_length` posts (ids 100+number, minus deleted numbers), the first twenty loaded."""
    numbers = [n for n in range(1, stream_length + 1) if n not in deleted]
    posts = {100 + n: {"id": 100 + n, "post_number": n} for n in numbers}
    requested: list[list[int]] = []

    def serve(request: httpx.Request) -> httpx.Response:
        ids = [int(i) for i in request.url.params.get_list("post_ids[]")]
        requested.append(ids)
        return httpx.Response(200, json={"post_stream": {"posts": [posts[i] for i in ids]}, "id": 7})

    router = respx.mock(assert_all_called=False)
    router.get(path="/t/7/posts.json").mock(side_effect=serve)
    api = DiscourseApi(BASE, HttpSession(build_client(BASE)), [])
    topic = Topic(7, "long", [100 + n for n in numbers])
    topic.remember(posts[100 + n] for n in numbers[:20])
    return api, topic, requested, router


@pytest.mark.parametrize("length,deleted,chunks", [
    (60, set(), [list(range(123, 143))]),  # #42 sits at index 41: the 20 ids up to it
    (60, {5, 6}, [list(range(125, 145))]),  # two deleted posts shift it two places left
    (100, set(range(21, 41)), [list(range(143, 163)), [141, 142]]),  # twenty deleted: one chunk further back
])
def test_a_parent_beyond_the_first_twenty_is_fetched_by_id(length: int, deleted: set[int],
                                                           chunks: list[list[int]]) -> None:
    api, topic, requested, router = topic_api(length, deleted)
    with router:
        assert api.post_id_for_number(topic, 42) == 142
    assert requested == chunks


def test_a_deleted_parent_falls_back_to_none() -> None:
    api, topic, requested, router = topic_api(60, {42})
    with router:
        assert api.post_id_for_number(topic, 42) is None
    assert requested == [[*range(123, 142), 143]], "one look: the chunk starts below #42, so #42 is gone"


def test_settings_want_key_and_username_together() -> None:
    with pytest.raises(ValidationError, match="go together"):
        DiscourseSettings.model_validate({"name": "f", "platform": "discourse", "base_url": BASE, "api_key_env": "K"})
    public = DiscourseSettings.model_validate({"name": "f", "platform": "discourse", "base_url": BASE})
    assert public.secret_env_names() == {} and public.latest and public.search == []


def test_ids_are_qualified_by_host_and_subfolder() -> None:
    api = DiscourseApi("https://example.com/forum/", HttpSession(build_client("https://example.com/forum")), [])
    assert api.qualify(123) == "example.com/forum/p/123"
    assert api.local_id("example.com/forum/p/123") == 123 and api.local_id("example.com/p/123") is None


def test_replies_of_a_topic_that_answers_404_are_counted_as_threads_not_read(engine: Engine, clock: Any,
                                                                             sleep: Any) -> None:
    cassette = load_cassette("discourse")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != "/t/101.json"]
    result, _ = run(engine, clock, sleep, cassette=cassette)  # /t/101.json now answers 404
    posts = stored(engine)
    orphans = {pid for pid, p in posts.items() if p["kind"] == "reply" and p["root_external_id"] is None}
    assert orphans == {1002, 1003, 1004, 1007}, "the replies are kept, without their thread"
    assert result.status == "partial" and result.streams["latest"].unexpanded == 4
    assert "latest: 4 part(s) not read: topic 101: thread of 4 repl" in (result.error or ""), result.error


def test_search_hits_and_topic_posts_deleted_since_they_were_listed_are_counted(engine: Engine, clock: Any,
                                                                              sleep: Any) -> None:
    cassette = load_cassette("discourse")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != "/t/104.json"]  # 404
    first = next(i for i in cassette.interactions if i["request"]["path"] == "/t/101.json")["response"]["body"]
    first["post_stream"]["posts"] = [p for p in first["post_stream"]["posts"] if p["id"] != 1001]
    for path in ("/t/101/posts.json", "/t/103/posts.json"):  # the hit 1001 and the stream's 1010 are gone
        for interaction in cassette.interactions:
            if interaction["request"]["path"] == path:
                interaction["response"]["body"] = {"post_stream": {"posts": []}}
        cassette.interactions.insert(0, serve(path, {"post_stream": {"posts": []}}))
    result, _ = run(engine, clock, sleep, following_settings, cassette=cassette, topics=[103])
    assert result.streams["search:acme grinder"].skipped == {"deleted": 2}, result.streams
    assert result.streams["topic:103"].skipped == {"deleted": 1}, result.streams
    assert not {1001, 1009, 1010} & set(stored(engine))


def test_an_owned_topic_gone_on_refresh_is_counted_as_deleted(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("discourse")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != "/posts/1005.json"]
    result, cassette = run(engine, clock, sleep, cassette=cassette)  # the brand's topic 102 answers 404
    assert "GET /posts/1005.json" in cassette.requests
    assert finished(result) and result.streams["refresh"].skipped == {"deleted": 1}, result.streams
