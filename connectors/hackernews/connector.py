"""Hacker News (Algolia HN Search, no key): stories and comments naming the brand, the brand's own, their threads."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import BadRecord, Connector, Item, Page, Stream, SyncContext
from connectors.errors import MalformedItemError, MalformedResponseError, PaginationLoopError, PermanentError
from connectors.hackernews.items import PLATFORM, Brand, hit_item, is_poll_option, node_item, walk_thread
from connectors.hackernews.settings import HackerNewsSettings
from connectors.http import HttpSession
from connectors.pagination import LoopGuard
from connectors.walk_state import WalkState

DROPPED_HIT_KEYS = frozenset({"_highlightResult", "_snippetResult", "_rankingInfo"})
# What a search asks for: polls are stories with options (and threads) of their own.
COLLECTED_TAGS = "(story,comment,poll)"


@dataclass
class Window:
    """One search window: created_at_i in [low, high), read page by page."""

    low: int
    high: int
    page: int = 0

    def filters(self) -> str:
        """Algolia numericFilters for this window."""
        return f"created_at_i>{self.low - 1},created_at_i<{self.high}"


class HackerNewsApi:
    """The Algolia HN Search calls of one source, paced politely (HN Search sends no quota headers)."""

    def __init__(self, settings: HackerNewsSettings, session: HttpSession) -> None:
        self.settings = settings
        self.session = session
        self.brand = Brand(settings.username, tuple(settings.search))
        self.fetched: set[str] = set()  # items whose subtree this run already stored
        self._last_request: datetime | None = None

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a path, at most one request per min_interval_seconds."""
        self._wait_turn()
        try:
            return self.session.get_json(path, params=params)[0]
        finally:
            self._last_request = self.session.clock()

    def _wait_turn(self) -> None:
        if self._last_request is None:
            return
        elapsed = (self.session.clock() - self._last_request).total_seconds()
        if elapsed < self.settings.min_interval_seconds:
            self.session.sleep(self.settings.min_interval_seconds - elapsed)

    def search_page(self, params: dict[str, Any], window: Window) -> dict[str, Any]:
        """One page of search_by_date within a window; MalformedResponseError if not the documented shape."""
        body = self.get("/search_by_date", {**params, "numericFilters": window.filters(),
                                            "hitsPerPage": self.settings.page_size, "page": window.page})
        if not (isinstance(body, dict) and isinstance(body.get("hits"), list) and isinstance(body.get("nbPages"), int)):
            raise MalformedResponseError(f"search_by_date: expected hits and nbPages, got {str(body)[:80]!r}")
        return body

    def thread(self, item_id: str) -> dict[str, Any] | None:
        """The `items/:id` tree of an item (None when it is gone)."""
        try:
            body = self.get(f"/items/{item_id}")
        except PermanentError:
            return None
        if not isinstance(body, dict) or "id" not in body:
            raise MalformedResponseError(f"items/{item_id}: expected an item, got {str(body)[:80]!r}")
        return body

    def items_of(self, records: list[Any], convert: Any) -> Page:
        """A page of items; records that fail to parse become bad records."""
        page = Page()
        for record in records:
            if is_poll_option(record):  # a poll's choice, not a conversation: its votes belong to the poll
                page.skip("poll option")
                continue
            try:
                item = convert(record, self.brand)
            except MalformedItemError as error:
                page.bad_records.append(BadRecord(str(error), record, _record_id(record)))
                continue
            if item is not None:
                page.items.append(item)
            else:
                page.skip("deleted")
        return page


def _record_id(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    value = record.get("objectID", record.get("id"))
    return str(value) if value is not None else None


def clean_hit(hit: Any) -> Any:
    """A hit without its query-dependent highlighting (the same story looks the same from every query)."""
    return {k: v for k, v in hit.items() if k not in DROPPED_HIT_KEYS} if isinstance(hit, dict) else hit


class SearchStream(Stream):
    """search_by_date newest first, windowed by created_at_i past the 1,000-hit ceiling, with threads."""

    def __init__(self, api: HackerNewsApi, name: str, params: dict[str, Any]) -> None:
        self.api, self.name, self.params = api, name, params

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        settings = self.api.settings
        state = WalkState.parse(context.cursor)
        seen = WalkState(newest=state.newest)
        low = state.floor(context.now, settings.backfill_days, settings.refresh_days)
        for hits in self.iter_hits(low, int(context.now.timestamp()) + 1):
            parsed = self.api.items_of([clean_hit(h) for h in hits], hit_item)
            stories = [i for i in parsed.items if i.parent_external_id is None]
            comments = [i for i in parsed.items if i.parent_external_id is not None]
            if stories or parsed.bad_records or parsed.skipped:
                yield Page(items=stories, bad_records=parsed.bad_records, skipped=parsed.skipped)
            seen.note(parsed.items)
            yield from self.threads(stories, comments, state)
        yield Page(cursor=seen.finish(context.now, settings.refresh_days).dump())

    def iter_hits(self, low: int, high: int) -> Iterator[list[dict[str, Any]]]:
        """Every hit in [low, high), newest first: a window's pages, then a new window below the ceiling."""
        window = Window(low, high)
        guard = LoopGuard(self.name)
        while True:
            guard.check((window.high, window.page))
            body = self.api.search_page(self.params, window)
            hits = body["hits"]
            if not hits:
                return
            yield hits
            if window.page + 1 < body["nbPages"]:
                window.page += 1
            elif int(body.get("nbHits") or 0) > (window.page + 1) * self.api.settings.page_size:
                window = self.below(window, hits)  # the reachable pages ran out, more hits are older
            else:
                return

    def below(self, window: Window, hits: list[dict[str, Any]]) -> Window:
        """The next window: up to the oldest hit seen, inclusive (upserts absorb the overlap)."""
        stamps = [h["created_at_i"] for h in hits if isinstance(h, dict) and isinstance(h.get("created_at_i"), int)]
        oldest = min(stamps, default=window.high)
        if oldest + 1 >= window.high:
            raise PaginationLoopError(f"{self.name}: more than the reachable hits share created_at_i={oldest}")
        return Window(window.low, oldest + 1)

    def threads(self, stories: list[Item], comments: list[Item], before: WalkState) -> Iterator[Page]:
        """Stories' threads when their comment count moved, then each comment hit with its replies."""
        if not self.api.settings.threads:
            if comments:
                yield Page(items=comments)
            return
        for story in stories:
            count = story.counters.replies
            if count and before.comments.get(story.external_id) != count and story.external_id not in self.api.fetched:
                page = self.thread_page(story.external_id, include_root=False)
                if page is None:  # the story's tree is gone: its comments are not there to read
                    page = Page()
                    page.skip("comments of a deleted post", count)
                yield page
        for comment in comments:
            if comment.external_id not in self.api.fetched:
                # Comments are stored from items/:id, so one looks the same whichever search found it.
                yield self.thread_page(comment.external_id, include_root=True) or Page(items=[comment])

    def thread_page(self, item_id: str, *, include_root: bool) -> Page | None:
        """An item's subtree from `items/:id`, with the item itself for comments (None if it is gone)."""
        tree = self.api.thread(item_id)
        if tree is None:
            return None
        nodes = ([tree] if include_root else []) + list(walk_thread(tree))
        self.api.fetched.add(item_id)
        self.api.fetched.update(str(n["id"]) for n in nodes if isinstance(n, dict) and "id" in n)
        return self.api.items_of(nodes, node_item)


class HackerNewsConnector(Connector):
    """Streams of one Hacker News source, in the order they should run."""

    platform = PLATFORM
    settings_model = HackerNewsSettings
    description = ("Hacker News via Algolia HN Search: stories and comments naming brand terms, the brand "
                   "account's own, and their threads (items/:id)")
    auth = "none (HN Search allows about 10,000 requests per hour per IP; requests are spaced by min_interval_seconds)"
    rate_limit_headers = None

    def __init__(self, settings: HackerNewsSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.api = HackerNewsApi(settings, session)

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        convert = hit_item if isinstance(payload, dict) and "objectID" in payload else node_item
        item = convert(payload, self.api.brand)
        return [item] if item is not None else []

    def streams(self) -> list[Stream]:
        self.api.fetched.clear()  # a new sync: every thread may be due again
        streams: list[Stream] = []
        if self.settings.username:
            owned = {"tags": f"{COLLECTED_TAGS},author_{self.settings.username}"}
            streams.append(SearchStream(self.api, "owned", owned))
        for term in self.settings.search:
            streams.append(SearchStream(self.api, f"search:{term}", {"query": term, "tags": COLLECTED_TAGS}))
        return streams
