"""Bluesky views -> our Items and Authors: pure mapping of the AppView's documented JSON shapes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Author, BadRecord, Counters, Item, ItemKind, Page
from connectors.errors import MalformedItemError

PLATFORM = "bluesky"
POST_TYPE = "app.bsky.feed.post"
REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
BLOCKED_VIEW = "app.bsky.feed.defs#blockedPost"
MENTION_FEATURE = "app.bsky.richtext.facet#mention"
RECORD_EMBED = "app.bsky.embed.record"
RECORD_WITH_MEDIA_EMBED = "app.bsky.embed.recordWithMedia"


def parse_time(value: Any) -> datetime:
    """An AT Protocol datetime (RFC 3339 with a zone); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"expected a datetime string, got {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"datetime without time zone: {value!r}")
    return moment


def believable_time(claimed: Any, indexed: datetime, skew: timedelta) -> datetime:
    """The client-asserted `createdAt` unless it is missing, broken or after `indexedAt` + skew.

    `createdAt` is written by the author's client and may lie; `indexedAt` is when the
    AppView saw the record. A creation time in the future of its indexing is impossible
    beyond clock skew, so then the indexing time is used. Backdated times are kept
    (imported archives are legitimately old).
    """
    try:
        created = parse_time(claimed)
    except ValueError:
        return indexed
    return indexed if created > indexed + skew else created


def post_sort_time(post: dict[str, Any]) -> datetime:
    """Where a post sorts in AppView listings: the earlier of createdAt and indexedAt."""
    indexed = parse_time(post["indexedAt"])
    try:
        return min(indexed, parse_time(post["record"]["createdAt"]))
    except (KeyError, TypeError, ValueError):
        return indexed


def rkey_of(uri: str) -> str:
    """The record key, the last segment of an at:// URI."""
    return uri.rsplit("/", 1)[-1]


def quoted_uri(record: dict[str, Any]) -> str | None:
    """The at:// URI of the post a record quotes (record or recordWithMedia embed), if any."""
    embed = record.get("embed")
    if not isinstance(embed, dict):
        return None
    ref = embed.get("record")
    if embed.get("$type") == RECORD_WITH_MEDIA_EMBED and isinstance(ref, dict):
        ref = ref.get("record")
    elif embed.get("$type") != RECORD_EMBED:
        return None
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) and f"/{POST_TYPE}/" in uri else None


def mentioned_dids(record: dict[str, Any]) -> set[str]:
    """DIDs the record's rich-text facets mention."""
    dids = set()
    for facet in record.get("facets") or []:
        for feature in (facet.get("features") or []) if isinstance(facet, dict) else []:
            if isinstance(feature, dict) and feature.get("$type") == MENTION_FEATURE:
                dids.add(str(feature.get("did")))
    return dids


def kind_of(record: dict[str, Any], owned: bool, brand_did: str) -> ItemKind:
    """reply > quote > mention (of the brand, by someone else) > post."""
    if record.get("reply"):
        return "reply"
    if quoted_uri(record):
        return "quote"
    if not owned and brand_did in mentioned_dids(record):
        return "mention"
    return "post"


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def author_of(profile: dict[str, Any], web_url: str) -> Author:
    """Our Author from a profileView, profileViewBasic or profileViewDetailed (only it has counts)."""
    did = str(profile["did"])
    return Author(
        platform=PLATFORM, external_id=did, handle=str(profile["handle"]),
        display_name=profile.get("displayName") or None, url=f"{web_url}/profile/{did}",
        followers=_count(profile.get("followersCount")), following=_count(profile.get("followsCount")),
    )


def repost_id(reposter_did: str, post_uri: str, when: datetime) -> str:
    """A stable id for a repost the AppView names without its record URI: who, what and when."""
    return f"repost:{reposter_did}:{post_uri}@{when.astimezone(UTC).isoformat()}"


def _post_uri(feed_view: Any) -> str:
    post = feed_view.get("post") if isinstance(feed_view, dict) else None
    return str(post.get("uri")) if isinstance(post, dict) else "?"


@dataclass(frozen=True)
class RecordMapper:
    """Maps views for one brand: its DID decides what is owned; its profile carries follower counts."""

    brand_did: str
    brand: Author | None
    web_url: str
    clock_skew: timedelta

    def author(self, profile: dict[str, Any]) -> Author:
        """Our Author from a profile view; the brand keeps the follower counts of its detailed profile."""
        if self.brand is not None and profile["did"] == self.brand_did:
            return self.brand
        return author_of(profile, self.web_url)

    def item(self, post: Any) -> Item:
        """Our Item from a postView; MalformedItemError when it lacks what the lexicon requires."""
        try:
            return self._item(post)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            uri = post.get("uri") if isinstance(post, dict) else None
            raise MalformedItemError(f"post {uri or '?'}: {error!r}") from error

    def _item(self, post: dict[str, Any]) -> Item:
        uri, record, author = str(post["uri"]), post["record"], self.author(post["author"])
        if not uri.startswith("at://") or record.get("$type", POST_TYPE) != POST_TYPE:
            raise ValueError(f"not a post record: {uri} ({record.get('$type')})")
        if not isinstance(record["text"], str):
            raise ValueError("record.text is not a string")
        owned = author.external_id == self.brand_did
        kind = kind_of(record, owned, self.brand_did)
        reply = record.get("reply") or {}
        langs = record.get("langs") or []
        return Item(
            platform=PLATFORM, external_id=uri, kind=kind, role="owned" if owned else "inbound",
            author=author, text=record["text"],
            created_at=believable_time(record.get("createdAt"), parse_time(post["indexedAt"]), self.clock_skew),
            url=f"{self.web_url}/profile/{author.external_id}/post/{rkey_of(uri)}",
            language=langs[0] if langs and isinstance(langs[0], str) else None,
            parent_external_id=reply["parent"]["uri"] if reply else quoted_uri(record),
            root_external_id=reply["root"]["uri"] if reply else None,
            counters=Counters(likes=_count(post.get("likeCount")), shares=_count(post.get("repostCount")),
                              replies=_count(post.get("replyCount")), quotes=_count(post.get("quoteCount"))),
            raw=post,
        )

    def repost_item(self, feed_view: dict[str, Any]) -> Item:
        """A repost in an author feed as a share item; MalformedItemError when it lacks who or when.

        AppViews leave the repost record's `uri` out of `reasonRepost` (only `by` and `indexedAt`
        are required), so without it the id is built from who reposted what, and when.
        """
        reason = feed_view["reason"]
        try:
            by = self.author(reason["by"])
            post_uri, when = str(feed_view["post"]["uri"]), parse_time(reason["indexedAt"])
            return Item(
                platform=PLATFORM, external_id=str(reason.get("uri") or repost_id(by.external_id, post_uri, when)),
                kind="share", role="owned" if by.external_id == self.brand_did else "inbound", author=by, text="",
                created_at=when, url=None, parent_external_id=post_uri, raw=feed_view,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise MalformedItemError(f"repost of {_post_uri(feed_view)}: {error!r}") from error

    def page_of_posts(self, posts: Iterable[Any]) -> Page:
        """A page of postViews; a broken one becomes a BadRecord and the rest go on."""
        page = Page()
        for post in posts:
            self.add_post(page, post)
        return page

    def add_post(self, page: Page, post: Any) -> Item | None:
        """Append one postView to a page as an item, or as a bad record."""
        try:
            item = self.item(post)
        except MalformedItemError as error:
            page.bad_records.append(BadRecord(str(error), post, post.get("uri") if isinstance(post, dict) else None))
            return None
        page.items.append(item)
        return item
