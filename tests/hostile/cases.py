"""The connector fault cases, one row each: the hostile answer and what must come of it.

Ids in `refused` are records a case breaks on purpose; every other record of a clean sync
must still be stored. Mastodon, Hacker News, Trustpilot and Discourse run through the
contract kit's cases.
"""

from __future__ import annotations

from tests.hostile.faults import Answer, Header, Patch, Query
from tests.hostile.ledger import FaultCase, SyncLimits, with_secrets
from tests.test_discourse_contract import TestDiscourseContract
from tests.test_hackernews_contract import TestHackerNewsContract
from tests.test_mastodon_contract import TestMastodonContract
from tests.test_trustpilot_contract import TestTrustpilotContract

MASTODON = TestMastodonContract.case
HACKERNEWS = TestHackerNewsContract.case
TRUSTPILOT = TestTrustpilotContract.case
DISCOURSE = TestDiscourseContract.case

OWNED = "109300000000000001/statuses"  # the brand's statuses; match 1 is the first page of a first sync
FIRST, SECOND, THIRD = "117632630784000003", "117632493158400001", "117625297305600001"
# Replies to SECOND come only through its thread, which is read only once SECOND is stored.
SECOND_THREAD = (SECOND, "117632552140800002", "117632689766400004", "117632847052800005")
# A token with the characters that escaping changes: a JSON log line must not carry it either.
AWKWARD_TOKEN = 'tok"en\\9f3a-5e1d'

MASTODON_CASES = [
    FaultCase("mastodon far-future created_at", MASTODON,
              (Patch(OWNED, "1.created_at", "9999-12-31T23:59:59.000Z", 1),),
              quarantined_fields=("created_at",), refused=SECOND_THREAD),
    FaultCase("mastodon favourites_count 10**30", MASTODON, (Patch(OWNED, "0.favourites_count", 10**30, 1),),
              quarantined_fields=("counters.likes",), refused=(FIRST,)),
    FaultCase("mastodon negative reblogs_count", MASTODON, (Patch(OWNED, "2.reblogs_count", -5, 1),),
              quarantined_fields=("counters.shares",), refused=(THIRD,)),
    FaultCase("mastodon null id", MASTODON, (Patch(OWNED, "1.id", None, 1),),
              quarantined_fields=("external_id",), refused=SECOND_THREAD),
    FaultCase("mastodon object id", MASTODON, (Patch(OWNED, "1.id", {"nested": "object"}, 1),),
              quarantined_fields=("external_id",), refused=SECOND_THREAD),
    FaultCase("mastodon list id", MASTODON, (Patch(OWNED, "1.id", [1, 2], 1),),
              quarantined_fields=("external_id",), refused=SECOND_THREAD),
    FaultCase("mastodon empty id", MASTODON, (Patch(OWNED, "1.id", "", 1),),
              quarantined_fields=("external_id",), refused=SECOND_THREAD),
    FaultCase("mastodon Link prev jumps to min_id=10**25", MASTODON,
              (Header(OWNED, "Link", f'<https://mastodon.example/api/v1/accounts/x/statuses?min_id={10**25}>; '
                                     'rel="prev"', 1),)),
    FaultCase("mastodon Link prev steps backwards, server ignores min_id", MASTODON,
              (Header(OWNED, "Link", '<https://mastodon.example/api/v1/accounts/x/statuses?min_id=1>; rel="prev"', 1),
               Query(OWNED, "min_id", "never", 0)),
              statuses=("partial",), report="walks backwards", max_requests=40),
    FaultCase("mastodon token echoed in a 400 body", with_secrets(MASTODON, token=AWKWARD_TOKEN),
              (Answer("/notifications", 400, '{"error": "invalid token {auth}"}'),),
              statuses=("partial",), secrets={"token": AWKWARD_TOKEN}),
    FaultCase("mastodon token echoed in an HTML 200 page", with_secrets(MASTODON, token=AWKWARD_TOKEN),
              (Answer("/timelines/tag", 200, "<html><body>Welcome back, {auth}</body></html>",
                      {"Content-Type": "text/html"}),),
              statuses=("partial",), secrets={"token": AWKWARD_TOKEN}),
    FaultCase("mastodon 429 asking for an hour", MASTODON,
              (Answer(OWNED, 429, '{"error": "Too many requests"}', {"Retry-After": "3600"}, 1),),
              # the run ends at its first request: nothing was delivered, so nothing can be lost
              statuses=("deferred",), report="deferred", refused=("",)),
]

MASTODON_CASES += [
    FaultCase("mastodon body trickled one byte at a time", MASTODON, trickle=(OWNED,), ticking=True,
              statuses=("partial",), report="timed out", refused=(*SECOND_THREAD, FIRST, THIRD)),
]

HN_PAGE_1, HN_PAGE_2 = "45000100", "45000050"
HN_PAGE_2_THREAD = (HN_PAGE_2, "45000051", "45000052")  # its comments are read from its thread
HACKERNEWS_CASES = [
    FaultCase("hackernews created_at_i=253402300799", HACKERNEWS,
              (Patch("search_by_date", "hits.0.created_at_i", 253402300799, 2),),
              quarantined_fields=("created_at",), refused=(HN_PAGE_1,)),
    FaultCase("hackernews points 10**30", HACKERNEWS, (Patch("search_by_date", "hits.0.points", 10**30, 3),),
              quarantined_fields=("counters.likes",), refused=(HN_PAGE_2,)),
    FaultCase("hackernews null objectID", HACKERNEWS, (Patch("search_by_date", "hits.0.objectID", None, 3),),
              quarantined_fields=("objectID",), refused=HN_PAGE_2_THREAD),
    FaultCase("hackernews nbPages=10**9 and every page answered", HACKERNEWS,
              (Patch("search_by_date", "nbPages", 10**9, 3), Patch("search_by_date", "nbHits", 10**12, 3),
               Query("search_by_date", "page", "*", 3)),
              statuses=("partial",), report="page cap", max_requests=80),
    FaultCase("hackernews endless pages against the sync deadline", HACKERNEWS,
              (Patch("search_by_date", "nbPages", 10**9, 3), Patch("search_by_date", "nbHits", 10**12, 3),
               Query("search_by_date", "page", "*", 3)), ticking=True,
              limits=SyncLimits(max_pages_per_stream=100_000, deadline_seconds=300, response_deadline_seconds=30),
              statuses=("partial",), report="deadline", max_requests=300, refused=("",)),
]

TRUSTPILOT_CASES = [
    FaultCase("trustpilot reviews trickled one byte at a time", TRUSTPILOT, trickle=("/reviews",), ticking=True,
              statuses=("failed",), report="timed out", refused=("",)),
    FaultCase("trustpilot numberOfLikes 10**30", TRUSTPILOT, (Patch("/reviews", "reviews.1.numberOfLikes", 10**30, 1),),
              quarantined_fields=("counters.likes",), refused=("6a1a9d3f5c6b7a8e9f012345",)),
    FaultCase("trustpilot far-future createdAt", TRUSTPILOT,
              (Patch("/reviews", "reviews.2.createdAt", "9999-12-31T23:59:59Z", 1),),
              quarantined_fields=("created_at",), refused=("6a12e4b7c8d9e0f1a2b3c4d5",)),
    FaultCase("trustpilot null review id", TRUSTPILOT, (Patch("/reviews", "reviews.0.id", None, 0),),
              quarantined_fields=("external_id",), refused=("6a0f1e2d3c4b5a6978877665",)),
]

DISCOURSE_CASES = [
    FaultCase("discourse far-future created_at", DISCOURSE,
              (Patch("/posts.json", "latest_posts.1.created_at", "9999-12-31T23:59:59.000Z", 1),),
              quarantined_fields=("created_at",), refused=("/1011", ":1011")),
    FaultCase("discourse post created in 1970", DISCOURSE,
              (Patch("/posts.json", "latest_posts.3.created_at", "1970-01-01T00:00:00.000Z", 1),),
              statuses=("ok",), refused=("/1009", ":1009")),
]

CONNECTOR_CASES = [*MASTODON_CASES, *HACKERNEWS_CASES, *TRUSTPILOT_CASES, *DISCOURSE_CASES]
