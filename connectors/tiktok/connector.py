"""TikTok Business API (accounts): the account's videos with views, likes, comments and shares, and their comments."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from connectors.base import Connector, Item, Page, Stream, SyncContext
from connectors.http import HttpSession
from connectors.oauth2 import BearerToken, RefreshGrant, TokenClient
from connectors.records import add_records
from connectors.tiktok.api import (
    PLATFORM,
    VIDEO_FIELDS,
    TikTokApi,
    data_of,
    error_hook,
    json_param,
)
from connectors.tiktok.settings import TikTokSettings

TIKTOK_IDS = ("item_id", "comment_id")  # where a video or comment record keeps its id
MAX_VIDEO_IDS = 20


class VideosStream(Stream):
    """The account's videos, newest first (cursor/has_more), down to the newest creation time stored."""

    name = "videos"

    def __init__(self, api: TikTokApi, settings: TikTokSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        back = context.now - timedelta(days=self.settings.backfill_days)
        mark = int(context.cursor) if context.cursor else int(back.timestamp())
        newest = mark if context.cursor else None
        params = {"fields": json_param(VIDEO_FIELDS), "max_count": self.settings.page_size}
        for videos in self.api.iter_pages("business/video/list/", params, "videos", self.name, self.settings.max_pages):
            page = Page()
            for video in videos:
                add_records(page, [video], self.api.video_item, TIKTOK_IDS)
            stamps = [int(i.created_at.timestamp()) for i in page.items]
            newest = max([s for s in (newest, *stamps) if s is not None], default=None)
            if page.items or page.bad_records:
                yield page
            if stamps and min(stamps) <= mark:
                break
        yield Page(authors=[self.api.brand()], cursor=str(newest) if newest is not None else None)


class CommentsStream(Stream):
    """Re-reads recent videos: counters (video list filtered by id), every comment and every reply."""

    name = "comments"

    def __init__(self, api: TikTokApi, settings: TikTokSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        ids = list(context.recent_owned_ids)
        for start in range(0, len(ids), MAX_VIDEO_IDS):
            wanted = json_param({"video_ids": ids[start : start + MAX_VIDEO_IDS]})
            params = {"fields": json_param(VIDEO_FIELDS), "filters": wanted, "max_count": MAX_VIDEO_IDS}
            for video in data_of(self.api.get("business/video/list/", params), "videos", "video/list"):
                yield self.refresh_one(video)

    def refresh_one(self, video: dict[str, Any]) -> Page:
        """One page for one video: itself and its comments with all their replies."""
        page = Page()
        add_records(page, [video], self.api.video_item, TIKTOK_IDS)
        if not page.items:
            return page
        item = page.items[0]
        params = {"video_id": item.external_id, "include_replies": "true", "sort_field": "create_time",
                  "sort_order": "desc", "max_count": self.settings.comment_page_size}
        for comments in self.api.iter_pages("business/comment/list/", params, "comments", self.name,
                                            self.settings.max_pages):
            for comment in comments:
                self.add_thread(page, comment, item)
        return page

    def add_thread(self, page: Page, comment: dict[str, Any], video: Item) -> None:
        """A comment and its replies: those it carries (up to 3), or all of them from reply/list."""
        add_records(page, [comment], lambda record: self.api.comment_item(record, video), TIKTOK_IDS)
        replies = comment.get("reply_list") or []
        if isinstance(comment, dict) and int(comment.get("replies") or 0) > len(replies):
            params = {"video_id": video.external_id, "comment_id": comment.get("comment_id"),
                      "max_count": self.settings.comment_page_size}
            replies = [reply for batch in self.api.iter_pages("business/comment/reply/list/", params, "comments",
                                                              self.name, self.settings.max_pages) for reply in batch]
        for reply in replies:
            add_records(page, [{"parent_comment_id": comment.get("comment_id"), **reply}],
                        lambda record: self.api.comment_item(record, video), TIKTOK_IDS)


class TikTokConnector(Connector):
    """Streams of one TikTok business account source, in the order they should run."""

    platform = PLATFORM
    settings_model = TikTokSettings
    description = ("TikTok Business API (accounts): the account's videos with views, likes, comments and shares, "
                   "comments and replies on recent videos")
    auth = ("a TikTok business account access token (user.info.basic, user.info.stats, video.list, video.insights, "
            "comment.list) in access_token_env, renewed with refresh_token_env + client_id_env + client_secret_env")
    rate_limit_headers = None  # TikTok sends no quota headers; 40100 "too many requests" waits a minute

    def __init__(self, settings: TikTokSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        secrets = secrets or {}
        grant = None
        if settings.refresh_token_env:
            grant = RefreshGrant(settings.token_url, {"client_id": secrets.get("client_id", ""),
                                                      "client_secret": secrets.get("client_secret", "")},
                                 as_json=True, unwrap=lambda body: body.get("data") if isinstance(body, dict) else body)
        token = BearerToken(session, access_token=secrets.get("access_token"),
                            refresh_token=secrets.get("refresh_token"), grant=grant,
                            env_names=settings.secret_env_names(), header="Access-Token", scheme="")
        client = TokenClient(session, token)
        session.client.event_hooks["response"].append(error_hook(session))
        self.settings = settings
        self.api = TikTokApi(client, settings.business_id)

    def streams(self) -> list[Stream]:
        return [VideosStream(self.api, self.settings), CommentsStream(self.api, self.settings)]
