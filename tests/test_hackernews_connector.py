"""The Hacker News connector against recorded-shape HN Search responses: respx and a loopback server."""

from __future__ import annotations

import math
import re
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.hackernews.connector import HackerNewsConnector, HackerNewsSettings
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.config.settings import load_config
from listener.storage.models import AccountRow, ItemProfileRow, ItemRow, QuarantineRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.contract import finished

HOST = "https://hn.algolia.com"
LATER_WINDOW = "created_at_i>1794833999,created_at_i<1795006801"  # the refresh window of the next sync


def hackernews_settings(host: str, **overrides: Any) -> HackerNewsSettings:
    """The fixture story's source on a host: the term acme, the brand's account acmehq, two hits per page."""
    values: dict[str, Any] = {"name": "acme-hn", "platform": "hackernews", "base_url": f"{host}/api/v1",
                              "search": ["acme"], "username": "acmehq", "page_size": 2}
    values.update(overrides)
    return HackerNewsSettings.model_validate(values)


def hackernews_connector(settings: HackerNewsSettings, clock: Any, sleep: Any,
                         transport: Any = None) -> HackerNewsConnector:
    """A connector with injected clock, sleep and (optionally) transport."""
    policy = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=600)
    return build_connector(settings, transport=transport, clock=clock, sleep=sleep, policy=policy)  # type: ignore[return-value]


def sync_with(engine: Engine, clock: Any, sleep: Any, handler: Any, **overrides: Any) -> SyncResult:
    """One sync through respx with the given request handler."""
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=handler)
        connector = hackernews_connector(hackernews_settings(HOST, **overrides), clock, sleep)
        return sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)


def sync_respx(engine: Engine, clock: Any, sleep: Any, cassette: Cassette | None = None,
               **overrides: Any) -> SyncResult:
    """One sync of the fixture story through respx."""
    cassette = cassette or load_cassette("hackernews")
    return sync_with(engine, clock, sleep, cassette.httpx_handler(HOST), **overrides)


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items_by_id(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def check_story(engine: Engine) -> None:
    """What the fixture story must leave in the store, whoever served it."""
    items = items_by_id(engine)
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    teardown = items["45000100"]
    assert (teardown["kind"], roles["45000100"], teardown["likes"], teardown["replies"]) == (
        "mention", "inbound", 112, 4)
    assert teardown["text"] == "Acme Duo grinder teardown"
    assert teardown["url"] == "https://news.ycombinator.com/item?id=45000100"
    assert teardown["created_at"].isoformat() == "2026-11-15T10:00:00+00:00"
    assert "_highlightResult" not in teardown["raw"] and teardown["raw"]["url"] == "https://blog.example/acme-duo-teardown"
    complaint = items["45000103"]
    assert complaint["text"] == "Acme's support is a black hole. Three weeks, no answer."
    assert (complaint["kind"], complaint["parent_external_id"], complaint["root_external_id"]) == (
        "mention", "45000100", "45000100")
    # The brand's answer: owned, a reply to the complaint, stored the same from both searches.
    answer = items["45000104"]
    assert (answer["kind"], roles["45000104"], answer["parent_external_id"]) == ("comment", "owned", "45000103")
    assert answer["raw"]["type"] == "comment" and "children" not in answer["raw"]
    assert items["45000107"]["parent_external_id"] == "45000104"
    show = items["45000090"]
    assert (show["kind"], roles["45000090"], show["likes"]) == ("post", "owned", 57)
    assert items["45000092"]["text"] == "Yes: hold the button while plugging in. Details: https://firmware.example/duo#recovery"
    ask = items["45000050"]
    assert ask["text"] == ("Ask HN: Which coffee grinder do you use?\n\n"
                           "Looking at Acme and Baratza. Thoughts?\nBudget is around $250.")
    assert items["45000052"]["root_external_id"] == "45000050"
    assert "45000106" not in items, "deleted comments are skipped"
    assert len(items) == 11
    assert [a["handle"] for a in rows(engine, AccountRow)] == ["acmehq"]
    quarantined = rows(engine, QuarantineRow)
    assert [(q["external_id"], q["stream"]) for q in quarantined] == [("45000080", "search:acme")]
    assert "created_at_i" in quarantined[0]["error"]


def test_hackernews_sync_through_respx_stores_the_whole_story(engine: Engine, clock: Any, sleep: Any) -> None:
    result = sync_respx(engine, clock, sleep)
    assert finished(result), result.error
    assert result.quarantined == 1
    check_story(engine)


def test_hackernews_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    with CassetteServer(cassette) as server:
        connector = hackernews_connector(hackernews_settings(server.url), clock, sleep)
        result = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert finished(result), result.error
    check_story(engine)
    first = cassette.requests[0]
    assert first.startswith("GET /api/v1/search_by_date?hitsPerPage=2"
                            "&numericFilters=created_at_i>1792414799,created_at_i<1795006801")
    assert "tags=(story,comment,poll),author_acmehq" in first


def test_each_item_tree_is_fetched_once_per_sync(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    sync_respx(engine, clock, sleep, cassette)
    threads = [r for r in cassette.requests if "/items/" in r]
    assert threads == ["GET /api/v1/items/45000090", "GET /api/v1/items/45000104", "GET /api/v1/items/45000103",
                       "GET /api/v1/items/45000100", "GET /api/v1/items/45000050"]


def test_requests_are_spaced_politely(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    sync_respx(engine, clock, sleep, cassette, min_interval_seconds=1.5)
    assert sleep.calls == [1.5] * (len(cassette.requests) - 1)


def test_the_next_sync_asks_only_for_the_refresh_window(engine: Engine, clock: Any, sleep: Any) -> None:
    sync_respx(engine, clock, sleep)
    again = load_cassette("hackernews")
    result = sync_respx(engine, clock, sleep, again)
    assert finished(result), result.error
    searches = [r for r in again.requests if "search_by_date" in r]
    assert len(searches) == 2 and all(f"numericFilters={LATER_WINDOW}" in r for r in searches)
    assert [r for r in again.requests if "/items/" in r] == ["GET /api/v1/items/45000104"], \
        "only the comment hit in the refresh window is re-read; no story's comment count moved"
    assert len(items_by_id(engine)) == 11


def test_with_threads_off_comment_hits_are_stored_as_found(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    result = sync_respx(engine, clock, sleep, cassette, threads=False)
    assert finished(result), result.error
    assert not any("/items/" in r for r in cassette.requests)
    items = items_by_id(engine)
    assert set(items) == {"45000104", "45000103", "45000100", "45000050", "45000090"}
    raw = items["45000103"]["raw"]
    assert raw["comment_text"].startswith("Acme&#x27;s") and "_highlightResult" not in raw
    assert items["45000103"]["parent_external_id"] == "45000100"


def test_a_comment_whose_tree_is_gone_is_kept_as_the_search_found_it(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    cassette.interactions = [i for i in cassette.interactions
                             if i["request"]["path"] not in ("/api/v1/items/45000103", "/api/v1/items/45000100")]
    result = sync_respx(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert items_by_id(engine)["45000103"]["text"] == "Acme's support is a black hole. Three weeks, no answer."
    assert "45000105" not in items_by_id(engine)


def test_settings_need_a_term_or_a_username() -> None:
    with pytest.raises(ValidationError, match="nothing to collect"):
        hackernews_settings(HOST, search=[], username=None)


class FakeHnSearch:
    """search_by_date over many stories as Algolia serves it: filters, newest first, 1,000 reachable hits."""

    REACHABLE = 1000

    def __init__(self, count: int, newest: int) -> None:
        # Two stories per second: a window boundary always cuts through a pair.
        self.stories = [{"objectID": str(90000000 + i), "created_at_i": newest - (i // 2) * 60,
                         "author": f"user{i % 7}",
                         "title": f"Acme story {i}", "url": None, "points": 1, "num_comments": 0,
                         "_tags": ["story", f"author_user{i % 7}", f"story_{90000000 + i}"]} for i in range(count)]
        self.windows: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        low, high = (int(v) for v in re.findall(r"created_at_i[<>](\d+)", params["numericFilters"]))
        matching = [s for s in self.stories if low < s["created_at_i"] < high]
        matching.sort(key=lambda s: (s["created_at_i"], s["objectID"]), reverse=True)
        per_page, page = int(params["hitsPerPage"]), int(params["page"])
        reachable = matching[: self.REACHABLE]
        if page == 0:
            self.windows.append(params["numericFilters"])
        return httpx.Response(200, json={
            "hits": reachable[page * per_page : (page + 1) * per_page], "nbHits": len(matching),
            "nbPages": min(math.ceil(len(matching) / per_page), math.ceil(self.REACHABLE / per_page)),
            "page": page, "hitsPerPage": per_page, "exhaustiveNbHits": True, "query": params.get("query", ""),
            "params": str(request.url.query), "processingTimeMS": 1})


def test_more_than_the_1000_reachable_hits_are_collected_through_created_at_windows(
        engine: Engine, clock: Any, sleep: Any) -> None:
    fake = FakeHnSearch(2_345, newest=int(clock.now.timestamp()) - 3600)
    result = sync_with(engine, clock, sleep, fake, username=None, page_size=100, threads=False)
    assert finished(result), result.error
    stored = set(items_by_id(engine))
    assert stored == {s["objectID"] for s in fake.stories}
    assert len(fake.windows) == 3, fake.windows  # 1,000 + 1,000 + the rest, each window below the last


def test_a_hackernews_source_loads_from_the_config_file_without_secrets(tmp_path: Any) -> None:
    path = tmp_path / "ror.toml"
    path.write_text('[[profiles]]\nname = "acme"\ntimezone = "UTC"\n\n[[profiles.sources]]\nname = "acme-hn"\n'
                    'platform = "hackernews"\nsearch = ["acme", "\\"acme duo\\""]\nusername = "acmehq"\n')
    (_, settings), = load_config(path).sources()
    assert settings.base_url == "https://hn.algolia.com/api/v1" and settings.search == ["acme", '"acme duo"']
    assert settings.secret_env_names() == {}
    connector = build_connector(settings)
    assert [s.name for s in connector.streams()] == ["owned", "search:acme", 'search:"acme duo"']


def poll_option(option_id: int, text: str, votes: int) -> dict[str, Any]:
    """A hand-made `pollopt` node as items/:id nests it under its poll (no children, points = votes)."""
    return {"author": "sidecar_sam", "children": [], "created_at": "2026-11-15T20:00:00.000Z",
            "created_at_i": 1794772800, "id": option_id, "options": [], "parent_id": 45000100, "points": votes,
            "story_id": 45000100, "text": text, "title": None, "type": "pollopt", "url": None}


def test_poll_options_in_a_tree_are_counted_not_stored_as_comments(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    tree = next(i for i in cassette.interactions if i["request"]["path"] == "/api/v1/items/45000100")
    options = [poll_option(45000201, "Burr set A", 12), poll_option(45000202, "Burr set B", 7)]
    tree["response"]["body"].update(type="poll", options=options)
    tree["response"]["body"]["children"] = options + tree["response"]["body"]["children"]
    result = sync_respx(engine, clock, sleep, cassette)
    assert finished(result), result.error
    stored = items_by_id(engine)
    assert not {"45000201", "45000202"} & set(stored)
    assert sum(c.skipped.get("poll option", 0) for c in result.streams.values()) == 2
    assert stored["45000104"]["root_external_id"] == "45000100", "the poll's comments are stored as before"


def test_a_story_whose_tree_is_gone_counts_its_comments_as_skipped(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != "/api/v1/items/45000050"]
    result = sync_respx(engine, clock, sleep, cassette)  # items/45000050 now answers 404
    assert finished(result), result.error
    assert result.streams["search:acme"].skipped.get("comments of a deleted post") == 2, result.streams
    assert "45000050" in items_by_id(engine), "the story as the search found it stays"


def test_deleted_and_poll_option_hits_are_counted_where_the_search_found_them(engine: Engine, clock: Any,
                                                                             sleep: Any) -> None:
    cassette = load_cassette("hackernews")
    page = next(i for i in cassette.interactions if i["request"]["query"] == {"query": "acme", "page": "2"})
    story = page["response"]["body"]["hits"][0]
    gone = dict(story, objectID="45000301", author=None, story_text=None, title=None, num_comments=0)
    option = dict(story, objectID="45000302", _tags=["pollopt", "author_pat_dev"], num_comments=0)
    page["response"]["body"]["hits"] = [story, gone, option]
    result = sync_respx(engine, clock, sleep, cassette)
    assert result.streams["search:acme"].skipped.get("poll option") == 1, result.streams
    assert result.streams["search:acme"].skipped.get("deleted", 0) >= 1, result.streams
    assert not {"45000301", "45000302"} & set(items_by_id(engine))
