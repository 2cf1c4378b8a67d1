"""YouTube Data API v3: a channel's uploads, video statistics, comment threads and replies, keyword search."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Connector, Page, Stream, SyncContext
from connectors.errors import PermanentError
from connectors.http import HttpSession
from connectors.records import RECORD_ERRORS, add_records, bad_record
from connectors.timestamps import format_time
from connectors.youtube.api import (
    PLATFORM,
    YouTubeApi,
    count,
    error_hook,
    install_log_redaction,
    items_of,
    parse_time,
)
from connectors.youtube.settings import YouTubeSettings


class UploadsStream(Stream):
    """The channel's uploads playlist, newest first, down to the newest video already stored.

    The playlist cannot be paged forward, so each page is stored without a cursor and the
    final empty page carries the new high-water mark (the newest publish time seen).
    """

    name = "uploads"

    def __init__(self, api: YouTubeApi, settings: YouTubeSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        start = (parse_time(context.cursor) if context.cursor
                 else context.now - timedelta(days=self.settings.backfill_days))
        newest: datetime | None = start if context.cursor else None
        params = {"part": "snippet,contentDetails", "playlistId": self.api.uploads_playlist(),
                  "maxResults": self.settings.page_size}
        for body in self.api.iter_pages("playlistItems", params, self.name):
            page, times, reached_mark = self.page_of(items_of(body, "playlistItems"), start)
            newest = max([t for t in (newest, *times) if t is not None], default=None)
            if page.items or page.bad_records or page.skipped:
                yield page
            if reached_mark:
                break
        yield Page(authors=[self.api.channel_author()], cursor=format_time(newest) if newest else None)

    def page_of(self, entries: list[Any], start: datetime) -> tuple[Page, list[datetime], bool]:
        """Items for the entries published after `start`, their times, and whether an older one showed up."""
        page, wanted, times, older = Page(), [], [], False
        for entry in entries:
            try:
                details = entry["contentDetails"]
                published = parse_time(details.get("videoPublishedAt") or entry["snippet"]["publishedAt"])
                video_id = str(details["videoId"])
            except RECORD_ERRORS as error:
                page.bad_records.append(bad_record(entry, error))
                continue
            if published <= start:  # the video at the mark is stored already
                older = True
                continue
            wanted.append(video_id)
            times.append(published)
        add_videos(self.api, page, wanted)
        return page, times, older


class RecentVideosRefreshStream(Stream):
    """Re-reads the brand's recent videos: statistics, every comment thread and reply."""

    name = "refresh"

    def __init__(self, api: YouTubeApi, settings: YouTubeSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        video_ids = list(context.recent_owned_ids)
        if not video_ids:
            return
        videos = {str(v.get("id")): v for v in self.api.videos(video_ids)}
        for video_id in video_ids:
            if video_id in videos:  # a video that went private or was deleted keeps what we stored
                yield self.refresh_one(videos[video_id])

    def refresh_one(self, video: dict[str, Any]) -> Page:
        """One page for one video: itself, its comments and their replies."""
        page = Page()
        add_records(page, [video], lambda record: [self.api.video_item(record)])
        params = {"part": "snippet,replies", "videoId": str(video["id"]), "order": "time",
                  "maxResults": self.settings.comment_page_size}
        try:
            for body in self.api.iter_pages("commentThreads", params, self.name, self.settings.max_comment_pages):
                add_records(page, items_of(body, "commentThreads"),
                            lambda thread: self.api.thread_items(thread, self.name, page))
        except PermanentError as error:  # keep the video and the threads read before the refusal
            if "commentsDisabled" not in str(error):  # comments off: there is nothing to read
                read = sum(1 for i in page.items if i.external_id != str(video["id"]))  # comments and replies
                unread = max(1, (count(video.get("statistics", {}).get("commentCount")) or 0) - read)
                page.could_not_expand(unread, f"comments of video {video['id']} not read: {error}")
        return page


class SearchStream(Stream):
    """Videos matching a keyword, newest first, since the last search; runs at most every search_interval_hours.

    The cursor is JSON: `published_after` (the newest publish time seen) and `searched_at`.
    A search page costs 100 units, so pages are capped at search_max_pages a run; results
    beyond the cap are skipped (and logged) rather than paid for.
    """

    def __init__(self, api: YouTubeApi, settings: YouTubeSettings, query: str) -> None:
        self.api, self.settings, self.query = api, settings, query
        self.name = f"search:{query}"

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        state = json.loads(context.cursor) if context.cursor else {}
        interval = timedelta(hours=self.settings.search_interval_hours)
        if state.get("searched_at") and context.now - parse_time(state["searched_at"]) < interval:
            return
        backfill_start = context.now - timedelta(days=self.settings.backfill_days)
        after = parse_time(state["published_after"]) if state.get("published_after") else backfill_start
        newest = after
        params = {"part": "snippet", "q": self.query, "type": "video", "order": "date",
                  "publishedAfter": format_time(after), "maxResults": self.settings.page_size}
        self.api.channel()  # a missing channel should fail before a search is paid for
        for body in self.api.iter_pages("search", params, self.name, self.settings.search_max_pages):
            page = self.page_of(items_of(body, "search"))
            newest = max([newest, *(i.created_at for i in page.items)])
            yield page
        yield Page(cursor=json.dumps({"published_after": format_time(newest), "searched_at": format_time(context.now)}))

    def page_of(self, results: list[Any]) -> Page:
        """The videos of search results, read with videos.list for full text and statistics."""
        page, ids = Page(), []
        for result in results:
            try:
                ids.append(str(result["id"]["videoId"]))
            except RECORD_ERRORS as error:
                page.bad_records.append(bad_record(result, error))
        add_videos(self.api, page, ids)
        return page


def add_videos(api: YouTubeApi, page: Page, video_ids: list[str]) -> None:
    """The videos of these ids on `page`; ids videos.list no longer returns (deleted, private) are counted."""
    videos = api.videos(video_ids) if video_ids else []
    add_records(page, videos, lambda video: [api.video_item(video)])
    returned = {str(v.get("id")) for v in videos if isinstance(v, dict)}
    page.skip("deleted", len(set(video_ids) - returned))


class YouTubeConnector(Connector):
    """Streams of one YouTube source, in the order they should run."""

    platform = PLATFORM
    settings_model = YouTubeSettings
    description = ("YouTube Data API v3: a channel's uploads (uploads playlist), video statistics, comment "
                   "threads and replies on recent videos, keyword search with a quota budget")
    auth = "an API key (Google Cloud console, YouTube Data API v3 enabled) in api_key_env"
    rate_limit_headers = None  # YouTube sends no quota headers; limits come as 403 quotaExceeded

    def __init__(self, settings: YouTubeSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        key = (secrets or {}).get("api_key")
        if key:
            session.client.params = session.client.params.merge({"key": key})
        session.client.event_hooks["response"].append(error_hook(session))
        install_log_redaction()
        self.settings = settings
        self.api = YouTubeApi(session, key, channel_id=settings.channel_id, handle=settings.handle)

    def streams(self) -> list[Stream]:
        streams: list[Stream] = [UploadsStream(self.api, self.settings),
                                 RecentVideosRefreshStream(self.api, self.settings)]
        streams.extend(SearchStream(self.api, self.settings, query) for query in self.settings.search)
        return streams
