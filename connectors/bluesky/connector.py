"""Bluesky (AT Protocol): the brand's posts, replies, likes, reposts, quotes, notifications and keyword search."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Connector, Item, Stream
from connectors.bluesky.records import PLATFORM, REPOST_REASON, RecordMapper, author_of
from connectors.bluesky.session import AppPasswordSession, body_object, list_of, xrpc_params
from connectors.bluesky.settings import BlueskySettings
from connectors.bluesky.streams import NotificationsStream, OwnedPostsStream, RecentOwnedRefreshStream, SearchStream
from connectors.errors import MalformedResponseError, PermanentError
from connectors.http import HttpSession, RateLimitHeaders
from connectors.pagination import LoopGuard

RATE_LIMIT_HEADERS = RateLimitHeaders(
    remaining="RateLimit-Remaining", limit="RateLimit-Limit", reset="RateLimit-Reset", reset_format="epoch",
)


class BlueskyApi:
    """The XRPC calls one source makes: AppView for public reads, the PDS session for the rest."""

    def __init__(self, settings: BlueskySettings, http: HttpSession, password: str | None) -> None:
        self.settings = settings
        self.http = http
        self.session = AppPasswordSession(http, settings.pds_url, settings.handle, password) if password else None
        self._profile: dict[str, Any] | None = None
        self._mapper: RecordMapper | None = None

    def forget_profile(self) -> None:
        """Re-read the brand's profile (follower counts) on the next call: once per sync run."""
        self._profile = self._mapper = None

    def public(self, nsid: str, **params: Any) -> dict[str, Any]:
        """GET an AppView query without credentials."""
        body, _ = self.http.get_json(f"/xrpc/{nsid}", params=xrpc_params(params))
        return body_object(body, nsid)

    def private(self, nsid: str, **params: Any) -> dict[str, Any]:
        """GET a query through the PDS with the app-password session."""
        if self.session is None:
            raise PermanentError(f"{nsid} needs an app password: set app_password_env")
        return self.session.get(nsid, params)

    def profile(self) -> dict[str, Any]:
        """The brand's profileViewDetailed (DID, follower counts) from app.bsky.actor.getProfile."""
        if self._profile is None:
            body = self.public("app.bsky.actor.getProfile", actor=self.settings.handle)
            if not str(body.get("did", "")).startswith("did:"):
                raise MalformedResponseError(f"getProfile {self.settings.handle!r}: no DID in {sorted(body)}")
            self._profile = body
        return self._profile

    def mapper(self) -> RecordMapper:
        """The record mapper for this run's brand profile."""
        if self._mapper is None:
            profile, web_url = self.profile(), self.settings.web_url
            self._mapper = RecordMapper(str(profile["did"]), author_of(profile, web_url), web_url,
                                        timedelta(minutes=self.settings.clock_skew_minutes))
        return self._mapper

    def iter_list(self, nsid: str, key: str, **params: Any) -> Iterator[Any]:
        """Every entry of a cursor-paged AppView list (getLikes, getRepostedBy, getQuotes)."""
        guard, cursor = LoopGuard(nsid), None
        while True:
            body = self.public(nsid, **params, limit=self.settings.page_size, cursor=cursor)
            entries = list_of(body, key, nsid)
            yield from entries
            cursor = body.get("cursor")
            if not entries or not cursor:
                return
            guard.check(cursor)


class BlueskyConnector(Connector):
    """Streams of one Bluesky source, in the order they should run."""

    platform = PLATFORM
    settings_model = BlueskySettings
    description = ("Bluesky (AT Protocol, any AppView/PDS): brand posts, replies, likes, reposts, quotes, "
                   "mentions/replies/quotes from notifications, keyword search")
    auth = ("none for the brand's posts and their engagement; an app password (Settings > Privacy and security > "
            "App passwords) in app_password_env for notifications and search")
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: BlueskySettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.api = BlueskyApi(settings, session, (secrets or {}).get("app_password"))

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        mapper = self.api.mapper()
        reason = payload.get("reason") if isinstance(payload, dict) else None
        if isinstance(reason, dict) and reason.get("$type") == REPOST_REASON:
            return [mapper.repost_item(payload)]
        if isinstance(payload, dict) and isinstance(payload.get("post"), dict) and "uri" not in payload:
            payload = payload["post"]  # a feed view around its post
        return [mapper.item(payload)]

    def streams(self) -> list[Stream]:
        self.api.forget_profile()
        streams: list[Stream] = [OwnedPostsStream(self.api), RecentOwnedRefreshStream(self.api)]
        if self.settings.notifications:
            streams.append(NotificationsStream(self.api))
        streams.extend(SearchStream(self.api, query) for query in self.settings.search)
        return streams
