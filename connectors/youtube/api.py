"""YouTube Data API v3 calls: the key kept out of every message, quota errors as rate limits, resources as items."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from connectors.base import Author, Counters, Item, Page
from connectors.errors import (
    AuthError,
    ConnectorError,
    MalformedResponseError,
    PermanentError,
    RateLimitedError,
)
from connectors.html_text import html_to_text
from connectors.http import HttpSession, parse_retry_after
from connectors.pagination import LoopGuard
from connectors.timestamps import parse_time

PLATFORM = "youtube"
WATCH_URL = "https://www.youtube.com/watch?v="
CHANNEL_URL = "https://www.youtube.com/channel/"
MAX_IDS_PER_CALL = 50  # videos.list takes up to 50 ids for one unit
MAX_REPLIES_PAGE = 100
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED"})
UNAVAILABLE_REASONS = frozenset({"commentsDisabled", "videoNotFound", "commentThreadNotFound"})
RATE_LIMIT_WAIT_SECONDS = 60.0  # Google sends no Retry-After with a 403 rateLimitExceeded
_KEY_PARAM = re.compile(r"(?i)([?&]key=)[^&\s\"'#]+")

PACIFIC_STANDARD = timezone(timedelta(hours=-8), "PST")

log = logging.getLogger(__name__)


def _pacific() -> tzinfo:
    try:
        return ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no tz database: standard time is off by an hour at worst
        return PACIFIC_STANDARD


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds from `now` to the next midnight Pacific time, when YouTube's daily quota resets."""
    local = now.astimezone(_pacific())
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    # Subtract in UTC: aware datetimes sharing one tzinfo subtract as wall clocks across DST.
    return (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds()


def count(value: Any) -> int | None:
    """A YouTube counter (sent as a string, absent when hidden) as an int."""
    return None if value is None else int(value)


def redact(text: str, key: str | None) -> str:
    """The text with the API key and any `key=` query value replaced."""
    if key:
        text = text.replace(key, "[redacted]")
    return _KEY_PARAM.sub(r"\1[redacted]", text)


class KeyRedactingFilter(logging.Filter):
    """Rewrites log records so a request URL's `key=` value never reaches a log (httpx logs URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "key=" in message:
            record.msg, record.args = redact(message, None), ()
        return True


def install_log_redaction() -> None:
    """Attach the redacting filter to the httpx logger, once."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, KeyRedactingFilter) for f in logger.filters):
        logger.addFilter(KeyRedactingFilter())


def error_reasons(response: httpx.Response) -> set[str]:
    """The `reason` values of a Google API error body (errors[] and details[] ErrorInfo)."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return set()
    entries = [*(error.get("errors") or []), *(error.get("details") or [])]
    return {str(e["reason"]) for e in entries if isinstance(e, dict) and e.get("reason")}


def error_hook(session: HttpSession) -> Callable[[httpx.Response], None]:
    """An httpx response hook turning YouTube's 400/403 reasons into our error classes.

    Google puts quota and rate limits in a 403 body, not in a 429: without this they
    would read as bad credentials. Other 403s fall through to the session (AuthError).
    """

    def hook(response: httpx.Response) -> None:
        if response.status_code not in (400, 403, 429):
            return
        response.read()
        reasons = error_reasons(response)
        where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
        if reasons & QUOTA_REASONS:
            wait = seconds_until_quota_reset(session.clock())
            raise RateLimitedError(f"{where}: daily quota exceeded; it resets at midnight Pacific time", wait)
        if reasons & RATE_REASONS:
            asked = parse_retry_after(response.headers.get("Retry-After"), session.clock())
            raise RateLimitedError(f"{where}: {', '.join(sorted(reasons))}", asked or RATE_LIMIT_WAIT_SECONDS)
        if reasons & KEY_REASONS:
            raise AuthError(f"{where}: the API key was refused ({', '.join(sorted(reasons))}): "
                            f"check the key in ${session.credential_env}")
        if reasons & UNAVAILABLE_REASONS:
            raise PermanentError(f"{where}: {', '.join(sorted(reasons))}")

    return hook


def items_of(body: Any, what: str) -> list[Any]:
    """The `items` of a list response; a body that is not one raises MalformedResponseError."""
    if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
        raise MalformedResponseError(f"{what}: expected a list response, got {json.dumps(body)[:80]}")
    return body.get("items", [])


def chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    """Consecutive slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


class YouTubeApi:
    """The API calls of one source: the channel, videos, comment threads, search pages."""

    def __init__(self, session: HttpSession, key: str | None, *, channel_id: str | None, handle: str | None) -> None:
        self.session, self.key = session, key
        self.channel_id_setting, self.handle = channel_id, handle
        self._channel: dict[str, Any] | None = None

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """One GET; errors come back with the key redacted from their message."""
        try:
            body, _ = self.session.get_json(path, params=params)
        except ConnectorError as error:
            error.args = tuple(redact(str(a), self.key) for a in error.args)
            raise
        items_of(body, path)
        return body

    def iter_pages(self, path: str, params: dict[str, Any], stream: str,
                   max_pages: int | None = None) -> Iterator[dict[str, Any]]:
        """Response bodies of a listing, following nextPageToken (loop-guarded, at most max_pages)."""
        guard, token, pages = LoopGuard(stream), None, 0
        while max_pages is None or pages < max_pages:
            body = self.get(path, {**params, "pageToken": token} if token else params)
            pages += 1
            yield body
            token = body.get("nextPageToken")
            if not token:
                return
            guard.check(token)
        log.warning("%s: stopped after %d pages (more results remain)", stream, pages)

    def channel(self) -> dict[str, Any]:
        """The brand's channel resource (snippet, contentDetails, statistics), once per run."""
        if self._channel is None:
            params: dict[str, Any] = {"part": "snippet,contentDetails,statistics"}
            if self.channel_id_setting:
                params["id"] = self.channel_id_setting
            else:
                params["forHandle"] = self.handle
            found = items_of(self.get("channels", params), "channels")
            if not found:
                raise PermanentError(f"channels: no channel {self.channel_id_setting or self.handle!r}")
            self._channel = found[0]
        return self._channel

    @property
    def channel_id(self) -> str:
        """The brand channel's id (UC...)."""
        return self.channel_id_setting or str(self.channel()["id"])

    def channel_author(self) -> Author:
        """The brand channel as an author, subscribers as followers."""
        channel = self.channel()
        snippet, stats = channel.get("snippet") or {}, channel.get("statistics") or {}
        hidden = stats.get("hiddenSubscriberCount")
        return Author(
            platform=PLATFORM, external_id=str(channel["id"]),
            handle=snippet.get("customUrl") or snippet.get("title") or str(channel["id"]),
            display_name=snippet.get("title"), url=CHANNEL_URL + str(channel["id"]),
            followers=None if hidden else count(stats.get("subscriberCount")),
        )

    def uploads_playlist(self) -> str:
        """The id of the channel's uploads playlist (contentDetails.relatedPlaylists.uploads)."""
        return str(self.channel()["contentDetails"]["relatedPlaylists"]["uploads"])

    def videos(self, video_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Video resources (snippet, statistics) for the ids, 50 per call; gone videos are absent."""
        found: list[dict[str, Any]] = []
        for batch in chunks(video_ids, MAX_IDS_PER_CALL):
            found.extend(items_of(self.get("videos", {"part": "snippet,statistics", "id": ",".join(batch)}), "videos"))
        return found

    def author(self, channel_id: str, name: str | None, url: str | None = None) -> Author:
        """An author from a channel id and display name; the brand channel keeps its full record."""
        if channel_id == self.channel_id:
            return self.channel_author()
        return Author(platform=PLATFORM, external_id=channel_id, handle=name or channel_id,
                      display_name=name, url=url or CHANNEL_URL + channel_id)

    def video_item(self, video: dict[str, Any]) -> Item:
        """Our Item from a video resource: the brand's uploads are owned posts, others mentions."""
        snippet, stats = video["snippet"], video.get("statistics") or {}
        owned = snippet["channelId"] == self.channel_id
        text = "\n\n".join(part for part in (snippet.get("title"), snippet.get("description")) if part)
        return Item(
            platform=PLATFORM, external_id=str(video["id"]), kind="post" if owned else "mention",
            role="owned" if owned else "inbound",
            author=self.author(str(snippet["channelId"]), snippet.get("channelTitle")),
            text=text, created_at=parse_time(snippet["publishedAt"]), url=WATCH_URL + str(video["id"]),
            language=snippet.get("defaultLanguage") or snippet.get("defaultAudioLanguage"),
            counters=Counters(likes=count(stats.get("likeCount")), replies=count(stats.get("commentCount")),
                              views=count(stats.get("viewCount"))),
            raw=video,
        )

    def comment_item(self, comment: dict[str, Any], video_id: str, *, parent_id: str | None = None,
                     replies: int | None = None) -> Item:
        """Our Item from a comment resource: top-level comments hang under the video, replies under their comment."""
        snippet = comment["snippet"]
        author_id = (snippet.get("authorChannelId") or {}).get("value")
        owned = author_id is not None and author_id == self.channel_id
        name, url = snippet.get("authorDisplayName"), snippet.get("authorChannelUrl")
        text = snippet.get("textOriginal")
        if text is None:
            text = html_to_text(snippet["textDisplay"])
        return Item(
            platform=PLATFORM, external_id=str(comment["id"]), kind="reply" if parent_id else "comment",
            role="owned" if owned else "inbound",
            author=self.author(author_id, name, url) if author_id else None,
            text=text, created_at=parse_time(snippet["publishedAt"]),
            url=f"{WATCH_URL}{video_id}&lc={comment['id']}",
            parent_external_id=parent_id or video_id, root_external_id=video_id,
            counters=Counters(likes=count(snippet.get("likeCount")), replies=replies),
            raw=comment,
        )

    def thread_items(self, thread: dict[str, Any], stream: str, page: Page) -> list[Item]:
        """A comment thread's top-level comment and all its replies (comments.list when some are missing).

        When comments.list fails for good, the replies the thread carried are kept and the rest are
        counted on `page` as not read.
        """
        snippet = thread["snippet"]
        video_id, top = str(snippet["videoId"]), snippet["topLevelComment"]
        total = int(snippet.get("totalReplyCount") or 0)
        replies = (thread.get("replies") or {}).get("comments") or []
        if total > len(replies):
            try:
                replies = self.all_replies(str(top["id"]), stream)
            except PermanentError as error:  # e.g. the thread went away meanwhile
                page.could_not_expand(total - len(replies), f"replies to comment {top['id']}: {error}")
        items = [self.comment_item(top, video_id, replies=total)]
        items.extend(self.comment_item(reply, video_id, parent_id=str(top["id"])) for reply in replies)
        return items

    def all_replies(self, comment_id: str, stream: str) -> list[dict[str, Any]]:
        """Every reply to a top-level comment (comments.list?parentId=)."""
        params = {"part": "snippet", "parentId": comment_id, "maxResults": MAX_REPLIES_PAGE}
        return [reply for body in self.iter_pages("comments", params, stream) for reply in items_of(body, "comments")]
