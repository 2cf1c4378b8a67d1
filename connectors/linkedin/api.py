"""LinkedIn Community Management API calls: versioned headers, start/count paging, ACCESS_DENIED as one line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import Author, Counters, Item, ItemKind
from connectors.errors import AuthError, MalformedResponseError, RateLimitedError
from connectors.http import HttpSession
from connectors.oauth2 import TokenClient

PLATFORM = "linkedin"
FEED_URL = "https://www.linkedin.com/feed/update/"
# Which permission each resource needs (Community Management API), for the one-line ACCESS_DENIED message.
PERMISSIONS = (("organizationalEntityShareStatistics", "rw_organization_admin"),
               ("networkSizes", "rw_organization_admin"), ("organizations", "rw_organization_admin"),
               ("organizationalEntityNotifications", "r_organization_social_feed"),
               ("socialActions", "r_organization_social_feed"), ("posts", "r_organization_social"))

log = logging.getLogger(__name__)


def from_millis(value: Any) -> datetime:
    """LinkedIn times: epoch milliseconds."""
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def seconds_to_midnight_utc(now: datetime) -> float:
    """Seconds until LinkedIn's daily limits reset (midnight UTC)."""
    midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), tzinfo=UTC)
    return (midnight - now).total_seconds()


def urn_path(urn: str) -> str:
    """A URN as one path segment (LinkedIn wants it percent-encoded)."""
    return quote(urn, safe="")


class Restli(str):
    """A query value in Rest.li 2.0 syntax: its ( ) , : are structure and must reach LinkedIn unencoded."""


def restli_list(values: list[str]) -> Restli:
    """List(a,b) with each value (a URN, say) percent-encoded inside."""
    return Restli(f"List({','.join(quote(v, safe='') for v in values)})")


def restli_query(params: dict[str, Any]) -> str:
    """A query string: plain values percent-encoded, Rest.li structures as they are."""
    return "&".join(f"{key}={value if isinstance(value, Restli) else quote(str(value), safe='')}"
                    for key, value in params.items())


def permission_for(path: str) -> str:
    """The permission the resource at `path` needs."""
    return next((permission for resource, permission in PERMISSIONS if f"/{resource}" in f"/{path}"),
                "r_organization_social")


def error_hook(session: HttpSession) -> Callable[[httpx.Response], None]:
    """An httpx response hook: a 401/403 becomes one AuthError line with LinkedIn's code and the permission."""

    def hook(response: httpx.Response) -> None:
        if response.status_code not in (401, 403, 429):
            return
        response.read()
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        path = response.request.url.path
        where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
        code, message = body.get("code") or response.reason_phrase, " ".join(str(body.get("message") or "").split())
        if response.status_code == 429:
            if "DAY limit" not in message:
                return  # a short throttle: the session waits Retry-After, or a minute
            raise RateLimitedError(f"{where}: 429 {code}: {message}", seconds_to_midnight_utc(session.clock()))
        if response.status_code == 403:
            raise AuthError(f"{where}: 403 {code}: {message or 'forbidden'}; the token needs the "
                            f"{permission_for(path)} permission and its member must be an administrator of the "
                            f"organization: check the token in ${session.credential_env}")
        raise AuthError(f"{where}: 401 {code}: the token was refused or expired: "
                        f"check the credentials in ${session.credential_env}")

    return hook


def elements_of(body: Any, what: str) -> list[Any]:
    """The `elements` of a collection response."""
    if not isinstance(body, dict) or not isinstance(body.get("elements", []), list):
        raise MalformedResponseError(f"{what}: expected a collection, got {str(body)[:80]}")
    return body.get("elements", [])


class LinkedInApi:
    """The calls of one source, and how posts and comments become items."""

    def __init__(self, client: TokenClient, organization_id: str, version: str) -> None:
        self.client, self.organization = client, f"urn:li:organization:{organization_id}"
        self.organization_id = organization_id
        self.headers = {"LinkedIn-Version": version, "X-Restli-Protocol-Version": "2.0.0"}
        self._author: Author | None = None

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One authorised GET with the versioned headers."""
        url = f"{path}?{restli_query(params)}" if params else path  # httpx would encode Rest.li's ( ) , :
        body, _ = self.client.get(url, headers=self.headers)
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{path}: expected a JSON object, got {str(body)[:80]}")
        return body

    def iter_collection(self, path: str, params: dict[str, Any], page_size: int,
                        max_pages: int) -> Iterator[list[Any]]:
        """Pages of a collection with start/count paging, until a short page or paging.total is reached."""
        start = 0
        for _ in range(max_pages):
            body = self.get(path, {**params, "start": start, "count": page_size})
            elements = elements_of(body, path)
            yield elements
            total = (body.get("paging") or {}).get("total")
            start += len(elements)
            if len(elements) < page_size or (total is not None and start >= int(total)):
                return
        log.warning("%s: stopped after %d pages (more results remain)", path, max_pages)

    def brand(self) -> Author:
        """The organization as an author, its follower count from networkSizes, once per run."""
        if self._author is None:
            organization = self.get(f"organizations/{self.organization_id}")
            size = self.get(f"networkSizes/{urn_path(self.organization)}", {"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"})
            vanity = organization.get("vanityName")
            self._author = Author(
                platform=PLATFORM, external_id=self.organization, handle=str(vanity or self.organization_id),
                display_name=organization.get("localizedName"),
                url=f"https://www.linkedin.com/company/{vanity or self.organization_id}",
                followers=size.get("firstDegreeSize"))
        return self._author

    def someone(self, urn: Any) -> Author | None:
        """An author from a person or organization URN (names need extra permissions: the URN is the handle)."""
        if not urn:
            return None
        if urn == self.organization:
            return self.brand()
        return Author(platform=PLATFORM, external_id=str(urn), handle=str(urn).rsplit(":", 1)[-1])

    def post_item(self, post: dict[str, Any], counters: Counters | None = None) -> Item:
        """A post: the organization's are owned (a reshare is a share), others' are mentions."""
        author = self.someone(post.get("author"))
        owned = post.get("author") == self.organization
        kind: ItemKind = ("share" if post.get("reshareContext") else "post") if owned else "mention"
        return Item(
            platform=PLATFORM, external_id=str(post["id"]), kind=kind, role="owned" if owned else "inbound",
            author=author, text=str(post.get("commentary") or ""),
            created_at=from_millis(post.get("publishedAt") or post["createdAt"]), url=FEED_URL + str(post["id"]),
            parent_external_id=(post.get("reshareContext") or {}).get("parent"),
            counters=counters or Counters(), raw=post,
        )

    def comment_item(self, comment: dict[str, Any], post_urn: str) -> Item:
        """A comment under its post, or a reply under its parent comment."""
        urn = str(comment.get("commentUrn") or comment["$URN"])
        parent = comment.get("parentComment")
        author = self.someone(comment.get("actor"))
        owned = comment.get("actor") == self.organization
        likes = (comment.get("likesSummary") or {}).get("totalLikes")
        replies = (comment.get("commentsSummary") or {}).get("aggregatedTotalComments")
        return Item(
            platform=PLATFORM, external_id=urn, kind="reply" if parent else "comment",
            role="owned" if owned else "inbound", author=author,
            text=str((comment.get("message") or {}).get("text") or ""),
            created_at=from_millis(comment["created"]["time"]), url=FEED_URL + post_urn,
            parent_external_id=str(parent or post_urn), root_external_id=post_urn,
            counters=Counters(likes=likes, replies=replies), raw=comment,
        )
