"""X API v2 calls: one authorised GET, next_token paging, error bodies as one line, tweets and users as items."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from connectors.base import Author, Counters, Item, ItemKind
from connectors.errors import AuthError, MalformedResponseError, PermanentError
from connectors.http import HttpSession, RateLimitHeaders
from connectors.oauth2 import TokenClient
from connectors.pagination import LoopGuard
from connectors.records import RECORD_ERRORS
from connectors.timestamps import parse_time

PLATFORM = "x"
WEB_URL = "https://x.com"
# X sends x-rate-limit-limit / -remaining / -reset (epoch seconds) per endpoint and 15-minute window.
RATE_LIMIT_HEADERS = RateLimitHeaders(
    remaining="x-rate-limit-remaining", limit="x-rate-limit-limit", reset="x-rate-limit-reset", reset_format="epoch",
)
TWEET_FIELDS = "created_at,public_metrics,author_id,conversation_id,referenced_tweets,in_reply_to_user_id,lang"
USER_FIELDS = "username,name,public_metrics"
REFERENCE_KINDS: dict[str, ItemKind] = {"replied_to": "reply", "quoted": "quote", "retweeted": "share"}
log = logging.getLogger(__name__)


def problem_line(response: httpx.Response) -> str:
    """The title, reason and first sentence of the detail of an X problem body, as one line."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    title = body.get("title") or body.get("error") or response.reason_phrase
    found = body.get("errors")
    errors: list[Any] = found if isinstance(found, list) else []
    reason = body.get("reason") or next((e.get("message") for e in errors if isinstance(e, dict)), None)
    detail = str(body.get("detail") or "").split(". ")[0].strip()
    parts = [str(title)] + ([f"reason {reason}"] if reason else []) + ([detail] if detail and detail != title else [])
    return ": ".join(parts)


def error_hook(session: HttpSession) -> Callable[[httpx.Response], None]:
    """An httpx response hook: a 401/403 becomes one AuthError line naming X's reason and the variable."""

    def hook(response: httpx.Response) -> None:
        if response.status_code not in (401, 403):
            return
        response.read()
        where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
        what = problem_line(response)
        if response.status_code == 403:
            hint = ("the app or token lacks access to this endpoint (client-not-enrolled: attach the app to a "
                    "project with the access level the endpoint needs; a user token needs the tweet.read and "
                    "users.read scopes)")
        else:
            hint = "the token was refused"
        raise AuthError(f"{where}: {response.status_code} {what}; {hint}: check the token in ${session.credential_env}")

    return hook


def tweets_of(body: Any, what: str) -> list[Any]:
    """The `data` list of a tweets response (absent when there are none)."""
    if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
        raise MalformedResponseError(f"{what}: expected a list of tweets, got {str(body)[:80]}")
    return body.get("data", [])


class XApi:
    """The API calls of one source, and how tweets and users become items and authors."""

    def __init__(self, client: TokenClient, username: str) -> None:
        self.client, self.username = client, username
        self._brand: dict[str, Any] | None = None

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """One authorised GET; the body must be a JSON object."""
        body, _ = self.client.get(path, params=params)
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{path}: expected a JSON object, got {str(body)[:80]}")
        return body

    def iter_pages(self, path: str, params: dict[str, Any], stream: str, token_param: str,
                   max_pages: int | None = None) -> Iterator[dict[str, Any]]:
        """Response bodies of a listing, following meta.next_token (loop-guarded, at most max_pages)."""
        guard, token, pages = LoopGuard(stream), None, 0
        while max_pages is None or pages < max_pages:
            body = self.get(path, {**params, token_param: token} if token else params)
            pages += 1
            yield body
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return
            guard.check(token)
        log.warning("%s: stopped after %d pages (older results are skipped)", stream, pages)

    def brand(self) -> dict[str, Any]:
        """The brand's user object (GET /users/by/username/:username), once per run."""
        if self._brand is None:
            body = self.get(f"users/by/username/{self.username}", {"user.fields": USER_FIELDS})
            if not isinstance(body.get("data"), dict):
                raise PermanentError(f"users/by/username/{self.username}: no such user ({problem_line_of(body)})")
            self._brand = body["data"]
        return self._brand

    @property
    def brand_id(self) -> str:
        """The brand's numeric user id."""
        return str(self.brand()["id"])

    def brand_author(self) -> Author:
        """The brand as an author, with its follower count."""
        return user_author(self.brand())

    def tweet_item(self, tweet: dict[str, Any], users: dict[str, Author], *, default_author: Author | None = None,
                   parent: str | None = None, kind: ItemKind | None = None) -> Item:
        """Our Item from a tweet: the brand's are owned; a reference (reply, quote, retweet) sets kind and parent."""
        author_id = tweet.get("author_id")
        author = users.get(str(author_id)) if author_id else default_author
        if author_id and str(author_id) == self.brand_id:
            author = self.brand_author()  # keep the brand's follower count whatever a listing expanded
        if author_id and author is None:
            author = Author(platform=PLATFORM, external_id=str(author_id), handle=str(author_id))
        owned = author is not None and author.external_id == self.brand_id
        references = [r for r in tweet.get("referenced_tweets") or [] if r.get("type") in REFERENCE_KINDS]
        found_kind: ItemKind = "post" if owned else "mention"
        found_parent = parent
        if references:
            found_kind, found_parent = REFERENCE_KINDS[references[0]["type"]], parent or str(references[0]["id"])
        metrics = tweet.get("public_metrics") or {}
        conversation = tweet.get("conversation_id")
        handle = author.handle if author and not author.handle.isdigit() else "i/web"
        return Item(
            platform=PLATFORM, external_id=str(tweet["id"]), kind=kind or found_kind,
            role="owned" if owned else "inbound", author=author, text=str(tweet["text"]),
            created_at=parse_time(tweet["created_at"]), url=f"{WEB_URL}/{handle}/status/{tweet['id']}",
            language=tweet.get("lang") if tweet.get("lang") not in (None, "und", "zxx") else None,
            parent_external_id=found_parent,
            root_external_id=str(conversation) if conversation and str(conversation) != str(tweet["id"]) else None,
            counters=Counters(likes=metrics.get("like_count"), shares=metrics.get("retweet_count"),
                              replies=metrics.get("reply_count"), quotes=metrics.get("quote_count"),
                              views=metrics.get("impression_count")),
            raw=tweet,
        )


def problem_line_of(body: dict[str, Any]) -> str:
    """The first error title and detail of a 200 body that carries `errors` instead of `data`."""
    errors = body.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    return str(first.get("detail") or first.get("title") or "no data")


def user_author(user: dict[str, Any]) -> Author:
    """An Author from an X user object (followers from public_metrics when asked for)."""
    metrics = user.get("public_metrics") or {}
    return Author(platform=PLATFORM, external_id=str(user["id"]), handle=str(user["username"]),
                  display_name=user.get("name"), url=f"{WEB_URL}/{user['username']}",
                  followers=metrics.get("followers_count"), following=metrics.get("following_count"))


def users_of(body: dict[str, Any], key: str = "users") -> dict[str, Author]:
    """The expanded users of a response (includes.users), by id; broken ones are skipped."""
    found: dict[str, Author] = {}
    for user in (body.get("includes") or {}).get(key) or []:
        try:
            found[str(user["id"])] = user_author(user)
        except RECORD_ERRORS:
            continue
    return found
