"""Bluesky streams: the brand's author feed, the refresh of recent posts, notifications and search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from connectors.base import Author, BadRecord, EngagementEvent, Page, Stream, SyncContext
from connectors.bluesky.records import (
    BLOCKED_VIEW,
    PLATFORM,
    POST_TYPE,
    REPOST_REASON,
    THREAD_VIEW,
    believable_time,
    parse_time,
    post_sort_time,
)
from connectors.bluesky.session import list_of
from connectors.errors import MalformedItemError, PermanentError
from connectors.newest_first import NewestFirstStream, safe_time

if TYPE_CHECKING:
    from connectors.bluesky.connector import BlueskyApi

NOTIFICATION_REASONS = ("mention", "reply", "quote")
MAX_GET_POSTS = 25


class BlueskyListing(NewestFirstStream):
    """A Bluesky listing walked newest first; `overlap_minutes` re-reads a little below the mark
    for entries indexed late."""

    def __init__(self, api: BlueskyApi, name: str) -> None:
        self.api, self.name = api, name

    def floor(self, context: SyncContext, mark: datetime | None) -> datetime:
        if mark is not None:
            return mark - timedelta(minutes=self.api.settings.overlap_minutes)
        return context.now - timedelta(days=self.api.settings.backfill_days)


class OwnedPostsStream(BlueskyListing):
    """The brand's author feed: its posts, its replies and its reposts (getAuthorFeed)."""

    NSID = "app.bsky.feed.getAuthorFeed"

    def __init__(self, api: BlueskyApi) -> None:
        super().__init__(api, "posts")

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        body = self.api.public(self.NSID, actor=self.api.mapper().brand_did, filter="posts_with_replies",
                               limit=self.api.settings.page_size, cursor=cursor)
        return list_of(body, "feed", self.NSID), body.get("cursor")

    def entry_time(self, entry: Any) -> datetime | None:
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if isinstance(reason, dict) and reason.get("$type") == REPOST_REASON:
            return safe_time(lambda r: parse_time(r["indexedAt"]), reason)
        return safe_time(lambda e: post_sort_time(e["post"]), entry)

    def page_of(self, entries: list[Any]) -> Page:
        mapper, page = self.api.mapper(), Page()
        for entry in entries:
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if not isinstance(reason, dict):
                mapper.add_post(page, entry.get("post") if isinstance(entry, dict) else entry)
            elif reason.get("$type") == REPOST_REASON:
                try:
                    page.items.append(mapper.repost_item(entry))
                except MalformedItemError as error:
                    page.bad_records.append(BadRecord(str(error), entry, reason.get("uri")))
            else:
                page.skip("not a post or repost")  # e.g. reasonPin: a pinned post, read again where it sits
        return page

    def final_page(self, mark: datetime | None) -> Page:
        page = super().final_page(mark)
        brand = self.api.mapper().brand
        page.authors = [brand] if brand else []
        return page


class RecentOwnedRefreshStream(Stream):
    """Re-reads recent owned posts: counters, reply tree, likes (with times), reposts and quotes."""

    name = "refresh"

    def __init__(self, api: BlueskyApi) -> None:
        self.api = api

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        uris = [u for u in context.recent_owned_ids if f"/{POST_TYPE}/" in u]
        if not uris:
            return
        prefix = f"at://{self.api.mapper().brand_did}/"
        for uri in uris:
            if uri.startswith(prefix):
                yield self.refresh_one(uri)

    def refresh_one(self, uri: str) -> Page:
        """One page for one owned post: itself, its replies, its quotes and who engaged.

        A post the AppView no longer has (NotFound, notFoundPost) is counted as deleted, a blocked
        one as blocked, another refusal as not read; what was stored of it stays.
        """
        page = Page()
        try:
            body = self.api.public("app.bsky.feed.getPostThread", uri=uri, depth=self.api.settings.thread_depth,
                                   parentHeight=0)
        except PermanentError as error:
            if error.gone or "NotFound" in str(error):
                page.skip("deleted")
            else:
                page.could_not_expand(1, f"{uri} not refreshed: {error}")
            return page
        thread = body.get("thread")
        if not isinstance(thread, dict) or thread.get("$type", THREAD_VIEW) != THREAD_VIEW or "post" not in thread:
            blocked = isinstance(thread, dict) and thread.get("$type") == BLOCKED_VIEW
            page.skip("blocked" if blocked else "deleted")  # blockedPost, notFoundPost
            return page
        self.add_thread(page, thread)
        self.add_likes(page, uri)
        self.add_reposts(page, uri)
        self.add_quotes(page, uri)
        return page

    def add_thread(self, page: Page, thread: dict[str, Any]) -> None:
        """The post and, depth first, every reply the AppView returned (not-found and blocked ones counted)."""
        self.api.mapper().add_post(page, thread.get("post"))
        for reply in thread.get("replies") or []:
            if isinstance(reply, dict) and reply.get("$type", THREAD_VIEW) == THREAD_VIEW and "post" in reply:
                self.add_thread(page, reply)
            else:
                blocked = isinstance(reply, dict) and reply.get("$type") == BLOCKED_VIEW
                page.skip("blocked" if blocked else "deleted")

    def add_likes(self, page: Page, uri: str) -> None:
        """getLikes: who liked and when (createdAt, unless it claims a time after indexedAt)."""
        mapper = self.api.mapper()
        for like in self.api.iter_list("app.bsky.feed.getLikes", "likes", uri=uri):
            actor = self.actor(page, like.get("actor") if isinstance(like, dict) else None, f"like of {uri}", like)
            if actor is not None:
                when = safe_time(lambda entry: believable_time(entry.get("createdAt"), parse_time(entry["indexedAt"]),
                                                               mapper.clock_skew), like)
                page.events.append(EngagementEvent(PLATFORM, uri, actor, "like", when))

    def add_reposts(self, page: Page, uri: str) -> None:
        """getRepostedBy: who reposted (the AppView gives who, not when)."""
        for profile in self.api.iter_list("app.bsky.feed.getRepostedBy", "repostedBy", uri=uri):
            actor = self.actor(page, profile, f"repost of {uri}", profile)
            if actor is not None:
                page.events.append(EngagementEvent(PLATFORM, uri, actor, "share"))

    def add_quotes(self, page: Page, uri: str) -> None:
        """getQuotes: each quote post as an item and as a quote event on the owned post."""
        for post in self.api.iter_list("app.bsky.feed.getQuotes", "posts", uri=uri):
            item = self.api.mapper().add_post(page, post)
            if item is not None and item.author is not None:
                page.events.append(EngagementEvent(PLATFORM, uri, item.author, "quote", item.created_at))

    def actor(self, page: Page, profile: Any, what: str, record: Any) -> Author | None:
        """An engaging account; an unreadable one sends its record to quarantine and gives None."""
        try:
            return self.api.mapper().author(profile)
        except (KeyError, TypeError) as error:
            page.bad_records.append(BadRecord(f"{what}: unreadable account: {error!r}", record, None))
            return None


class NotificationsStream(BlueskyListing):
    """The brand's notifications that are posts about it: mentions, replies and quotes."""

    NSID = "app.bsky.notification.listNotifications"

    def __init__(self, api: BlueskyApi) -> None:
        super().__init__(api, "notifications")

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        body = self.api.private(self.NSID, reasons=list(NOTIFICATION_REASONS), limit=self.api.settings.page_size,
                                cursor=cursor)
        return list_of(body, "notifications", self.NSID), body.get("cursor")

    def entry_time(self, entry: Any) -> datetime | None:
        return safe_time(lambda n: parse_time(n["indexedAt"]), entry)

    def page_of(self, entries: list[Any]) -> Page:
        """Hydrate the notified posts with getPosts, so items carry counters like everywhere else."""
        page, uris = Page(), []
        for note in entries:
            if not isinstance(note, dict):
                page.bad_records.append(BadRecord("notification is not an object", note))
                continue
            if note.get("reason") not in NOTIFICATION_REASONS:
                page.skip("not a mention, reply or quote")  # likes, reposts, follows (servers that ignore `reasons`)
                continue
            uri = note.get("uri")
            if isinstance(uri, str) and uri.startswith("at://") and f"/{POST_TYPE}/" in uri:
                uris.append(uri)
            else:
                page.bad_records.append(BadRecord(f"notification without a post URI: {uri!r}", note, None))
        for start in range(0, len(uris), MAX_GET_POSTS):
            batch = uris[start:start + MAX_GET_POSTS]
            posts = list_of(self.api.public("app.bsky.feed.getPosts", uris=batch), "posts", "app.bsky.feed.getPosts")
            for post in posts:
                self.api.mapper().add_post(page, post)
            page.skip("deleted", len(set(batch)) - len(posts))  # deleted posts are simply not returned
        return page


class SearchStream(BlueskyListing):
    """searchPosts for one brand term, newest first (through the PDS: the public AppView refuses it)."""

    NSID = "app.bsky.feed.searchPosts"

    def __init__(self, api: BlueskyApi, query: str) -> None:
        super().__init__(api, f"search:{query}")
        self.query = query

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        body = self.api.private(self.NSID, q=self.query, sort="latest", since=floor.isoformat().replace("+00:00", "Z"),
                                limit=self.api.settings.page_size, cursor=cursor)
        return list_of(body, "posts", self.NSID), body.get("cursor")

    def entry_time(self, entry: Any) -> datetime | None:
        return safe_time(post_sort_time, entry)

    def page_of(self, entries: list[Any]) -> Page:
        return self.api.mapper().page_of_posts(entries)
