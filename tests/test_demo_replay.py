"""The loopback Mastodon replay server answers like a real instance replaying the demo world."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from listener.demo.dataset import BAD_STRETCH_DAYS, DEFAULT_SEED, HASHTAG, build_demo_world
from listener.demo.mastodon_entities import epoch_ms
from listener.demo.mastodon_replay import ReplayServer, start_replay_server
from tests.conftest import FakeClock

NOW = datetime(2026, 11, 20, 14, 3, 12, 345000, tzinfo=UTC)
TOKEN = "demo-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEGATIVE_MARKERS = (
    "broken", "late", "refund", "worst", "furious", "delay", "disappointed", "unacceptable",
    "not impressed", "ignoring", "horrible", "kaputt", "cassé", "roto",
)


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with start_replay_server(now=NOW, require_token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ReplayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def brand_id(client: httpx.Client) -> str:
    return client.get("/api/v1/accounts/lookup", params={"acct": "acme"}).json()["id"]


@pytest.fixture(scope="module")
def brand_timeline(client: httpx.Client, brand_id: str) -> list[dict[str, Any]]:
    pages = walk(client, f"/api/v1/accounts/{brand_id}/statuses", {"limit": 40})
    return [status for page in pages for status in page]


def walk(client: httpx.Client, path: str, params: dict[str, Any], rel: str = "next",
         headers: dict[str, str] | None = None) -> list[list[dict[str, Any]]]:
    """Follow one Link relation from the first page until it runs out; return every page."""
    pages = []
    response = client.get(path, params=params, headers=headers)
    while True:
        assert response.status_code == 200
        pages.append(response.json())
        url = response.links.get(rel, {}).get("url")
        if url is None:
            return pages
        response = client.get(url, headers=headers)


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def test_lookup_returns_the_brand_account(client: httpx.Client) -> None:
    account = client.get("/api/v1/accounts/lookup", params={"acct": "acme"}).json()
    assert account["username"] == account["acct"] == "acme"
    assert account["display_name"] == "Acme Coffee Gear"
    assert 2_000 <= account["followers_count"] <= 3_000
    assert account["statuses_count"] > 0 and account["last_status_at"] <= NOW.date().isoformat()
    assert client.get(f"/api/v1/accounts/{account['id']}").json() == account


def test_unknown_account_path_and_status_are_json_404s(client: httpx.Client) -> None:
    unknown = client.get("/api/v1/accounts/lookup", params={"acct": "nobody"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Record not found"})
    assert client.get("/api/v1/statuses/12345").json() == {"error": "Record not found"}
    route = client.get("/api/v1/no/such/route")
    assert route.status_code == 404 and "error" in route.json()


def test_max_id_walk_covers_the_whole_timeline_newest_first(
    server: ReplayServer, brand_timeline: list[dict[str, Any]]
) -> None:
    ids = [int(status["id"]) for status in brand_timeline]
    expected = sum(1 for s in server.world.statuses if s.account_id == server.world.brand.id)
    assert len(ids) == len(set(ids)) == expected
    assert ids == sorted(ids, reverse=True)


def test_min_id_walk_moves_forward_without_gaps(
    client: httpx.Client, brand_id: str, brand_timeline: list[dict[str, Any]]
) -> None:
    pages = walk(client, f"/api/v1/accounts/{brand_id}/statuses", {"limit": 40, "min_id": 0}, rel="prev")
    assert pages[-1] == []
    for page in pages:
        page_ids = [int(s["id"]) for s in page]
        assert page_ids == sorted(page_ids, reverse=True)
    forward = [s["id"] for page in reversed(pages) for s in page]
    assert forward == [s["id"] for s in brand_timeline]


def test_empty_page_past_the_oldest_status_has_no_link_header(
    client: httpx.Client, brand_id: str, brand_timeline: list[dict[str, Any]]
) -> None:
    response = client.get(f"/api/v1/accounts/{brand_id}/statuses", params={"max_id": brand_timeline[-1]["id"]})
    assert response.json() == []
    assert "link" not in response.headers


def test_since_id_returns_the_newest_statuses_above_it(
    client: httpx.Client, brand_id: str, brand_timeline: list[dict[str, Any]]
) -> None:
    since = brand_timeline[30]["id"]
    page = client.get(f"/api/v1/accounts/{brand_id}/statuses", params={"since_id": since, "limit": 5}).json()
    assert [s["id"] for s in page] == [s["id"] for s in brand_timeline[:5]]
    newer = client.get(f"/api/v1/accounts/{brand_id}/statuses", params={"min_id": since, "limit": 5}).json()
    assert [s["id"] for s in newer] == [s["id"] for s in brand_timeline[25:30]]


def test_link_header_points_to_page_edges_and_keeps_other_params(
    server: ReplayServer, client: httpx.Client, brand_id: str
) -> None:
    path = f"/api/v1/accounts/{brand_id}/statuses"
    response = client.get(path, params={"limit": 5, "exclude_reblogs": "true"})
    page = response.json()
    base = f"{server.url}{path}?exclude_reblogs=true&limit=5"
    assert response.headers["link"] == (
        f'<{base}&max_id={page[-1]["id"]}>; rel="next", <{base}&min_id={page[0]["id"]}>; rel="prev"'
    )
    assert all(status["reblog"] is None for status in page)


def test_rate_limit_headers_count_down_and_reset_with_the_window(clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 20, 14, 1, 30, tzinfo=UTC)
    with start_replay_server(now=NOW, clock=clock) as running, httpx.Client(trust_env=False) as http:
        first = http.get(f"{running.url}/api/v1/accounts/lookup?acct=acme").headers
        second = http.get(f"{running.url}/api/v1/accounts/lookup?acct=acme").headers
        clock.now += timedelta(minutes=5)
        after_reset = http.get(f"{running.url}/api/v1/accounts/lookup?acct=acme").headers
    assert first["x-ratelimit-limit"] == "300"
    assert (first["x-ratelimit-remaining"], second["x-ratelimit-remaining"]) == ("299", "298")
    assert first["x-ratelimit-reset"] == "2026-11-20T14:05:00.000000Z"
    assert after_reset["x-ratelimit-remaining"] == "299"
    assert after_reset["x-ratelimit-reset"] == "2026-11-20T14:10:00.000000Z"


def test_rate_limit_is_configurable_and_never_blocks(clock: FakeClock) -> None:
    with start_replay_server(now=NOW, clock=clock, rate_limit=2) as running, httpx.Client(trust_env=False) as http:
        responses = [http.get(f"{running.url}/api/v1/accounts/lookup?acct=acme") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["1", "0", "0"]
    assert responses[0].headers["x-ratelimit-limit"] == "2"


def test_favourited_by_pages_add_up_to_favourites_count(
    client: httpx.Client, brand_timeline: list[dict[str, Any]]
) -> None:
    status = max(brand_timeline, key=lambda s: s["favourites_count"])
    path = f"/api/v1/statuses/{status['id']}/favourited_by"
    pages = walk(client, path, {"limit": 7})
    accounts = [account["id"] for page in pages for account in page]
    assert status["favourites_count"] > 7
    assert len(accounts) == len(set(accounts)) == status["favourites_count"]
    cursor = int(client.get(path, params={"limit": 7}).links["next"]["url"].rsplit("max_id=", 1)[1])
    assert str(cursor) not in accounts and cursor != int(status["id"])


def test_reblogged_by_matches_reblogs_count(client: httpx.Client, brand_timeline: list[dict[str, Any]]) -> None:
    status = max(brand_timeline, key=lambda s: s["reblogs_count"])
    pages = walk(client, f"/api/v1/statuses/{status['id']}/reblogged_by", {"limit": 2})
    assert sum(len(page) for page in pages) == status["reblogs_count"] > 0


def test_context_lists_the_whole_thread_in_thread_order(
    client: httpx.Client, brand_timeline: list[dict[str, Any]]
) -> None:
    root = max((s for s in brand_timeline if s["in_reply_to_id"] is None), key=lambda s: s["replies_count"])
    context = client.get(f"/api/v1/statuses/{root['id']}/context").json()
    assert context["ancestors"] == []
    seen = {root["id"]}
    for status in context["descendants"]:
        assert status["in_reply_to_id"] in seen
        seen.add(status["id"])
    replies = root["replies_count"] + sum(s["replies_count"] for s in context["descendants"])
    assert len(context["descendants"]) == replies
    deepest = context["descendants"][-1]
    ancestors = client.get(f"/api/v1/statuses/{deepest['id']}/context").json()["ancestors"]
    assert ancestors[0]["id"] == root["id"] and ancestors[-1]["id"] == deepest["in_reply_to_id"]


def test_notifications_require_the_token(client: httpx.Client) -> None:
    missing = client.get("/api/v1/notifications")
    wrong = client.get("/api/v1/notifications", headers={"Authorization": "Bearer nope"})
    search = client.get("/api/v2/search", params={"q": "grinder"})
    for response in (missing, wrong, search):
        assert (response.status_code, response.json()) == (401, {"error": "The access token is invalid"})
    assert client.get("/api/v1/notifications", headers=AUTH).status_code == 200


def test_mention_notifications_filter_by_type(client: httpx.Client) -> None:
    for params in ({"types[]": "mention", "limit": 80}, {"types": "mention", "limit": 80}):
        notifications = client.get("/api/v1/notifications", params=params, headers=AUTH).json()
        assert len(notifications) == 80
        assert {n["type"] for n in notifications} == {"mention"}
        assert all("acme" in {m["acct"] for m in n["status"]["mentions"]} for n in notifications)
        assert all(n["group_key"] == f"ungrouped-{n['id']}" for n in notifications)
    kinds = {n["type"] for n in client.get("/api/v1/notifications", params={"limit": 80}, headers=AUTH).json()}
    assert kinds <= {"mention", "favourite", "reblog"} and len(kinds) > 1


def test_bad_stretch_has_more_and_angrier_mentions(client: httpx.Client) -> None:
    pages = walk(client, "/api/v1/notifications", {"types[]": "mention", "limit": 80}, headers=AUTH)
    by_day: dict[bool, list[str]] = {True: [], False: []}
    for notification in (n for page in pages for n in page):
        day = int((NOW - parse_time(notification["created_at"])).total_seconds() // 86_400)
        by_day[day in BAD_STRETCH_DAYS].append(notification["status"]["content"].lower())
    def negative_share(texts: list[str]) -> float:
        return sum(any(m in t for m in NEGATIVE_MARKERS) for t in texts) / len(texts)
    assert negative_share(by_day[True]) > 0.5 > 2 * negative_share(by_day[False])
    bad_days = len(BAD_STRETCH_DAYS)
    assert len(by_day[True]) / bad_days > 1.5 * len(by_day[False]) / (42 - bad_days)


def test_ids_increase_with_created_at_and_nothing_is_in_the_future(
    client: httpx.Client, brand_timeline: list[dict[str, Any]]
) -> None:
    notifications = client.get("/api/v1/notifications", params={"limit": 80}, headers=AUTH).json()
    for items in (brand_timeline, notifications):
        ids = [int(item["id"]) for item in items]
        times = [parse_time(item["created_at"]) for item in items]
        assert ids == sorted(ids, reverse=True) and times == sorted(times, reverse=True)
        assert all(i >> 16 == epoch_ms(t) for i, t in zip(ids, times, strict=True))
        assert all(t < NOW for t in times)


def test_content_is_mastodon_html(server: ReplayServer, client: httpx.Client,
                                  brand_timeline: list[dict[str, Any]]) -> None:
    contents = [s["content"] for s in brand_timeline if s["reblog"] is None]
    assert all(c.startswith("<p>") and c.endswith("</p>") for c in contents)
    assert any("&amp;" in c for c in contents) and not any(" & " in c for c in contents)
    reply = next(s for s in brand_timeline if s["in_reply_to_id"] and s["mentions"])
    mention = reply["mentions"][0]
    assert (f'<span class="h-card"><a href="{mention["url"]}" class="u-url mention">'
            f'@<span>{mention["username"]}</span></a></span>') in reply["content"]
    assert any('rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>' in c
               for c in contents)
    tagged = client.get(f"/api/v1/timelines/tag/{HASHTAG}", params={"limit": 40}).json()
    assert len(tagged) == 40 and all(HASHTAG in {t["name"] for t in s["tags"]} for s in tagged)
    assert f'<a href="{server.url}/tags/{HASHTAG}" class="mention hashtag" rel="tag">#<span>' in tagged[0]["content"]


def test_brand_boosts_appear_in_its_timeline(brand_timeline: list[dict[str, Any]]) -> None:
    boosts = [s for s in brand_timeline if s["reblog"] is not None]
    assert boosts and all(b["content"] == "" and b["reblog"]["account"]["acct"] != "acme" for b in boosts)


def test_search_matches_plain_text_case_insensitively(client: httpx.Client) -> None:
    result = client.get("/api/v2/search", params={"q": "DESCALE", "type": "statuses", "limit": 40}, headers=AUTH).json()
    assert result["accounts"] == [] and result["hashtags"] == []
    assert result["statuses"] and all("descale" in s["content"].lower() for s in result["statuses"])


def test_fail_next_serves_injected_faults_then_recovers() -> None:
    with start_replay_server(now=NOW) as running, httpx.Client(base_url=running.url, trust_env=False) as http:
        running.fail_next(429, headers={"Retry-After": "7"})
        running.fail_next(503, count=2)
        running.fail_next(200, body="<html><body>Maintenance</body></html>")
        limited = http.get("/api/v1/accounts/lookup", params={"acct": "acme"})
        unavailable = [http.get("/api/v1/accounts/lookup", params={"acct": "acme"}).status_code for _ in range(2)]
        html = http.get("/api/v1/accounts/lookup", params={"acct": "acme"})
        healthy = http.get("/api/v1/accounts/lookup", params={"acct": "acme"})
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "7")
    assert unavailable == [503, 503]
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert healthy.json()["username"] == "acme"


def test_world_is_deterministic_and_languages_are_mixed() -> None:
    world = build_demo_world()
    assert build_demo_world.__wrapped__(DEFAULT_SEED) == world
    customer = [s for s in world.statuses if s.account_id != world.brand.id and s.reblog_of is None]
    share = {lang: sum(s.language == lang for s in customer) / len(customer) for lang in ("de", "fr", "es", None)}
    assert 0.05 < share["de"] + share["fr"] + share["es"] < 0.11
    assert 0.07 < share[None] < 0.13
