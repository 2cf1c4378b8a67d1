"""Discourse (any forum): latest posts, followed topics, search, and the brand's topics with their likers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.base import BadRecord, Connector, Item, Page, Stream, SyncContext
from connectors.discourse.api import (
    CHUNK_SIZE,
    PLATFORM,
    RECORD_ERRORS,
    DiscourseApi,
    Topic,
    chunks,
    parse_time,
    rate_limit_hook,
    wanted,
)
from connectors.discourse.settings import DiscourseSettings
from connectors.errors import MalformedResponseError, PermanentError
from connectors.http import HttpSession
from connectors.pagination import LoopGuard

SEARCH_PAGE_LIMIT = 10  # /search.json refuses page > 10


def post_id(post: Any) -> int | None:
    """A listed post's id, None when it has none."""
    value = post.get("id") if isinstance(post, dict) else None
    return value if isinstance(value, int) else None


def is_older(post: Any, mark: int, oldest: datetime) -> bool:
    """At or below the high-water mark, or created before the backfill start."""
    pid = post_id(post)
    if pid is not None and pid <= mark:
        return True
    try:
        return parse_time(post["created_at"]) < oldest
    except (KeyError, TypeError, ValueError, AttributeError):
        return False  # a broken post is passed on, to be quarantined


class LatestPostsStream(Stream):
    """Every new public post (/posts.json), newest first, paging older with before=<post id>.

    The listing cannot be read forward, so its pages carry no cursor; the final empty page
    stores the new high-water mark (the largest post id seen).
    """

    name = "latest"

    def __init__(self, api: DiscourseApi, settings: DiscourseSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        mark = int(context.cursor) if context.cursor else 0
        oldest = context.now - timedelta(days=self.settings.backfill_days)
        newest, before, guard = mark, None, LoopGuard(self.name)
        while True:
            body = self.api.get("/posts.json", {"before": before} if before else None, expect="latest_posts")
            posts = body["latest_posts"]
            if not isinstance(posts, list):
                raise MalformedResponseError(f"/posts.json: latest_posts is {type(posts).__name__}")
            fresh = [p for p in posts if not is_older(p, mark, oldest)]
            if fresh:
                yield self.api.page_of_posts(fresh)
            ids = [i for i in map(post_id, posts) if i is not None]
            newest = max([newest, *(i for i in map(post_id, fresh) if i is not None)])
            if not ids or len(fresh) < len(posts):
                break
            before = min(ids) - 1  # `before` is inclusive
            guard.check(before)
        if newest:
            yield Page(cursor=str(newest))


class SearchStream(Stream):
    """Posts matching a term (/search.json?q=<term> order:latest), newest first, down to the last seen.

    Search returns excerpts, so each hit is read in full from its topic.
    """

    def __init__(self, api: DiscourseApi, settings: DiscourseSettings, term: str) -> None:
        self.api, self.settings, self.term = api, settings, term
        self.name = f"search:{term}"

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        mark = int(context.cursor) if context.cursor else 0
        oldest = context.now - timedelta(days=self.settings.backfill_days)
        newest = mark
        for number in range(1, SEARCH_PAGE_LIMIT + 1):
            body = self.api.get("/search.json", {"q": f"{self.term} order:latest", "page": number},
                                expect="grouped_search_result")
            hits = body.get("posts") or []
            fresh = [h for h in hits if not is_older(h, mark, oldest)]
            if fresh:
                yield self.page_of(fresh)
            newest = max([newest, *(i for i in map(post_id, fresh) if i is not None)])
            more = (body.get("grouped_search_result") or {}).get("more_full_page_results")
            if not more or len(fresh) < len(hits):
                break
        if newest:
            yield Page(cursor=str(newest))

    def page_of(self, hits: list[Any]) -> Page:
        """The full posts behind the hits, read from their topics; a hit without ids is quarantined."""
        posts, broken, deleted = [], [], 0
        for hit in hits:
            try:
                hit_id, topic = int(hit["id"]), self.api.topic(int(hit["topic_id"]))
                self.api.load_posts(topic, [hit_id])
            except RECORD_ERRORS as error:
                broken.append(BadRecord(f"search hit: {type(error).__name__}: {error}", hit, None))
                continue
            except PermanentError:  # its topic is gone since it was indexed
                deleted += 1
                continue
            if hit_id in topic.posts:
                posts.append(topic.posts[hit_id])
            else:
                deleted += 1  # the post is gone since it was indexed
        page = self.api.page_of_posts(posts)
        page.bad_records.extend(broken)
        page.skip("deleted", deleted)
        return page


class TopicStream(Stream):
    """One followed topic, read forward: post ids above the cursor, oldest first, 20 a request."""

    def __init__(self, api: DiscourseApi, settings: DiscourseSettings, topic_id: int) -> None:
        self.api, self.settings, self.topic_id = api, settings, topic_id
        self.name = f"topic:{topic_id}"

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        mark = int(context.cursor) if context.cursor else 0
        oldest = context.now - timedelta(days=self.settings.backfill_days)
        topic = self.api.topic(self.topic_id)
        new_ids = sorted(i for i in topic.stream if i > mark)
        if context.cursor is None:
            new_ids = new_ids[-self.settings.max_topic_posts:]
        for chunk in chunks(new_ids, CHUNK_SIZE):
            self.api.load_posts(topic, chunk)
            page = self.api.page_of_topic_posts(topic, chunk)
            page.skip("too old", sum(i.created_at < oldest for i in page.items))
            page.items = [i for i in page.items if i.created_at >= oldest]
            page.cursor = str(chunk[-1])
            yield page


class OwnedTopicsRefreshStream(Stream):
    """Re-reads the topics the brand opened recently: each post (counters, new replies), who liked the brand's posts."""

    name = "refresh"

    def __init__(self, api: DiscourseApi, settings: DiscourseSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        for external_id in context.recent_owned_ids:
            local = self.api.local_id(external_id)
            if local is not None:
                yield self.refresh_one(local)

    def refresh_one(self, first_post_id: int) -> Page:
        """One page for one owned topic, found through its first post (/posts/:id.json).

        A topic that answers 404/410 is counted as deleted, another refusal as not read; what was
        stored of it stays.
        """
        try:
            post = self.api.get(f"/posts/{first_post_id}.json", expect="topic_id")
            topic: Topic = self.api.topic(int(post["topic_id"]))
        except PermanentError as error:
            gone = Page()
            if error.gone:
                gone.skip("deleted")
            else:
                gone.could_not_expand(1, f"topic of post {first_post_id} not refreshed: {error}")
            return gone
        ids = list(dict.fromkeys([first_post_id, *topic.stream[-self.settings.max_topic_posts:]]))
        self.api.load_posts(topic, ids)
        page = self.api.page_of_topic_posts(topic, ids)
        if self.settings.likers:
            self.api.add_like_events(page)
        return page


class DiscourseConnector(Connector):
    """Streams of one Discourse source, in the order they should run."""

    platform = PLATFORM
    settings_model = DiscourseSettings
    description = ("Discourse forums: latest posts (/posts.json), followed topics and their posts, search, "
                   "likes (actions_summary) and who liked the brand's posts")
    auth = ("none for public forums; for private ones an API key (Admin > API keys) in api_key_env and the "
            "username it acts as in api_username_env")
    rate_limit_headers = None  # Discourse sends no quota headers, only Retry-After on a 429

    def __init__(self, settings: DiscourseSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        secrets = secrets or {}
        if secrets.get("api_key"):
            session.client.headers["Api-Key"] = secrets["api_key"]
            session.client.headers["Api-Username"] = secrets.get("api_username", "")
        session.client.event_hooks["response"].append(rate_limit_hook)
        self.settings = settings
        self.api = DiscourseApi(settings.base_url, session, settings.staff_usernames)

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        return [self.api.item(payload, self.api.topic_or_none)] if wanted(payload) else []

    def streams(self) -> list[Stream]:
        self.api.start_run()
        streams: list[Stream] = []
        if self.settings.latest:
            streams.append(LatestPostsStream(self.api, self.settings))
        streams.extend(TopicStream(self.api, self.settings, topic_id) for topic_id in self.settings.topics)
        streams.extend(SearchStream(self.api, self.settings, term) for term in self.settings.search)
        streams.append(OwnedTopicsRefreshStream(self.api, self.settings))
        return streams
