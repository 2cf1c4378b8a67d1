"""LinkedIn Community Management API: an organization's posts, statistics, comments and replies, mentions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from connectors.base import (
    BadRecord,
    Connector,
    Counters,
    Page,
    Stream,
    SyncContext,
)
from connectors.errors import PermanentError
from connectors.http import HttpSession
from connectors.linkedin.api import (
    PLATFORM,
    LinkedInApi,
    Restli,
    elements_of,
    error_hook,
    restli_list,
    urn_path,
)
from connectors.linkedin.settings import LinkedInSettings
from connectors.oauth2 import BearerToken, RefreshGrant, TokenClient
from connectors.records import add_records

STATISTICS_BATCH = 20


class PostsStream(Stream):
    """The organization's posts, newest first (start/count), down to the newest creation time stored."""

    name = "posts"

    def __init__(self, api: LinkedInApi, settings: LinkedInSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        back = context.now - timedelta(days=self.settings.backfill_days)
        mark = int(context.cursor) if context.cursor else int(back.timestamp() * 1000)
        newest = mark if context.cursor else None
        params = {"q": "author", "author": self.api.organization, "sortBy": "CREATED"}
        for posts in self.api.iter_collection("posts", params, self.settings.page_size, self.settings.max_pages):
            page = Page()
            for post in posts:
                add_records(page, [post], self.api.post_item)
            stamps = [int(i.created_at.timestamp() * 1000) for i in page.items]
            newest = max([s for s in (newest, *stamps) if s is not None], default=None)
            if page.items or page.bad_records:
                yield page
            if stamps and min(stamps) <= mark:
                break  # reached posts stored before (or older than the backfill)
        yield Page(authors=[self.api.brand()], cursor=str(newest) if newest is not None else None)


class EngagementStream(Stream):
    """Re-reads recent posts: share statistics as counters, then every comment and reply (socialActions)."""

    name = "engagement"

    def __init__(self, api: LinkedInApi, settings: LinkedInSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        urns = list(context.recent_owned_ids)
        for start in range(0, len(urns), STATISTICS_BATCH):
            batch = urns[start : start + STATISTICS_BATCH]
            counters = self.statistics(batch)
            for urn in batch:
                try:
                    post = self.api.get(f"posts/{urn_path(urn)}")
                except PermanentError:
                    continue  # deleted since: keep what was stored
                yield self.refresh_one(post, counters.get(urn))

    def statistics(self, urns: Sequence[str]) -> dict[str, Counters]:
        """Counters per post from organizationalEntityShareStatistics (shares and ugcPosts listed apart)."""
        shares = [u for u in urns if u.startswith("urn:li:share:")]
        posts = [u for u in urns if not u.startswith("urn:li:share:")]
        params: dict[str, Any] = {"q": "organizationalEntity", "organizationalEntity": self.api.organization}
        if shares:
            params["shares"] = restli_list(shares)
        if posts:
            params["ugcPosts"] = restli_list(posts)
        found = {}
        for element in elements_of(self.api.get("organizationalEntityShareStatistics", params), "statistics"):
            stats = element.get("totalShareStatistics") or {}
            urn = element.get("share") or element.get("ugcPost")
            if urn:
                found[str(urn)] = Counters(likes=stats.get("likeCount"), replies=stats.get("commentCount"),
                                           shares=stats.get("shareCount"), views=stats.get("impressionCount"))
        return found

    def refresh_one(self, post: dict[str, Any], counters: Counters | None) -> Page:
        """One page for one post: itself with its counters, its comments and their replies."""
        page, urn = Page(), str(post.get("id"))
        add_records(page, [post], lambda record: self.api.post_item(record, counters))
        self.add_comments(page, urn, urn)
        return page

    def add_comments(self, page: Page, target: str, post_urn: str) -> None:
        """Comments on a post or a comment; a comment that has replies is opened in turn."""
        for comments in self.api.iter_collection(f"socialActions/{urn_path(target)}/comments", {},
                                                 self.settings.comment_page_size, self.settings.max_pages):
            for comment in comments:
                before = len(page.items)
                add_records(page, [comment], lambda record: self.api.comment_item(record, post_urn))
                opened = page.items[before:]
                if opened and opened[0].kind == "comment" and (opened[0].counters.replies or 0) > 0:
                    self.add_comments(page, opened[0].external_id, post_urn)


class MentionsStream(Stream):
    """Posts that mention the organization (notifications SHARE_MENTION), read with the posts API."""

    name = "mentions"

    def __init__(self, api: LinkedInApi, settings: LinkedInSettings) -> None:
        self.api, self.settings = api, settings

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        back = context.now - timedelta(days=self.settings.backfill_days)
        since = int(context.cursor) if context.cursor else int(back.timestamp() * 1000)
        newest = since
        params = {"q": "criteria", "organizationalEntity": self.api.organization,
                  "actions": Restli("List(SHARE_MENTION)"),
                  "timeRange": Restli(f"(start:{since},end:{int(context.now.timestamp() * 1000)})")}
        for notifications in self.api.iter_collection("organizationalEntityNotifications", params,
                                                      self.settings.page_size, self.settings.max_pages):
            page = Page()
            for notification in notifications:
                newest = max(newest, int(notification.get("lastModifiedAt") or 0))
                urn = notification.get("generatedActivity") or notification.get("sourcePost")
                if not urn:
                    page.bad_records.append(BadRecord("KeyError: 'generatedActivity'", notification))
                    continue
                try:
                    add_records(page, [self.api.get(f"posts/{urn_path(str(urn))}")], self.api.post_item)
                except PermanentError:
                    continue  # the mentioning post was deleted or is not visible to the organization
            if page.items or page.bad_records:
                yield page
        yield Page(cursor=str(newest))


class LinkedInConnector(Connector):
    """Streams of one LinkedIn organization source, in the order they should run."""

    platform = PLATFORM
    settings_model = LinkedInSettings
    description = ("LinkedIn Community Management API: an organization page's posts, share statistics (likes, "
                   "comments, reposts, impressions), comments and replies on recent posts, posts mentioning it")
    auth = ("a 3-legged OAuth token of a page administrator (r_organization_social, r_organization_social_feed, "
            "rw_organization_admin) in access_token_env, renewed with refresh_token_env + client_id_env + "
            "client_secret_env")
    rate_limit_headers = None  # LinkedIn sends no quota headers; a 429 is waited out (Retry-After or a minute)

    def __init__(self, settings: LinkedInSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        secrets = secrets or {}
        grant = None
        if settings.refresh_token_env:
            grant = RefreshGrant(settings.token_url, {"client_id": secrets.get("client_id", ""),
                                                      "client_secret": secrets.get("client_secret", "")})
        token = BearerToken(session, access_token=secrets.get("access_token"),
                            refresh_token=secrets.get("refresh_token"), grant=grant,
                            env_names=settings.secret_env_names())
        client = TokenClient(session, token)
        session.client.event_hooks["response"].append(error_hook(session))
        self.settings = settings
        self.api = LinkedInApi(client, settings.organization_id, settings.linkedin_version)

    def streams(self) -> list[Stream]:
        streams: list[Stream] = [PostsStream(self.api, self.settings), EngagementStream(self.api, self.settings)]
        if self.settings.mentions:
            streams.append(MentionsStream(self.api, self.settings))
        return streams
