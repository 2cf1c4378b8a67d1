"""Schema drift on real recordings: drop, null or retype a field of a record, and nothing is lost silently.

Each example mutates one field (at most two levels deep) of one record in a real response body,
syncs it, and checks that every record was stored, quarantined or counted as skipped by a rule,
that no stream crashed, and that quarantine makes the run partial with the reason.
"""

from __future__ import annotations

import copy
import itertools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import respx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from connectors.base import SourceSettings
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.storage.engine import open_database
from tests.conftest import FakeClock, RecordedSleep
from tests.real_recordings import cassette_of, real_body, serve

BASE = "https://drift.example"
POLICY = RetryPolicy(max_attempts=1, backoff_initial=0.1, backoff_max=1, max_wait_seconds=60)
MUTATIONS = ("drop", "null", "retype")
# A few hundred milliseconds per example: the whole module stays within a few seconds. A deeper
# search: ROR_DRIFT_EXAMPLES=200 ROR_DRIFT_SEED=1 pytest tests/test_schema_drift.py
DEEP = "ROR_DRIFT_EXAMPLES" in os.environ
DRIFT = settings(max_examples=int(os.environ.get("ROR_DRIFT_EXAMPLES", "6")), deadline=None, derandomize=not DEEP,
                 phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class DriftCase:
    """A source whose one stream reads one real body; `records` picks the records out of it."""

    source: dict[str, Any]
    body: str  # platform/file
    path: str
    records: Callable[[Any], list[Any]]
    now: datetime
    extra: tuple[tuple[str, Any], ...] = ()

    def platform(self) -> str:
        return self.body.split("/", 1)[0]


CASES = {
    "appstore": DriftCase(
        {"platform": "appstore", "app_id": "375380948", "countries": ["jp"], "backfill_days": 3650,
         "request_interval_seconds": 0},
        "appstore/customerreviews_jp_mostrecent.json",
        "/jp/rss/customerreviews/page=1/id=375380948/sortby=mostrecent/json",
        lambda body: body["feed"]["entry"][1:], datetime(2015, 6, 20, tzinfo=UTC),
        (("/jp/rss/customerreviews/page=2/id=375380948/sortby=mostrecent/json", {"feed": {}}),)),
    "reddit": DriftCase(
        {"platform": "reddit", "subreddits": ["askreddit"], "comments": False, "backfill_days": 3650,
         "token_url": f"{BASE}/api/v1/access_token"},
        "reddit/subreddit_new.json", "/r/askreddit/new",
        lambda body: body["data"]["children"][:20], datetime(2016, 3, 2, tzinfo=UTC),
        (("/api/v1/access_token", {"access_token": "t", "token_type": "bearer", "expires_in": 3600}),)),
    "bluesky": DriftCase(
        {"platform": "bluesky", "handle": "chriskenny.bsky.social", "backfill_days": 3650, "refresh_days": 0},
        "bluesky/getAuthorFeed.json", "/xrpc/app.bsky.feed.getAuthorFeed",
        lambda body: body["feed"], datetime(2025, 5, 6, tzinfo=UTC)),
    "discourse": DriftCase(
        {"platform": "discourse", "backfill_days": 3650, "likers": False},
        "discourse/posts_latest.json", "/posts.json",
        lambda body: body["latest_posts"], datetime(2020, 1, 26, tzinfo=UTC)),
    "mastodon": DriftCase(
        {"platform": "mastodon", "account": "mastodonpy_test", "backfill_days": 3650, "refresh_days": 0},
        "mastodon/accounts_statuses.json", "/api/v1/accounts/117020565966271181/statuses",
        lambda body: body, datetime(2026, 8, 2, tzinfo=UTC)),
    "hackernews": DriftCase(
        {"platform": "hackernews", "search": ["apple"], "backfill_days": 3650, "threads": False,
         "min_interval_seconds": 0},
        "hackernews/search_by_date_comment.json", "/search_by_date",
        lambda body: body["hits"], datetime(2014, 6, 21, tzinfo=UTC)),
}


def retyped(value: Any) -> Any:
    """The same field with another JSON type."""
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return f"{value}x"
    if isinstance(value, str):
        return 12345
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return "not a list"
    return {"unexpected": True}


def mutate(record: dict[str, Any], path: list[str], how: str) -> str:
    """Apply one mutation in place at `path`; returns its description."""
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if how == "drop":
        parent.pop(key)
    elif how == "null":
        parent[key] = None
    else:
        parent[key] = retyped(parent[key])
    return f"{how} {'.'.join(path)}"


@st.composite
def drifted(draw: st.DrawFn, case: DriftCase) -> tuple[Any, str]:
    """A copy of the case's body with one field of one record mutated."""
    body = copy.deepcopy(real_body(*case.body.split("/", 1)))
    records = case.records(body)
    record = records[draw(st.integers(0, len(records) - 1))]
    key = draw(st.sampled_from(sorted(record)))
    path = [key]
    if isinstance(record[key], dict) and record[key] and draw(st.booleans()):
        path.append(draw(st.sampled_from(sorted(record[key]))))
    return body, mutate(record, path, draw(st.sampled_from(MUTATIONS)))


def sync_drifted(case: DriftCase, body: Any) -> tuple[SyncResult, int]:
    """One sync of the case's source over the mutated body (respx, a fresh SQLite file)."""
    source = {"name": f"drift{next(_RUNS)}", "base_url": BASE, **case.source}
    settings_model = build_connector_settings(source)
    served = [serve(case.path, body, {"before": "*"}) if case.platform() == "discourse" else None,
              serve(case.path, {"feed": []}, {"cursor": "*"}) if case.platform() == "bluesky" else None,
              *(serve(path, extra, method="POST" if "token" in path else "GET") for path, extra in case.extra)]
    brand = next((e["post"]["author"] for e in real_body("bluesky", "getAuthorFeed.json")["feed"]
                  if e["post"]["author"]["handle"] == "chriskenny.bsky.social"), None)
    served.append(serve("/xrpc/app.bsky.actor.getProfile", brand))
    empty = {"latest_posts": []} if case.platform() == "discourse" else body
    if case.platform() == "discourse":
        served[0] = serve(case.path, empty, {"before": "*"})
    served.append(serve(case.path, body))
    if case.platform() == "mastodon":
        brand_account = real_body("mastodon", "accounts_statuses.json")[0]["account"]
        served.insert(0, serve("/api/v1/accounts/lookup", brand_account))
        # A server answers a min_id at or past the newest status with nothing: one [] per id the cursor may take.
        ids = [str(s["id"]) for s in real_body("mastodon", "accounts_statuses.json")] + ["12345"]
        served[1:1] = [serve(case.path, [], {"min_id": i}) for i in ids]
    if case.platform() == "reddit":
        served.insert(0, serve(case.path, {"kind": "Listing", "data": {"children": [], "after": None}}, {"after": "*"}))
    if case.platform() == "hackernews":
        served.insert(0, serve(case.path, {"hits": [], "nbPages": 0, "nbHits": 0}, {"page": "1"}))
    cassette = cassette_of(*[s for s in served if s is not None])
    clock = FakeClock(case.now)
    connector = build_connector(settings_model, secrets={"client_id": "i", "client_secret": "s"}, clock=clock,
                                sleep=RecordedSleep(), policy=POLICY)
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=cassette.httpx_handler(BASE))
        result = sync_source(shared_engine(), "brand", "UTC", settings_model, connector, clock=clock)
    return result, len(case.records(body))


_ENGINES: list[Engine] = []
_RUNS = itertools.count()


def shared_engine() -> Engine:
    """One SQLite file for the module (migrations are the slow part); each sync uses a new source name."""
    if not _ENGINES:
        directory = tempfile.mkdtemp(prefix="ror-drift-")
        _ENGINES.append(open_database(f"sqlite:///{Path(directory) / 'drift.db'}"))
    return _ENGINES[0]


def build_connector_settings(values: dict[str, Any]) -> SourceSettings:
    from connectors.registry import CONNECTORS

    return CONNECTORS[values["platform"]].settings_model.model_validate(values)


def check_accounted(result: SyncResult, records: int, what: str) -> None:
    """Every record stored, quarantined or skipped by a rule; no stream crashed; quarantine said."""
    crashed = [name for name, counts in result.streams.items() if counts.failed]
    assert not crashed, f"{what}: {result.error}"
    assert result.items + result.quarantined + result.skipped >= records, (what, result)
    if result.quarantined:
        assert result.status == "partial" and "quarantined" in (result.error or ""), (what, result)


def test_the_unmutated_recordings_are_stored_whole() -> None:
    for name, case in CASES.items():
        result, records = sync_drifted(case, real_body(*case.body.split("/", 1)))
        # The Discourse replay serves no topic: its one reply's thread is counted as not read.
        expected = ("partial", 1) if name == "discourse" else ("ok", 0)
        assert (result.status, result.unexpanded) == expected and result.quarantined == 0, (name, result.error)
        check_accounted(result, records, name)


@DRIFT
@given(st.data())
def test_a_drifted_appstore_record_is_stored_or_quarantined(data: st.DataObject) -> None:
    body, what = data.draw(drifted(CASES["appstore"]))
    check_accounted(*sync_drifted(CASES["appstore"], body), what)


@DRIFT
@given(st.data())
def test_a_drifted_reddit_record_is_stored_or_quarantined(data: st.DataObject) -> None:
    body, what = data.draw(drifted(CASES["reddit"]))
    check_accounted(*sync_drifted(CASES["reddit"], body), what)


@DRIFT
@given(st.data())
def test_a_drifted_bluesky_record_is_stored_or_quarantined(data: st.DataObject) -> None:
    body, what = data.draw(drifted(CASES["bluesky"]))
    check_accounted(*sync_drifted(CASES["bluesky"], body), what)


@DRIFT
@given(st.data())
def test_a_drifted_discourse_record_is_stored_or_quarantined(data: st.DataObject) -> None:
    body, what = data.draw(drifted(CASES["discourse"]))
    check_accounted(*sync_drifted(CASES["discourse"], body), what)


@DRIFT
@given(st.data())
def test_a_drifted_hackernews_record_is_stored_or_quarantined(data: st.DataObject) -> None:
    body, what = data.draw(drifted(CASES["hackernews"]))
    check_accounted(*sync_drifted(CASES["hackernews"], body), what)


@DRIFT
@given(st.data())
def test_a_drifted_mastodon_record_is_stored_or_quarantined(data: st.DataObject) -> None:
    body, what = data.draw(drifted(CASES["mastodon"]))
    check_accounted(*sync_drifted(CASES["mastodon"], body), what)
