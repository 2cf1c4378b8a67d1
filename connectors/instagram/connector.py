"""Instagram Graph API (business and creator accounts): media and counters, comments and replies, tags, hashtags."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from connectors.base import (
    Author,
    Connector,
    Counters,
    Item,
    Page,
    Stream,
    SyncContext,
)
from connectors.errors import PermanentError
from connectors.graph_api import USAGE_HEADERS, GraphClient, RecentOwnedRefreshStream, data_of, error_hook, parse_time
from connectors.http import HttpSession
from connectors.instagram.settings import InstagramSettings
from connectors.records import add_records

PLATFORM = "instagram"
WEB_URL = "https://www.instagram.com"
MEDIA_FIELDS = "id,caption,media_type,media_product_type,permalink,timestamp,username,like_count,comments_count"
COMMENT_FIELDS = ("id,text,timestamp,username,like_count,from{id,username},"
                  "replies{id,text,timestamp,username,like_count,from{id,username}}")
USER_FIELDS = "id,username,name,followers_count,follows_count,media_count"


class InstagramAccount:
    """The account of one source: who it is, and how media and comments become items."""

    def __init__(self, client: GraphClient, user_id: str) -> None:
        self.client, self.user_id = client, user_id
        self._author: Author | None = None

    def author(self) -> Author:
        """The account as an author with its followers_count, once per run."""
        if self._author is None:
            user = self.client.get(self.user_id, {"fields": USER_FIELDS})
            self._author = Author(platform=PLATFORM, external_id=str(user["id"]), handle=str(user["username"]),
                                  display_name=user.get("name"), url=f"{WEB_URL}/{user['username']}",
                                  followers=user.get("followers_count"), following=user.get("follows_count"))
        return self._author

    def someone(self, record: dict[str, Any]) -> Author | None:
        """The author of a media or comment from `from` or `username` (None when Instagram sends neither)."""
        found = record.get("from")
        who: dict[str, Any] = found if isinstance(found, dict) else {}
        username = who.get("username") or record.get("username")
        if str(who.get("id") or "") == self.user_id or (username and username == self.author().handle):
            return self.author()
        if not username:
            return None
        return Author(platform=PLATFORM, external_id=str(who.get("id") or f"@{username}"), handle=str(username),
                      url=f"{WEB_URL}/{username}")

    def media_item(self, media: dict[str, Any], *, owned: bool) -> Item:
        """A media object: the account's own are posts; tagged and hashtag media are mentions."""
        author = self.author() if owned else self.someone(media)
        return Item(
            platform=PLATFORM, external_id=str(media["id"]), kind="post" if owned else "mention",
            role="owned" if owned else "inbound", author=author, text=str(media.get("caption") or ""),
            created_at=parse_time(media["timestamp"]), url=media.get("permalink"),
            counters=Counters(likes=media.get("like_count"), replies=media.get("comments_count")),
            raw=media,
        )

    def comment_items(self, comment: dict[str, Any], media: dict[str, Any]) -> list[Item]:
        """A top-level comment under its media and its replies (nested in `replies`) under it."""
        media_id = str(media["id"])
        replies = (comment.get("replies") or {}).get("data") or []
        items = [self.comment_item(comment, media, media_id, replies=len(replies) if "replies" in comment else None)]
        items.extend(self.comment_item(reply, media, str(comment["id"])) for reply in replies)
        return items

    def comment_item(self, comment: dict[str, Any], media: dict[str, Any], parent: str,
                     replies: int | None = None) -> Item:
        """One comment or reply; the account's own are owned (its answers, for responsiveness)."""
        author = self.someone(comment)
        owned = author is not None and author.external_id == self.user_id
        media_id = str(media["id"])
        return Item(
            platform=PLATFORM, external_id=str(comment["id"]), kind="comment" if parent == media_id else "reply",
            role="owned" if owned else "inbound", author=author, text=str(comment.get("text") or ""),
            created_at=parse_time(comment["timestamp"]), url=media.get("permalink"),
            parent_external_id=parent, root_external_id=media_id,
            counters=Counters(likes=comment.get("like_count"), replies=replies), raw=comment,
        )


class MediaEdgeStream(Stream):
    """A newest-first media edge (the account's media, or media it is tagged in) read back to the stored mark.

    The mark (epoch seconds of the newest media stored) moves on the final empty page.
    """

    def __init__(self, account: InstagramAccount, settings: InstagramSettings, name: str, edge: str) -> None:
        self.account, self.settings, self.name, self.edge = account, settings, name, edge

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        back = context.now - timedelta(days=self.settings.backfill_days)
        mark = int(context.cursor) if context.cursor else int(back.timestamp())
        newest = mark if context.cursor else None
        params: dict[str, Any] = {"fields": MEDIA_FIELDS, "limit": self.settings.page_size}
        owned = self.edge == "media"
        if owned:
            params["since"] = mark  # the media edge filters by time; the tags edge does not
        for body in self.account.client.iter_edge(f"{self.settings.ig_user_id}/{self.edge}", params, self.name,
                                                  self.settings.max_pages):
            page = Page()
            add_records(page, data_of(body, self.edge), lambda media: [self.account.media_item(media, owned=owned)])
            stamps = [int(i.created_at.timestamp()) for i in page.items]
            newest = max([s for s in (newest, *stamps) if s is not None], default=None)
            if page.items or page.bad_records:
                yield page
            if not owned and context.cursor and stamps and max(stamps) <= mark:
                break  # the tags edge has no time filter: stop once a page holds nothing new
        yield Page(authors=[self.account.author()], cursor=str(newest) if newest is not None else None)


class HashtagStream(Stream):
    """Recent media (last 24 hours) with one hashtag; the hashtag's id is looked up once and kept in the cursor.

    Each lookup (`ig_hashtag_search`) counts against the account's 30 unique hashtags a week,
    which the settings enforce; the cursor is JSON: `id` and `newest` (epoch seconds).
    """

    def __init__(self, account: InstagramAccount, settings: InstagramSettings, tag: str) -> None:
        self.account, self.settings, self.tag = account, settings, tag
        self.name = f"hashtag:{tag}"

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        state = json.loads(context.cursor) if context.cursor else {}
        hashtag_id = state.get("id") or self.look_up()
        newest: int | None = state.get("newest")
        params = {"user_id": self.settings.ig_user_id, "fields": MEDIA_FIELDS.replace(",username", ""),
                  "limit": min(self.settings.page_size, 50)}
        for body in self.account.client.iter_edge(f"{hashtag_id}/recent_media", params, self.name,
                                                  self.settings.max_pages):
            page = Page()
            add_records(page, data_of(body, "recent_media"),
                        lambda media: [self.account.media_item(media, owned=False)])
            stamps = [int(i.created_at.timestamp()) for i in page.items]
            newest = max([s for s in (newest, *stamps) if s is not None], default=None)
            if page.items or page.bad_records:
                yield page
            if state.get("newest") and stamps and max(stamps) <= state["newest"]:
                break
        yield Page(cursor=json.dumps({"id": hashtag_id, "newest": newest}, sort_keys=True))

    def look_up(self) -> str:
        """The hashtag's id (GET /ig_hashtag_search?user_id=&q=)."""
        found = data_of(self.account.client.get("ig_hashtag_search", {"user_id": self.settings.ig_user_id,
                                                                     "q": self.tag}), "ig_hashtag_search")
        if not found or not isinstance(found[0], dict) or not found[0].get("id"):
            raise PermanentError(f"ig_hashtag_search: Instagram knows no hashtag #{self.tag}")
        return str(found[0]["id"])


class InstagramConnector(Connector):
    """Streams of one Instagram source, in the order they should run."""

    platform = PLATFORM
    settings_model = InstagramSettings
    description = ("Instagram Graph API (business/creator accounts): the account's media with like and comment "
                   "counts, comments and replies on recent media, media it is tagged in, recent hashtag media "
                   "(at most 30 unique hashtags a week)")
    auth = ("a long-lived token of the Facebook Page linked to the account (instagram_basic, "
            "instagram_manage_comments, pages_read_engagement, pages_show_list) in access_token_env")
    rate_limit_headers = USAGE_HEADERS

    def __init__(self, settings: InstagramSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        session.client.event_hooks["response"].append(error_hook(session, "instagram"))
        self.settings = settings
        self.account = InstagramAccount(GraphClient(session, (secrets or {}).get("access_token")), settings.ig_user_id)

    def streams(self) -> list[Stream]:
        streams: list[Stream] = [MediaEdgeStream(self.account, self.settings, "media", "media")]
        if self.settings.tags:
            streams.append(MediaEdgeStream(self.account, self.settings, "tags", "tags"))
        streams.append(RecentOwnedRefreshStream(
            self.account.client, MEDIA_FIELDS, {"fields": COMMENT_FIELDS, "limit": self.settings.comment_page_size},
            self.settings.max_comment_pages, lambda media: self.account.media_item(media, owned=True),
            self.account.comment_items))
        streams.extend(HashtagStream(self.account, self.settings, tag) for tag in self.settings.hashtags)
        return streams
