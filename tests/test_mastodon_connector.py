"""The Mastodon connector against recorded-shape responses: through respx and a loopback server."""

from __future__ import annotations

from typing import Any

import pytest
import respx
from sqlalchemy import Engine, select

from listener.collect.sync import sync_source
from listener.storage.models import (
    AccountRow,
    EngagementEventRow,
    ItemProfileRow,
    ItemRow,
    QuarantineRow,
    SyncCursorRow,
)
from listener.storage.upsert import table_of
from tests.cassette import CassetteServer, load_cassette
from tests.contract import finished
from tests.mastodon_setup import mastodon_connector, mastodon_settings

BASE = "https://mastodon.example"
S1, S2, S3 = "117625297305600001", "117632493158400001", "117632630784000003"
HOST = "mastodon.example"


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items_by_id(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def run_sync_respx(engine: Engine, clock: Any, sleep: Any) -> Any:
    cassette = load_cassette("mastodon")
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        connector = mastodon_connector(mastodon_settings(BASE), clock, sleep)
        return sync_source(engine, "acme", "Europe/Berlin", connector.settings, connector, clock=clock)


def check_story(engine: Engine, host: str) -> None:
    """What the fixture story must leave in the store, whoever served it."""
    items = items_by_id(engine)
    q = lambda local: f"{host}/{local}"  # noqa: E731
    assert items[q(S2)]["kind"] == "post" and items[q(S2)]["likes"] == 3
    question = [i for i in items.values() if i["text"].startswith("@acme How do I descale")]
    assert len(question) == 1
    assert question[0]["text"] == "@acme How do I descale the grinder? The manual & the website disagree."
    assert question[0]["parent_external_id"] == q(S2) and question[0]["root_external_id"] == q(S2)
    answer = items[q(S3)]
    assert answer["kind"] == "reply" and answer["parent_external_id"] == question[0]["external_id"]
    assert "https://acme.example/descale" in answer["text"]
    roles = {(r["external_id"], r["role"]) for r in rows(engine, ItemProfileRow)}
    assert (q(S3), "owned") in roles and (question[0]["external_id"], "inbound") in roles
    events = rows(engine, EngagementEventRow)
    s2_events = {(e["kind"], e["actor_external_id"]) for e in events if e["item_external_id"] == q(S2)}
    assert {k for k, _ in s2_events if k == "like"} and len([e for e in s2_events if e[0] == "like"]) == 3
    assert len([e for e in s2_events if e[0] == "share"]) == 1
    kinds = {i["kind"] for i in items.values()}
    assert {"post", "reply", "mention"} <= kinds
    mentions = [i for i in items.values() if i["kind"] == "mention"]
    assert {m["text"] for m in mentions} >= {"@acme still waiting for my replacement part <sigh>"}
    accounts = rows(engine, AccountRow)
    assert [a["handle"] for a in accounts] == ["acme"]
    cursors = {(c["stream"], c["cursor"]) for c in rows(engine, SyncCursorRow)}
    assert ("statuses", S3) in cursors and ("mentions", "3900020") in cursors
    quarantined = rows(engine, QuarantineRow)
    assert len(quarantined) == 1 and "account" in quarantined[0]["error"]


def test_mastodon_sync_through_respx_stores_the_whole_story(engine: Engine, clock: Any, sleep: Any) -> None:
    result = run_sync_respx(engine, clock, sleep)
    assert finished(result), result.error
    assert result.quarantined == 1
    check_story(engine, HOST)


def test_mastodon_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("mastodon")
    with CassetteServer(cassette) as server:
        connector = mastodon_connector(mastodon_settings(server.url), clock, sleep)
        result = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert finished(result), result.error
    check_story(engine, server.url.removeprefix("http://"))
    assert any(r.startswith("GET /api/v1/notifications") for r in cassette.requests)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = (ItemRow, ItemProfileRow, EngagementEventRow, QuarantineRow, SyncCursorRow, AccountRow)
    out = {}
    with engine.connect() as connection:
        for model in tables:
            table = table_of(model)
            out[table.name] = sorted(tuple(r) for r in connection.execute(select(table)).all())
    return out


def test_syncing_the_same_pages_twice_gives_identical_tables(engine: Engine, clock: Any, sleep: Any) -> None:
    run_sync_respx(engine, clock, sleep)
    first = snapshot(engine)
    clock.now = clock.now.replace(minute=30)
    second_result = run_sync_respx(engine, clock, sleep)
    assert finished(second_result)
    assert snapshot(engine) == first


def test_cursor_not_advanced_when_the_write_fails(engine: Engine, clock: Any, sleep: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import listener.storage.store as store

    def broken_events(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "save_events", broken_events)
    result = run_sync_respx(engine, clock, sleep)
    assert result.status in {"partial", "failed"} and "disk full" in (result.error or "")
    assert rows(engine, SyncCursorRow) == []
    assert rows(engine, ItemRow) == []


def test_a_failing_stream_does_not_stop_the_others(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("mastodon")
    cassette.interactions = [i for i in cassette.interactions if i["request"]["path"] != "/api/v1/notifications"]
    cassette.interactions.insert(0, {"request": {"path": "/api/v1/notifications", "query": {}},
                                     "response": {"status": 401, "headers": {},
                                                  "body": {"error": "The access token is invalid"}}})
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        connector = mastodon_connector(mastodon_settings(BASE), clock, sleep)
        result = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert result.status == "partial"
    assert "TEST_MASTODON_TOKEN" in (result.error or "")
    assert len(items_by_id(engine)) >= 7


def test_search_stream_pages_forward_by_the_newest_id(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("mastodon")
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        connector = mastodon_connector(mastodon_settings(BASE, search=["grinder"]), clock, sleep)
        result = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert finished(result), result.error
    searches = [r for r in cassette.requests if r.startswith("GET /api/v2/search")]
    assert len(searches) == 2 and "type=statuses" in searches[0]
    cursors = {c["stream"]: c["cursor"] for c in rows(engine, SyncCursorRow)}
    assert cursors["search:grinder"] == "117637329715200009"
    assert "Morning ritual" in items_by_id(engine)[f"{HOST}/117637329715200009"]["text"]


def test_a_source_that_does_not_know_the_thread_root_does_not_erase_it(engine: Engine, clock: Any, sleep: Any) -> None:
    run_sync_respx(engine, clock, sleep)
    question = next(i for i in items_by_id(engine).values() if i["text"].startswith("@acme How do I descale"))
    assert question["root_external_id"] == f"{HOST}/{S2}"
    from connectors.base import Item
    from listener.storage.store import save_items

    again = Item(platform="mastodon", external_id=question["external_id"], kind="reply", role="inbound",
                 author=None, text=question["text"], created_at=question["created_at"],
                 parent_external_id=question["parent_external_id"], root_external_id=None)
    with engine.begin() as connection:
        save_items(connection, 1, "acme-mastodon", [again], clock())
    assert items_by_id(engine)[question["external_id"]]["root_external_id"] == f"{HOST}/{S2}"


def test_an_owned_status_that_answers_404_on_refresh_is_counted_as_deleted(engine: Engine, clock: Any,
                                                                           sleep: Any) -> None:
    cassette = load_cassette("mastodon")
    cassette.interactions = [i for i in cassette.interactions  # statuses/S1 now answers 404
                             if i["request"]["path"] != f"/api/v1/statuses/{S1}"]
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        connector = mastodon_connector(mastodon_settings(BASE), clock, sleep)
        result = sync_source(engine, "acme", "Europe/Berlin", connector.settings, connector, clock=clock)
    assert finished(result), result.error
    assert f"GET /api/v1/statuses/{S1}" in cassette.requests
    assert result.streams["refresh"].skipped == {"deleted": 1}
    assert f"{HOST}/{S1}" in items_by_id(engine), "what was stored stays"


def test_an_account_seen_again_gives_the_same_author_and_unlike_values_never_share_one() -> None:
    from connectors.mastodon.connector import MastodonApi

    api = MastodonApi(mastodon_settings(BASE), session=None)  # type: ignore[arg-type]  # authors need no HTTP
    account = {"id": "7", "acct": "fan", "display_name": "", "url": "https://m/@fan", "followers_count": 1,
               "following_count": 2}
    first = api.author(account)
    assert api.author(dict(account)) is first and first.display_name is None
    assert api.author({**account, "followers_count": 3}).followers == 3
    # equal as keys, different as values: 1 == 1.0 == True, and "7" and 7 give the same id
    assert type(api.author({**account, "followers_count": True}).followers) is bool
    assert type(api.author({**account, "followers_count": 1.0}).followers) is float
    assert api.author({**account, "id": 7}).external_id == first.external_id == f"{HOST}/7"
    with pytest.raises(TypeError, match="author.display_name: expected text"):
        api.author({**account, "display_name": 5})
    with pytest.raises(KeyError, match="acct"):
        api.author({"id": "8"})


def test_statuses_with_the_same_counts_share_counters_and_unlike_counts_never_do() -> None:
    from connectors.base import Counters
    from connectors.mastodon.connector import MastodonApi

    api = MastodonApi(mastodon_settings(BASE), session=None)  # type: ignore[arg-type]  # counters need no HTTP
    status = {"favourites_count": 1, "reblogs_count": "2", "replies_count": 0}
    first = api.counters(status)
    assert first == Counters(likes=1, shares=2, replies=0) and api.counters(dict(status)) is first
    assert api.counters({**status, "quotes_count": 1}).quotes == 1
    # equal as keys, different as values: a quotes_count of True or 1.0 is kept as it came (and refused later)
    assert type(api.counters({**status, "quotes_count": True}).quotes) is bool
    assert type(api.counters({**status, "quotes_count": 1.0}).quotes) is float
    assert type(api.counters({**status, "quotes_count": 1}).quotes) is int
    with pytest.raises(ValueError):
        api.counters({**status, "favourites_count": "many"})
