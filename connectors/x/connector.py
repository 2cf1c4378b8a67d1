"""X API v2: the brand's timeline, its mentions, recent search, and quotes and retweeters of its recent posts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from connectors.base import (
    Author,
    Connector,
    EngagementEvent,
    Item,
    Page,
    Stream,
    SyncContext,
)
from connectors.http import HttpSession
from connectors.oauth2 import BearerToken, RefreshGrant, TokenClient
from connectors.records import RECORD_ERRORS, add_records, bad_record
from connectors.timestamps import format_time
from connectors.x.api import (
    PLATFORM,
    RATE_LIMIT_HEADERS,
    TWEET_FIELDS,
    USER_FIELDS,
    XApi,
    error_hook,
    tweets_of,
    user_author,
    users_of,
)
from connectors.x.settings import XSettings

MAX_IDS_PER_CALL = 100
RECENT_SEARCH_DAYS = timedelta(days=6, hours=23)  # recent search reaches 7 days back, start_time must be inside

log = logging.getLogger(__name__)


def newest_id(current: str | None, ids: list[str]) -> str | None:
    """The highest tweet id (ids are numbers that grow with time)."""
    numbers = [int(i) for i in ids if i.isdigit()] + ([int(current)] if current else [])
    return str(max(numbers)) if numbers else None


class TimelineStream(Stream):
    """A newest-first tweet listing read down to the stored since_id; the cursor is the newest id seen.

    Pages are stored without a cursor while the walk goes on; the last, empty page carries the
    new since_id, so an interrupted walk starts again from the old one (upserts make that safe).
    """

    def __init__(self, api: XApi, settings: XSettings, name: str, path: Callable[[], str], token_param: str,
                 extra: Mapping[str, str] | None = None, *, own_timeline: bool = False,
                 reach: timedelta | None = None) -> None:
        self.api, self.settings, self.name, self.path = api, settings, name, path
        self.token_param, self.extra = token_param, dict(extra or {})
        self.own_timeline, self.reach = own_timeline, reach
        self.min_page = 10 if reach else 5  # recent search takes 10-100 results a page, timelines 5-100

    def builder(self, users: dict[str, Author], default: Author | None) -> Callable[[Any], Item]:
        """How this page's tweets become items (with its expanded users, and the default author)."""

        def build(tweet: Any) -> Item:
            return self.api.tweet_item(tweet, users, default_author=default)

        return build

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        params: dict[str, Any] = {"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS,
                                  "max_results": max(self.min_page, self.settings.page_size), **self.extra}
        back = timedelta(days=self.settings.backfill_days)
        if context.cursor:
            params["since_id"] = context.cursor
        else:
            params["start_time"] = format_time(context.now - min(back, self.reach or back))
        newest, brand = context.cursor, self.api.brand_author()
        for body in self.api.iter_pages(self.path(), params, self.name, self.token_param, self.settings.max_pages):
            users = users_of(body)
            page = Page(authors=list(users.values()))
            add_records(page, tweets_of(body, self.name), self.builder(users, brand if self.own_timeline else None))
            newest = newest_id(newest, [i.external_id for i in page.items])
            if page.items or page.bad_records:
                yield page
        yield Page(authors=[brand], cursor=newest)


class EngagementStream(Stream):
    """Re-reads the brand's recent posts: counters, quote tweets (items and events), retweeters (events)."""

    name = "engagement"

    def __init__(self, api: XApi, settings: XSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        ids = list(context.recent_owned_ids)
        for start in range(0, len(ids), MAX_IDS_PER_CALL):
            body = self.api.get("tweets", {"ids": ",".join(ids[start : start + MAX_IDS_PER_CALL]),
                                           "tweet.fields": TWEET_FIELDS, "expansions": "author_id",
                                           "user.fields": USER_FIELDS})
            users = users_of(body)
            for tweet in tweets_of(body, "tweets"):  # deleted or protected posts come back in `errors`
                yield self.refresh_one(tweet, users)

    def refresh_one(self, tweet: dict[str, Any], users: dict[str, Author]) -> Page:
        """One page for one post: itself, its quote tweets and who retweeted it."""
        page = Page(authors=list(users.values()))
        add_records(page, [tweet], lambda t: self.api.tweet_item(t, users, default_author=self.api.brand_author()))
        if not self.settings.engagement or not page.items:
            return page
        tweet_id = page.items[0].external_id
        self.add_quotes(page, tweet_id)
        self.add_retweeters(page, tweet_id)
        return page

    def add_quotes(self, page: Page, tweet_id: str) -> None:
        """Quote tweets of one post, as quote items under it and quote events by their authors."""
        params = {"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS,
                  "max_results": max(10, self.settings.page_size)}
        for body in self.api.iter_pages(f"tweets/{tweet_id}/quote_tweets", params, f"{self.name}:quotes",
                                        "pagination_token", self.settings.max_pages):
            users = users_of(body)
            page.authors.extend(users.values())
            before = len(page.items)
            add_records(page, tweets_of(body, "quote_tweets"), partial(self.api.tweet_item, users=users,
                                                                     parent=tweet_id, kind="quote"))
            page.events.extend(EngagementEvent(PLATFORM, tweet_id, quote.author, "quote", quote.created_at)
                               for quote in page.items[before:] if quote.author is not None)

    def add_retweeters(self, page: Page, tweet_id: str) -> None:
        """Who retweeted one post (X says who, not when), as share events."""
        params = {"user.fields": USER_FIELDS, "max_results": self.settings.page_size}
        for body in self.api.iter_pages(f"tweets/{tweet_id}/retweeted_by", params, f"{self.name}:retweets",
                                        "pagination_token", self.settings.max_pages):
            for user in tweets_of(body, "retweeted_by"):
                try:
                    actor = self.api.brand_author() if str(user["id"]) == self.api.brand_id else user_author(user)
                except RECORD_ERRORS as error:
                    page.bad_records.append(bad_record(user, error))
                    continue
                page.authors.append(actor)
                page.events.append(EngagementEvent(PLATFORM, tweet_id, actor, "share"))


class XConnector(Connector):
    """Streams of one X source, in the order they should run."""

    platform = PLATFORM
    settings_model = XSettings
    description = ("X API v2: the brand's posts and replies (user timeline) with public_metrics, mentions, "
                   "recent search, quote tweets and retweeters of recent posts")
    auth = ("an app-only bearer token (bearer_token_env) or an OAuth 2.0 user-context token (user_token_env, "
            "scopes tweet.read users.read, optionally refresh_token_env + client_id_env to renew it)")
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: XSettings, session: HttpSession, secrets: Mapping[str, str] | None = None) -> None:
        secrets = secrets or {}
        grant = None
        if settings.refresh_token_env and settings.client_id_env:
            client_id, client_secret = secrets.get("client_id", ""), secrets.get("client_secret")
            grant = RefreshGrant(settings.token_url, {"client_id": client_id},
                                 basic_auth=(client_id, client_secret) if client_secret else None)
        token = BearerToken(session, access_token=secrets.get("bearer_token") or secrets.get("user_token"),
                            refresh_token=secrets.get("refresh_token"), grant=grant,
                            env_names=settings.secret_env_names())
        client = TokenClient(session, token)
        session.client.event_hooks["response"].append(error_hook(session))
        self.settings = settings
        self.api = XApi(client, settings.username)

    def streams(self) -> list[Stream]:
        api, settings = self.api, self.settings
        streams: list[Stream] = [
            TimelineStream(api, settings, "tweets", lambda: f"users/{api.brand_id}/tweets", "pagination_token",
                           own_timeline=True),
        ]
        if settings.mentions:
            streams.append(TimelineStream(api, settings, "mentions", lambda: f"users/{api.brand_id}/mentions",
                                          "pagination_token"))
        streams.extend(TimelineStream(api, settings, f"search:{query}", lambda: "tweets/search/recent", "next_token",
                                      {"query": query}, reach=RECENT_SEARCH_DAYS) for query in settings.search)
        streams.append(EngagementStream(api, settings))
        return streams
