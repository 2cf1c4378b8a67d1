"""Facebook Pages (Graph API): the page's posts and counters, threaded comments, visitor posts, posts that tag it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from connectors.base import (
    Author,
    Connector,
    Counters,
    Item,
    ItemKind,
    Page,
    Stream,
    SyncContext,
)
from connectors.facebook.settings import FacebookSettings
from connectors.graph_api import USAGE_HEADERS, GraphClient, RecentOwnedRefreshStream, data_of, error_hook, parse_time
from connectors.http import HttpSession
from connectors.records import add_records

PLATFORM = "facebook"
WEB_URL = "https://www.facebook.com"
POST_FIELDS = ("id,message,story,created_time,permalink_url,from,shares,"
               "reactions.summary(total_count).limit(0),comments.filter(stream).summary(true).limit(0)")
COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,parent{id},permalink_url"
PAGE_FIELDS = "id,name,username,link,fan_count,followers_count"


def summary_count(post: dict[str, Any], edge: str) -> int | None:
    """`<edge>.summary.total_count` of a post (None when the edge was not returned)."""
    summary = (post.get(edge) or {}).get("summary")
    return int(summary["total_count"]) if isinstance(summary, dict) and "total_count" in summary else None


class FacebookPage:
    """The page of one source: who it is, and how its posts and comments become items."""

    def __init__(self, client: GraphClient, page_id: str) -> None:
        self.client, self.page_id = client, page_id
        self._author: Author | None = None

    def author(self) -> Author:
        """The page as an author (followers_count, else fan_count, as followers), once per run."""
        if self._author is None:
            page = self.client.get(self.page_id, {"fields": PAGE_FIELDS})
            followers = page.get("followers_count", page.get("fan_count"))
            self._author = Author(platform=PLATFORM, external_id=str(page["id"]),
                                  handle=str(page.get("username") or page.get("name") or page["id"]),
                                  display_name=page.get("name"), url=page.get("link") or f"{WEB_URL}/{page['id']}",
                                  followers=int(followers) if followers is not None else None)
        return self._author

    def someone(self, who: Any) -> Author | None:
        """The author of a post or comment from its `from` (absent for people without the user-content permission)."""
        if not isinstance(who, dict) or not who.get("id"):
            return None
        if str(who["id"]) == self.page_id:
            return self.author()
        name = who.get("name")
        return Author(platform=PLATFORM, external_id=str(who["id"]), handle=str(name or who["id"]), display_name=name)

    def post_item(self, post: dict[str, Any], *, published: bool) -> Item:
        """A post: on the published_posts edge the page's own, else by whoever `from` names."""
        author = self.author() if published else self.someone(post.get("from"))
        owned = author is not None and author.external_id == self.page_id
        kind: ItemKind = "post" if owned else "mention"
        return Item(
            platform=PLATFORM, external_id=str(post["id"]), kind=kind, role="owned" if owned else "inbound",
            author=author, text=str(post.get("message") or post.get("story") or ""),
            created_at=parse_time(post["created_time"]), url=post.get("permalink_url"),
            counters=Counters(likes=summary_count(post, "reactions"), replies=summary_count(post, "comments"),
                              shares=int((post.get("shares") or {}).get("count") or 0) if "shares" in post else None),
            raw=post,
        )

    def comment_item(self, comment: dict[str, Any], post_id: str) -> Item:
        """A comment under a post, or a reply under its comment (`parent`); the page's own are owned."""
        author = self.someone(comment.get("from"))
        owned = author is not None and author.external_id == self.page_id
        parent = (comment.get("parent") or {}).get("id")
        return Item(
            platform=PLATFORM, external_id=str(comment["id"]), kind="reply" if parent else "comment",
            role="owned" if owned else "inbound", author=author, text=str(comment.get("message") or ""),
            created_at=parse_time(comment["created_time"]), url=comment.get("permalink_url"),
            parent_external_id=str(parent or post_id), root_external_id=post_id,
            counters=Counters(likes=comment.get("like_count"), replies=comment.get("comment_count")),
            raw=comment,
        )


class EdgeStream(Stream):
    """A newest-first post edge of the page read back to the stored mark (`since`, epoch seconds).

    The mark moves, on the final empty page, to the newest creation time seen.
    """

    def __init__(self, page: FacebookPage, settings: FacebookSettings, name: str, edge: str) -> None:
        self.page, self.settings, self.name, self.edge = page, settings, name, edge

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        back = context.now - timedelta(days=self.settings.backfill_days)
        since = int(context.cursor) if context.cursor else int(back.timestamp())
        newest = since if context.cursor else None
        params = {"fields": POST_FIELDS, "limit": self.settings.page_size, "since": since}
        published = self.edge == "published_posts"
        for body in self.page.client.iter_edge(f"{self.settings.page_id}/{self.edge}", params, self.name,
                                               self.settings.max_pages):
            page = Page()
            add_records(page, data_of(body, self.edge), lambda post: self.page.post_item(post, published=published))
            stamps = [int(i.created_at.timestamp()) for i in page.items]
            newest = max([s for s in (newest, *stamps) if s is not None], default=None)
            if page.items or page.bad_records:
                yield page
        yield Page(authors=[self.page.author()], cursor=str(newest) if newest is not None else None)


class FacebookConnector(Connector):
    """Streams of one Facebook Page source, in the order they should run."""

    platform = PLATFORM
    settings_model = FacebookSettings
    description = ("Facebook Pages (Graph API): the page's published posts with reactions, comment and share "
                   "counts, threaded comments and replies on recent posts, visitor posts and posts that tag the page")
    auth = ("a page access token (pages_show_list, pages_read_engagement, pages_read_user_content) "
            "in page_token_env")
    rate_limit_headers = USAGE_HEADERS

    def __init__(self, settings: FacebookSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        session.client.event_hooks["response"].append(error_hook(session, "page"))
        self.settings = settings
        self.page = FacebookPage(GraphClient(session, (secrets or {}).get("page_token")), settings.page_id)

    def streams(self) -> list[Stream]:
        streams: list[Stream] = [EdgeStream(self.page, self.settings, "posts", "published_posts")]
        if self.settings.visitor_posts:
            streams.append(EdgeStream(self.page, self.settings, "visitor_posts", "visitor_posts"))
        if self.settings.tagged:
            streams.append(EdgeStream(self.page, self.settings, "tagged", "tagged"))
        comment_params = {"filter": "stream", "order": "chronological", "fields": COMMENT_FIELDS,
                          "limit": self.settings.comment_page_size}
        streams.append(RecentOwnedRefreshStream(
            self.page.client, POST_FIELDS, comment_params, self.settings.max_comment_pages,
            lambda post: self.page.post_item(post, published=True),
            lambda comment, post: self.page.comment_item(comment, str(post.get("id")))))
        return streams
