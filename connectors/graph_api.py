"""Meta's Graph API (Facebook Pages, Instagram): usage headers as a quota, error codes as one line, cursor paging."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from connectors.base import Item, Page, Stream, SyncContext
from connectors.errors import AuthError, ConnectorError, MalformedResponseError, PermanentError, RateLimitedError
from connectors.http import HttpSession, Quota, RateLimitHeaders
from connectors.pagination import LoopGuard
from connectors.records import add_records

USAGE_WINDOW = timedelta(hours=1)  # app and business use-case limits are rolling one-hour windows
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80005, 80006, 80008})
TOKEN_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
THROTTLED_WAIT_SECONDS = 3600.0  # Meta names no wait: the rolling window needs up to an hour
_PERMISSION = re.compile(r"'([a-z_]+)' permission|\b([a-z]+(?:_[a-z]+)+) permission")
_TOKEN_PARAM = re.compile(r"(?i)(access_token=)[^&\s\"']+")

log = logging.getLogger(__name__)


def parse_time(value: str) -> datetime:
    """Graph timestamps: ISO 8601 with a +0000 offset."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    return moment.astimezone(UTC)


def _usage_numbers(value: str | None) -> list[tuple[float, float]]:
    """(percent used, minutes until access returns) for every counter in a usage header."""
    if not value:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    entries: list[Any] = [data] if isinstance(data, dict) and "call_count" in data else []
    if isinstance(data, dict) and not entries:
        entries = [e for group in data.values() if isinstance(group, list) for e in group]
    found = []
    for entry in entries:
        if isinstance(entry, dict):
            used = max(float(entry.get(k) or 0) for k in ("call_count", "total_time", "total_cputime"))
            found.append((used, float(entry.get("estimated_time_to_regain_access") or 0)))
    return found


def read_usage(response: httpx.Response, now: datetime) -> Quota:
    """X-App-Usage, X-Business-Use-Case-Usage and X-Page-Usage as one quota in percent of the busiest limit."""
    numbers = [n for header in ("X-App-Usage", "X-Business-Use-Case-Usage", "X-Page-Usage")
               for n in _usage_numbers(response.headers.get(header))]
    if not numbers:
        return Quota()
    used = max(u for u, _ in numbers)
    regain = max(m for _, m in numbers)
    reset = now + (timedelta(minutes=regain) if regain else USAGE_WINDOW)
    return Quota(remaining=max(0.0, 100.0 - used), limit=100.0, reset_at=reset)


USAGE_HEADERS = RateLimitHeaders(parse=read_usage)


def graph_error(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a Graph error body (empty when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def redact(text: str) -> str:
    """The text with any access_token query value replaced (Graph echoes tokens in paging links)."""
    return _TOKEN_PARAM.sub(r"\1[redacted]", text)


def error_line(error: dict[str, Any]) -> str:
    """Code, subcode and message of a Graph error, one line."""
    code = error.get("code")
    sub = f"/{error['error_subcode']}" if error.get("error_subcode") else ""
    message = " ".join(str(error.get("message") or "no message").split())
    return f"Graph error {code}{sub}: {redact(message)}"


def missing_permission(message: str) -> str | None:
    """The permission a Graph error message names (such as pages_read_engagement), if it names one."""
    match = _PERMISSION.search(message)
    return (match.group(1) or match.group(2)) if match else None


def error_hook(session: HttpSession, platform: str) -> Callable[[httpx.Response], None]:
    """An httpx response hook: Graph throttling, token and permission errors become our error classes.

    Meta sends throttling as 400/403 with codes 4, 17, 32, 613 or 800xx, and permission errors
    as codes 10, 200-299 or a 100 whose message names a permission; a refused token is 190.
    """

    def hook(response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        response.read()
        error = graph_error(response)
        code = error.get("code")
        where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
        if code in RATE_LIMIT_CODES:
            quota = read_usage(response, session.clock())
            wait = (quota.reset_at - session.clock()).total_seconds() if quota.reset_at else THROTTLED_WAIT_SECONDS
            raise RateLimitedError(f"{where}: throttled ({error_line(error)})", wait)
        permission = missing_permission(str(error.get("message") or ""))
        if code in TOKEN_CODES or response.status_code == 401:
            raise AuthError(f"{where}: the {platform} token was refused ({error_line(error)}): "
                            f"get a new long-lived page token into ${session.credential_env}")
        if code in PERMISSION_CODES or (code == 100 and permission):
            needed = f"the {permission} permission" if permission else "a permission it lacks"
            raise AuthError(f"{where}: the token in ${session.credential_env} needs {needed} "
                            f"({error_line(error)})")
        if error and response.status_code < 500:
            raise PermanentError(f"{where}: {error_line(error)}")

    return hook


def data_of(body: Any, what: str) -> list[Any]:
    """The `data` list of an edge response."""
    if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
        raise MalformedResponseError(f"{what}: expected an edge with data, got {str(body)[:80]}")
    return body.get("data", [])


class GraphClient:
    """GETs against one versioned Graph base URL with a token from the environment (sent as a header)."""

    def __init__(self, session: HttpSession, token: str | None) -> None:
        self.session, self.token = session, token

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """One GET; the token travels in the Authorization header, never in a URL or message."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            body, _ = self.session.get_json(path, params=params, headers=headers)
        except ConnectorError as error:
            error.args = tuple(redact(str(a)) for a in error.args)
            raise
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{path}: expected a JSON object, got {str(body)[:80]}")
        return body

    def iter_edge(self, path: str, params: dict[str, Any], stream: str,
                  max_pages: int | None = None) -> Iterator[dict[str, Any]]:
        """Pages of an edge: `after` from paging.cursors while paging.next says there is more."""
        guard, after, pages = LoopGuard(stream), None, 0
        while max_pages is None or pages < max_pages:
            body = self.get(path, {**params, "after": after} if after else params)
            pages += 1
            yield body
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            guard.check(after)
        log.warning("%s: stopped after %d pages (more results remain)", stream, pages)


class RecentOwnedRefreshStream(Stream):
    """Re-reads the source's recent owned objects (posts, media): their counters, then every comment.

    An object the API no longer gives (deleted since, or out of the token's reach) keeps what was
    stored and is counted as skipped.
    """

    name = "comments"

    def __init__(self, client: GraphClient, object_fields: str, comment_params: dict[str, Any], max_comment_pages: int,
                 owned_item: Callable[[dict[str, Any]], Item | list[Item]],
                 comment_items: Callable[[dict[str, Any], dict[str, Any]], Item | list[Item]]) -> None:
        self.client, self.object_fields = client, object_fields
        self.comment_params, self.max_comment_pages = comment_params, max_comment_pages
        self.owned_item, self.comment_items = owned_item, comment_items

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        for object_id in context.recent_owned_ids:
            try:
                owned = self.client.get(object_id, {"fields": self.object_fields})
            except PermanentError:
                gone = Page()
                gone.skip("deleted or out of reach")
                yield gone
                continue
            yield self.refresh_one(owned)

    def refresh_one(self, owned: dict[str, Any]) -> Page:
        """One page for one object: itself and its comments, in the order the API gives them."""
        page = Page()
        add_records(page, [owned], self.owned_item)
        for body in self.client.iter_edge(f"{owned.get('id')}/comments", self.comment_params, self.name,
                                          self.max_comment_pages):
            add_records(page, data_of(body, "comments"), lambda comment: self.comment_items(comment, owned))
        return page
