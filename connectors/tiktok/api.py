"""TikTok Business API (accounts) calls: Access-Token header, errors in 200 bodies, cursor/has_more paging."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.base import Author, Counters, Item
from connectors.errors import AuthError, ExpiredTokenError, MalformedResponseError, PermanentError, RateLimitedError
from connectors.http import HttpSession
from connectors.oauth2 import TokenClient
from connectors.pagination import LoopGuard

PLATFORM = "tiktok"
WEB_URL = "https://www.tiktok.com"
RATE_LIMITED_CODES = frozenset({40100})
EXPIRED_CODES = frozenset({40102, 40104, 40105})
PERMISSION_CODES = frozenset({40001})
RATE_LIMIT_WAIT_SECONDS = 60.0  # TikTok names no wait with 40100
# Which scope each endpoint needs, for the one-line permission message.
SCOPES = (("business/get", "user.info.basic and user.info.stats"), ("video/list", "video.list and video.insights"),
          ("comment", "comment.list"))
VIDEO_FIELDS = ["item_id", "create_time", "caption", "share_url", "video_views", "likes", "comments", "shares"]
ACCOUNT_FIELDS = ["username", "display_name", "followers_count"]

log = logging.getLogger(__name__)


def json_param(value: Any) -> str:
    """A list or object as the compact JSON TikTok takes in a query parameter."""
    return json.dumps(value, separators=(",", ":"))


def scope_for(path: str) -> str:
    """The scopes the endpoint at `path` needs."""
    return next((scope for part, scope in SCOPES if part in path), "the scopes listed in docs/connectors.md")


def error_hook(session: HttpSession) -> Callable[[httpx.Response], None]:
    """An httpx response hook: TikTok answers errors with HTTP 200 and a non-zero `code`; raise our class for them."""

    def hook(response: httpx.Response) -> None:
        if response.status_code != 200 or "json" not in response.headers.get("Content-Type", ""):
            return
        response.read()
        try:
            body = response.json()
        except ValueError:
            return
        code = body.get("code") if isinstance(body, dict) else None
        if not code:
            return
        where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
        what = f"TikTok error {code}: {' '.join(str(body.get('message') or '').split())}"
        if code in RATE_LIMITED_CODES:
            raise RateLimitedError(f"{where}: {what}", RATE_LIMIT_WAIT_SECONDS)
        if code in EXPIRED_CODES:
            raise ExpiredTokenError(f"{where}: {what}: check the credentials in ${session.credential_env}")
        if code in PERMISSION_CODES:
            raise AuthError(f"{where}: {what}; the token needs the {scope_for(response.request.url.path)} "
                            f"scope(s): check the token in ${session.credential_env}")
        raise PermanentError(f"{where}: {what}")

    return hook


def data_of(body: Any, key: str, what: str) -> list[Any]:
    """The list under data.<key> of a TikTok response."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get(key, []), list):
        raise MalformedResponseError(f"{what}: expected data.{key}, got {str(body)[:80]}")
    return data.get(key) or []


class TikTokApi:
    """The calls of one source, and how videos and comments become items."""

    def __init__(self, client: TokenClient, business_id: str) -> None:
        self.client, self.business_id = client, business_id
        self._author: Author | None = None

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """One authorised GET for the business account."""
        body, _ = self.client.get(path, params={"business_id": self.business_id, **params})
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{path}: expected a JSON object, got {str(body)[:80]}")
        return body

    def iter_pages(self, path: str, params: dict[str, Any], key: str, stream: str,
                   max_pages: int) -> Iterator[list[Any]]:
        """Lists under data.<key>, following data.cursor while data.has_more (loop-guarded)."""
        guard, cursor = LoopGuard(stream), None
        for _ in range(max_pages):
            body = self.get(path, {**params, "cursor": cursor} if cursor is not None else params)
            yield data_of(body, key, path)
            data = body.get("data") or {}
            if not data.get("has_more") or data.get("cursor") is None:
                return
            cursor = data["cursor"]
            guard.check(cursor)
        log.warning("%s: stopped after %d pages (more results remain)", stream, max_pages)

    def brand(self) -> Author:
        """The business account as an author with followers_count, once per run."""
        if self._author is None:
            data = self.get("business/get/", {"fields": json_param(ACCOUNT_FIELDS)}).get("data") or {}
            username = str(data.get("username") or self.business_id)
            self._author = Author(platform=PLATFORM, external_id=self.business_id, handle=username,
                                  display_name=data.get("display_name"), url=f"{WEB_URL}/@{username}",
                                  followers=data.get("followers_count"))
        return self._author

    def video_item(self, video: dict[str, Any]) -> Item:
        """One of the account's videos, with views, likes, comments and shares."""
        return Item(
            platform=PLATFORM, external_id=str(video["item_id"]), kind="post", role="owned", author=self.brand(),
            text=str(video.get("caption") or ""), created_at=datetime.fromtimestamp(int(video["create_time"]), UTC),
            url=video.get("share_url"),
            counters=Counters(likes=video.get("likes"), replies=video.get("comments"), shares=video.get("shares"),
                              views=video.get("video_views")),
            raw=video,
        )

    def comment_item(self, comment: dict[str, Any], video: Item) -> Item:
        """A comment under the video or a reply under its comment; the account's own (`owner`) are owned."""
        owned = bool(comment.get("owner"))
        parent = comment.get("parent_comment_id")
        is_reply = bool(parent) and str(parent) != video.external_id
        author = self.brand() if owned else self.someone(comment)
        return Item(
            platform=PLATFORM, external_id=str(comment["comment_id"]), kind="reply" if is_reply else "comment",
            role="owned" if owned else "inbound", author=author, text=str(comment.get("text") or ""),
            created_at=datetime.fromtimestamp(int(comment["create_time"]), UTC), url=video.url,
            parent_external_id=str(parent) if is_reply else video.external_id, root_external_id=video.external_id,
            counters=Counters(likes=comment.get("likes"), replies=comment.get("replies")), raw=comment,
        )

    def someone(self, comment: dict[str, Any]) -> Author | None:
        """The commenter: TikTok's per-app `unique_identifier` (or the older `user_id`) and username."""
        key = comment.get("unique_identifier") or comment.get("user_id")
        if not key:
            return None
        username = comment.get("username")
        return Author(platform=PLATFORM, external_id=str(key), handle=str(username or key),
                      display_name=comment.get("display_name"), url=f"{WEB_URL}/@{username}" if username else None)
