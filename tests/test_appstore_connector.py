"""The App Store connector against recorded-shape feed pages: through respx and a loopback server."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine, select

from connectors.appstore.connector import AppStoreSettings, CountryReviewsStream
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.models import ItemProfileRow, ItemRow, QuarantineRow, SyncCursorRow
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, handmade_body, load_cassette
from tests.contract import finished
from tests.real_recordings import cassette_of, serve

BASE = "https://itunes.apple.com"
US_PAGE_1 = "/us/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json"
POLICY = RetryPolicy(max_attempts=3, backoff_initial=0.5, backoff_max=4, max_wait_seconds=120)


def settings(base_url: str = BASE, **overrides: Any) -> AppStoreSettings:
    values: dict[str, Any] = {"name": "acme-appstore", "platform": "appstore", "base_url": base_url,
                              "app_id": "1234567890", "countries": ["us", "gb"]}
    values.update(overrides)
    return AppStoreSettings.model_validate(values)


def sync(engine: Engine, clock: Any, sleep: Any, cassette: Cassette, source: AppStoreSettings | None = None,
         transport: Any = None) -> SyncResult:
    """One sync of the fixture app, through respx unless a loopback base URL is given."""
    source = source or settings()
    connector = build_connector(source, transport=transport, clock=clock, sleep=sleep, policy=POLICY)
    if source.base_url.startswith("http://127.0.0.1"):
        return sync_source(engine, "acme", "UTC", source, connector, clock=clock)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(source.base_url))
        return sync_source(engine, "acme", "UTC", source, connector, clock=clock)


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def items(engine: Engine) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in rows(engine, ItemRow)}


def cursors(engine: Engine) -> dict[str, str]:
    return {r["stream"]: r["cursor"] for r in rows(engine, SyncCursorRow)}


def test_reviews_are_stored_with_rating_title_text_author_and_utc_time(engine: Engine, clock: Any, sleep: Any) -> None:
    result = sync(engine, clock, sleep, load_cassette("appstore"))
    assert finished(result), result.error
    stored = items(engine)
    assert set(stored) == {"11873210457", "11861150912", "11840775301", "11802219876", "11855501234"}
    crash = stored["11873210457"]
    assert crash["kind"] == "review" and crash["rating"] == 1.0 and crash["rating_scale"] == 5.0
    assert crash["text"] == ("Crashes since the update\n"
                             "Since 4.2 the app crashes every time I open the grinder settings. Please fix!")
    assert crash["created_at"] == datetime(2026, 11, 16, 11, 12, 45, tzinfo=UTC)  # -08:00 on the feed
    assert crash["author_external_id"] == "905512345" and crash["likes"] == 3
    assert crash["raw"]["im:version"]["label"] == "4.2.0"
    assert {r["role"] for r in rows(engine, ItemProfileRow)} == {"inbound"}  # Apple's feed has no replies


def test_a_single_review_given_as_an_object_is_stored(engine: Engine, clock: Any, sleep: Any) -> None:
    sync(engine, clock, sleep, load_cassette("appstore"))
    assert items(engine)["11855501234"]["text"].startswith("Milk frother pairing fails\n")
    assert cursors(engine)["reviews:gb"] == "2026-11-10T10:30:00+00:00"


def test_an_entry_with_a_broken_rating_is_quarantined_and_the_rest_stored(engine: Engine, clock: Any,
                                                                         sleep: Any) -> None:
    result = sync(engine, clock, sleep, load_cassette("appstore"))
    quarantined = rows(engine, QuarantineRow)
    assert result.quarantined == 1 and quarantined[0]["external_id"] == "11799000001"
    assert "two" in quarantined[0]["error"]
    assert "11802219876" in items(engine)  # its neighbour on the same page


def test_the_walk_ends_on_the_last_page_the_feed_names(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("appstore")
    sync(engine, clock, sleep, cassette)
    assert [r.split("/")[1:4] for r in cassette.requests] == [
        ["us", "rss", "customerreviews"]] * 2 + [["gb", "rss", "customerreviews"]]
    assert not any("page=3" in r for r in cassette.requests)


def new_review_on_top(cassette: Cassette) -> Cassette:
    """The US feed a day later: one new review above the ones already stored."""
    page = next(i for i in cassette.interactions if i["request"]["path"] == US_PAGE_1)
    entries = page["response"]["body"]["feed"]["entry"]
    fresh = copy.deepcopy(entries[0])
    fresh["id"]["label"], fresh["updated"]["label"] = "11880000001", "2026-11-18T02:00:00-08:00"
    fresh["im:rating"]["label"], fresh["title"]["label"] = "5", "Fixed!"
    entries.insert(0, fresh)
    return cassette


def test_next_sync_reads_only_the_first_page_and_stops_at_the_high_water_mark(engine: Engine, clock: Any,
                                                                              sleep: Any) -> None:
    sync(engine, clock, sleep, load_cassette("appstore"))
    cassette = new_review_on_top(load_cassette("appstore"))
    result = sync(engine, clock, sleep, cassette)
    assert finished(result), result.error
    assert not any("page=2" in r for r in cassette.requests)
    assert items(engine)["11880000001"]["rating"] == 5.0 and len(items(engine)) == 6
    assert cursors(engine)["reviews:us"] == "2026-11-18T10:00:00+00:00"


def test_first_sync_stops_at_the_backfill_limit(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("appstore")
    result = sync(engine, clock, sleep, cassette, settings(backfill_days=10, countries=["us"]))
    assert set(items(engine)) == {"11873210457", "11861150912"}  # 11-05 is older than 11-08
    assert result.status == "ok" and result.streams["reviews:us"].skipped == {"too old": 1}
    assert cassette.requests == [f"GET {US_PAGE_1}"]


def test_requests_are_paced_to_apples_per_minute_limit(engine: Engine, clock: Any, sleep: Any) -> None:
    sync(engine, clock, sleep, load_cassette("appstore"))
    assert sleep.calls == [3.0, 3.0]  # three requests, a pause before each but the first


def test_a_403_is_apples_throttle_and_defers_the_run(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("appstore")
    cassette.fail_next(403, {"Content-Length": "0"})
    result = sync(engine, clock, sleep, cassette)
    assert result.status == "deferred"
    assert "throttle" in (result.error or "") and "credential" not in (result.error or "")
    assert cursors(engine) == {} and len(cassette.requests) == 1


def test_the_apps_own_entry_in_older_feeds_is_skipped_not_quarantined() -> None:
    app_entry = {"im:name": {"label": "Acme Brew"}, "id": {"label": "https://apps.apple.com/us/app/id1234567890",
                                                        "attributes": {"im:id": "1234567890"}}}
    us = next(i for i in load_cassette("appstore").interactions if i["request"]["path"] == US_PAGE_1)
    feed = us["response"]["body"]["feed"]

    class OnePageFeed:
        settings = AppStoreSettings(name="store", platform="appstore", app_id="1234567890")

        def fetch(self, country: str, page: int) -> dict[str, Any]:
            return {**feed, "entry": [app_entry, *feed["entry"]], "link": []} if page == 1 else {}

    stream = CountryReviewsStream(OnePageFeed(), "us")  # type: ignore[arg-type]  # a stand-in for the HTTP feed
    pages = list(stream.listing(datetime(2000, 1, 1, tzinfo=UTC)))
    assert [len(entries) for entries in pages] == [3]
    page = stream.page_of(pages[0])
    assert len(page.items) == 3 and page.bad_records == []


def test_countries_are_two_letter_storefront_codes() -> None:
    assert settings(countries=["US", "de"]).countries == ["us", "de"]
    with pytest.raises(ValidationError):
        settings(countries=["usa"])
    with pytest.raises(ValidationError):
        settings(app_id="acme-brew")


def test_appstore_sync_against_loopback_replay_server(engine: Engine, clock: Any, sleep: Any) -> None:
    cassette = load_cassette("appstore")
    with CassetteServer(cassette) as server:
        result = sync(engine, clock, sleep, cassette, settings(server.url))
    assert finished(result), result.error
    assert len(items(engine)) == 5 and result.quarantined == 1
    assert items(engine)["11861150912"]["rating"] == 5.0
    assert cursors(engine) == {"reviews:us": "2026-11-16T11:12:45+00:00", "reviews:gb": "2026-11-10T10:30:00+00:00"}


def test_app_feed_entries_without_updated_are_stored_with_the_feed_time(engine: Engine, clock: Any,
                                                                         sleep: Any) -> None:
    # Apple's app feeds date only the feed page, never the reviews in it; entry 0 describes the app itself.
    body = handmade_body("appstore", "customerreviews_app_feed.json")
    assert all("updated" not in entry for entry in body["feed"]["entry"])
    cassette = cassette_of(serve("/nl/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json", body),
                           serve("/nl/rss/customerreviews/page=2/id=1234567890/sortby=mostrecent/json",
                                 handmade_body("appstore", "customerreviews_empty.json")))
    result = sync(engine, clock, sleep, cassette, settings(countries=["nl"]))
    stored = items(engine)
    assert result.quarantined == 0 and len(stored) == len(body["feed"]["entry"]) - 1 == 5, result.error
    assert {r["created_at"] for r in stored.values()} == {datetime(2026, 11, 18, 10, 30, tzinfo=UTC)}
    assert stored["11900000004"]["rating"] == 1.0 and stored["11900000004"]["likes"] == 6
