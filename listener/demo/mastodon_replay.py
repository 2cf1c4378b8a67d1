"""A loopback fake Mastodon instance that replays the demo world through the documented REST API.

Every timestamp is `now - offset`, so the replayed history always ends at the moment the
server starts. Nothing here touches the network beyond the loopback socket it listens on.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from listener.demo.dataset import DemoWorld, build_demo_world
from listener.demo.mastodon_entities import MastodonRenderer, ReplayIndex, build_index

__all__ = ["ReplayServer", "start_replay_server", "PageRequest", "select_page"]

RATE_LIMIT = 300
RATE_PERIOD_SECONDS = 300
STATUS_LIMITS = (20, 40)
ACCOUNT_LIMITS = (40, 80)
NOTIFICATION_LIMITS = (40, 80)
PAGING_KEYS = frozenset({"max_id", "since_id", "min_id"})
TRUTHY = frozenset({"1", "true", "t", "on", "yes"})
RECORD_NOT_FOUND = {"error": "Record not found"}
ROUTE_NOT_FOUND = {"error": "The page you are looking for isn't here."}
INVALID_TOKEN = {"error": "The access token is invalid"}
JSON_TYPE = "application/json; charset=utf-8"
T = TypeVar("T")
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Response:
    """An HTTP response ready to be written."""

    status: int
    body: bytes
    headers: dict[str, str]


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response with Mastodon's content type."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, _merge_headers({"Content-Type": JSON_TYPE}, headers or {}))


def _merge_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """Overlay `extra` on `base`, header names compared case-insensitively."""
    merged = {k: v for k, v in base.items() if k.lower() not in {e.lower() for e in extra}}
    merged.update(extra)
    return merged


@dataclass(frozen=True)
class Request:
    """The parts of a GET request the routes read."""

    path: str
    query: list[tuple[str, str]]
    authorization: str | None

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, or None."""
        values = self.values(name)
        return values[-1] if values else None

    def values(self, *names: str) -> list[str]:
        """Every value given under any of these names (e.g. "types[]" and "types")."""
        return [v for k, v in self.query if k in names]

    def flag(self, name: str) -> bool:
        """Whether a boolean query parameter is set to a truthy value."""
        return (self.param(name) or "").lower() in TRUTHY


@dataclass(frozen=True)
class PageRequest:
    """Mastodon's id-based paging parameters, with the limit already clamped."""

    limit: int
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None

    @classmethod
    def parse(cls, request: Request, limits: tuple[int, int]) -> PageRequest:
        """Read limit/max_id/since_id/min_id; unparseable ids are ignored."""
        default, maximum = limits
        limit = _to_int(request.param("limit"))
        limit = default if limit is None else min(max(abs(limit), 1), maximum)
        ids = (_to_int(request.param(k)) for k in ("max_id", "since_id", "min_id"))
        return cls(limit, *ids)

    def admits(self, item_id: int) -> bool:
        """Whether an id is inside the requested range."""
        return (
            (self.max_id is None or item_id < self.max_id)
            and (self.since_id is None or item_id > self.since_id)
            and (self.min_id is None or item_id > self.min_id)
        )


def _to_int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def select_page(items: Sequence[tuple[int, T]], page: PageRequest, offset: int = 0) -> list[tuple[int, T]]:
    """One page of newest-first `(id, item)` pairs: min_id takes the oldest ones right after it."""
    kept = [item for item in items if page.admits(item[0])][offset:]
    return kept[-page.limit:] if page.min_id is not None else kept[: page.limit]


class _RateWindow:
    """Mastodon's 300 requests per 5-minute window, aligned to the epoch like Rack::Attack."""

    def __init__(self, clock: Clock, limit: int = RATE_LIMIT) -> None:
        self._clock = clock
        self._limit = limit
        self._window = -1
        self._used = 0

    def tick(self) -> dict[str, str]:
        """Count one request and return the rate-limit headers for its response."""
        window = int(self._clock().timestamp() // RATE_PERIOD_SECONDS)
        if window != self._window:
            self._window, self._used = window, 0
        self._used += 1
        reset = datetime.fromtimestamp((window + 1) * RATE_PERIOD_SECONDS, UTC)
        return {
            "X-RateLimit-Limit": str(self._limit),
            "X-RateLimit-Remaining": str(max(0, self._limit - self._used)),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }


class _ReplayApp:
    """Routes requests to the indexed world; all mutable state sits behind one lock."""

    def __init__(self, index: ReplayIndex, base_url: str, require_token: str | None, rate: _RateWindow) -> None:
        self.index = index
        self.base_url = base_url
        self.render = MastodonRenderer(index, base_url)
        self.require_token = require_token
        self._lock = threading.Lock()
        self._rate = rate
        self._faults: deque[Response] = deque()
        self._search_rows = [
            (index.ids[seq], seq, index.status(seq).text.casefold())
            for seq in sorted(range(len(index.ids)), key=index.ids.__getitem__, reverse=True)
            if index.status(seq).reblog_of is None
        ]
        self._routes: list[tuple[re.Pattern[str], Callable[..., Response], bool]] = [
            (re.compile(r"/api/v1/accounts/lookup"), self._lookup, False),
            (re.compile(r"/api/v1/accounts/(\d+)"), self._account, False),
            (re.compile(r"/api/v1/accounts/(\d+)/statuses"), self._account_statuses, False),
            (re.compile(r"/api/v1/statuses/(\d+)(/context)?"), self._status, False),
            (re.compile(r"/api/v1/statuses/(\d+)/(reblogged_by|favourited_by)"), self._interactions, False),
            (re.compile(r"/api/v1/timelines/tag/([^/]+)"), self._tag_timeline, False),
            (re.compile(r"/api/v1/notifications"), self._notifications, True),
            (re.compile(r"/api/v2/search"), self._search, True),
        ]

    def add_faults(self, response: Response, count: int) -> None:
        """Answer the next `count` requests with `response`."""
        with self._lock:
            self._faults.extend([response] * count)

    def handle(self, method: str, target: str, authorization: str | None) -> Response:
        """Answer one request: count it, serve a queued fault if any, else route it."""
        with self._lock:
            rate_headers = self._rate.tick()
            fault = self._faults.popleft() if self._faults else None
        response = fault or self._dispatch(method, target, authorization)
        return Response(response.status, response.body, _merge_headers(rate_headers, response.headers))

    def _dispatch(self, method: str, target: str, authorization: str | None) -> Response:
        split = urlsplit(target)
        request = Request(split.path.rstrip("/") or "/", parse_qsl(split.query, keep_blank_values=True), authorization)
        if method != "GET":
            return json_response(ROUTE_NOT_FOUND, 404)
        for pattern, handler, private in self._routes:
            match = pattern.fullmatch(request.path)
            if match:
                return self._auth_error(request, private) or handler(request, *match.groups())
        return json_response(ROUTE_NOT_FOUND, 404)

    def _auth_error(self, request: Request, private: bool) -> Response | None:
        token = _bearer(request.authorization)
        if self.require_token is None or (token is None and not private) or token == self.require_token:
            return None
        return json_response(INVALID_TOKEN, 401)

    def _viewer(self, request: Request) -> bool:
        return _bearer(request.authorization) is not None

    def _paged(self, request: Request, items: Sequence[tuple[int, T]], limits: tuple[int, int],
               render: Callable[[T], Any]) -> Response:
        page = PageRequest.parse(request, limits)
        rows = select_page(items, page)
        link = self._link_header(request, rows, page.limit)
        return json_response([render(item) for _, item in rows], headers={"Link": link} if link else None)

    def _link_header(self, request: Request, rows: Sequence[tuple[int, Any]], limit: int) -> str | None:
        """Mastodon's Link header: "next" only when the page is full, "prev" whenever it is not empty."""
        if not rows:
            return None
        links = [f'<{self._page_url(request, "min_id", rows[0][0])}>; rel="prev"']
        if len(rows) == limit:
            links.insert(0, f'<{self._page_url(request, "max_id", rows[-1][0])}>; rel="next"')
        return ", ".join(links)

    def _page_url(self, request: Request, key: str, value: int) -> str:
        params = [(k, v) for k, v in request.query if k not in PAGING_KEYS] + [(key, str(value))]
        return f"{self.base_url}{request.path}?{urlencode(sorted(params, key=lambda kv: kv[0]))}"

    def _lookup(self, request: Request) -> Response:
        username, _, domain = (request.param("acct") or "").lstrip("@").partition("@")
        local = not domain or domain.lower() == urlsplit(self.base_url).netloc.lower()
        account = self.index.world.find_account(username, None if local else domain)
        return json_response(self.render.account(account.id)) if account else json_response(RECORD_NOT_FOUND, 404)

    def _account(self, request: Request, account_id: str) -> Response:
        if account_id not in self.index.world.accounts_by_id:
            return json_response(RECORD_NOT_FOUND, 404)
        return json_response(self.render.account(account_id))

    def _account_statuses(self, request: Request, account_id: str) -> Response:
        if account_id not in self.index.world.accounts_by_id:
            return json_response(RECORD_NOT_FOUND, 404)
        seqs = [s for s in self.index.account_statuses.get(account_id, []) if self._keeps(request, s, account_id)]
        viewer = self._viewer(request)
        return self._paged(request, [(self.index.ids[s], s) for s in seqs], STATUS_LIMITS,
                           lambda s: self.render.status(s, viewer=viewer))

    def _keeps(self, request: Request, seq: int, account_id: str) -> bool:
        """The account-timeline filters: exclude_replies, exclude_reblogs, only_media, pinned, tagged."""
        status = self.index.status(seq)
        parent = None if status.in_reply_to is None else self.index.status(status.in_reply_to)
        tagged = (request.param("tagged") or "").lstrip("#").lower()
        return not (
            (request.flag("exclude_replies") and parent is not None and parent.account_id != account_id)
            or (request.flag("exclude_reblogs") and status.reblog_of is not None)
            or request.flag("only_media") or request.flag("pinned")
            or (tagged and tagged not in status.tags)
        )

    def _status_seq(self, status_id: str) -> int | None:
        return self.index.seq_by_id.get(int(status_id))

    def _status(self, request: Request, status_id: str, context: str | None) -> Response:
        """A Status, or its Context when the path ends in /context."""
        seq = self._status_seq(status_id)
        if seq is None:
            return json_response(RECORD_NOT_FOUND, 404)
        render = self.render.context if context else self.render.status
        return json_response(render(seq, viewer=self._viewer(request)))

    def _interactions(self, request: Request, status_id: str, kind: str) -> Response:
        """Accounts that boosted/favourited a status, paged by the reblog/favourite record ids."""
        seq = self._status_seq(status_id)
        if seq is None:
            return json_response(RECORD_NOT_FOUND, 404)
        records = (self.index.reblogs if kind == "reblogged_by" else self.index.favourites).get(seq, [])
        return self._paged(request, records, ACCOUNT_LIMITS, self.render.account)

    def _tag_timeline(self, request: Request, hashtag: str) -> Response:
        seqs = self.index.tag_statuses.get(unquote(hashtag).lstrip("#").lower(), [])
        viewer = self._viewer(request)
        return self._paged(request, [(self.index.ids[s], s) for s in seqs], STATUS_LIMITS,
                           lambda s: self.render.status(s, viewer=viewer))

    def _notifications(self, request: Request) -> Response:
        types = set(request.values("types[]", "types"))
        excluded = set(request.values("exclude_types[]", "exclude_types"))
        account_id = request.param("account_id")
        rows = [
            (n.id, n) for n in self.index.notifications
            if (not types or n.type in types) and n.type not in excluded
            and (account_id is None or n.account_id == account_id)
        ]
        return self._paged(request, rows, NOTIFICATION_LIMITS, self.render.notification)

    def _search(self, request: Request) -> Response:
        """v2 search over statuses only: substring match on plain text; ids and offset page it, no Link header."""
        query = (request.param("q") or "").strip().casefold()
        if not query:
            return json_response({"error": "param is missing or the value is empty: q"}, 400)
        kind = request.param("type") or None
        page = PageRequest.parse(request, STATUS_LIMITS)
        offset = max(0, _to_int(request.param("offset")) or 0)
        statuses: list[Any] = []
        if kind in (None, "statuses"):
            account_id = request.param("account_id")
            rows = [(i, s) for i, s, text in self._search_rows
                    if query in text and (account_id is None or self.index.status(s).account_id == account_id)]
            statuses = [self.render.status(s, viewer=True) for _, s in select_page(rows, page, offset)]
        return json_response({"accounts": [], "statuses": statuses, "hashtags": []})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class _ReplayHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server carrying the app its handlers call."""

    daemon_threads = True
    app: _ReplayApp


class _Handler(BaseHTTPRequestHandler):
    """Writes the app's responses; keep-alive HTTP/1.1, silent logging."""

    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024  # headers and body leave in one send; the base class flushes after each request
    disable_nagle_algorithm = True
    server_version = "Mastodon"
    sys_version = ""
    timeout = 30
    server: _ReplayHTTPServer

    def do_GET(self) -> None:
        """Serve a GET request."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Answer any write with Mastodon's route-not-found error."""
        self._serve(self.command)

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        response = self.server.app.handle(method, self.path, self.headers.get("Authorization"))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        """Stay quiet: tests and the demo do not want access logs on stderr."""


class ReplayServer:
    """A running replay server: `.url`, `.stop()`, `.fail_next()`; also a context manager."""

    def __init__(self, httpd: _ReplayHTTPServer, thread: threading.Thread, world: DemoWorld, now: datetime) -> None:
        self._httpd = httpd
        self._thread = thread
        self.world = world
        self.now = now
        self.url = httpd.app.base_url
        self._stopped = False

    @property
    def index(self) -> ReplayIndex:
        """The world as pinned to this server's `now` (ids, timestamps, orderings)."""
        return self._httpd.app.index

    def fail_next(self, status: int, count: int = 1, headers: dict[str, str] | None = None,
                  body: str | None = None) -> None:
        """Make the next `count` requests answer `status` with these headers and body."""
        if body is None:
            response = json_response({"error": _reason(status)}, status, headers)
        else:
            kind = "text/html; charset=utf-8" if body.lstrip().startswith("<") else JSON_TYPE
            response = Response(status, body.encode(), _merge_headers({"Content-Type": kind}, headers or {}))
        self._httpd.app.add_faults(response, count)

    def stop(self) -> None:
        """Stop serving and close the socket; calling it twice is harmless."""
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def start_replay_server(
    world: DemoWorld | None = None,
    *,
    now: datetime | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    require_token: str | None = None,
    clock: Clock = _utc_now,
    rate_limit: int = RATE_LIMIT,
) -> ReplayServer:
    """Serve `world` (the default demo world) as a Mastodon instance whose history ends at `now`.

    `clock` drives only the rate-limit window and `now` defaults to `clock()` at start.
    `rate_limit` is the advertised X-RateLimit-Limit; the remaining count floors at 0 and
    never blocks (use `fail_next(429, ...)` to test throttling).
    """
    world = world or build_demo_world()
    moment = now or clock()
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    httpd = _ReplayHTTPServer((host, port), _Handler)
    base_url = f"http://{host}:{httpd.server_address[1]}"
    httpd.app = _ReplayApp(build_index(world, moment), base_url, require_token, _RateWindow(clock, rate_limit))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"mastodon-replay-{httpd.server_address[1]}", daemon=True)
    thread.start()
    return ReplayServer(httpd, thread, world, moment)
