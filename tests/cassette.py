"""Replay recorded-shape API responses: as an httpx mock (respx) or a real loopback HTTP server.

A fixture file is {"endpoint": "...", "recorded_base_urls": [...], "interactions": [...]};
an interaction is {"note", "request": {"method", "path", "query"}, "response": {"status",
"headers", "body"}}. A request matches the first interaction with the same method and path
whose query items are all present ("*" matches any value) and, for a request with a JSON body,
whose optional "body" items are the body's top-level values (compared as JSON text). The recorded base URLs
(default https://mastodon.example) are rewritten to the server's own in headers and bodies,
so absolute pagination links point back at the replay.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_RECORDED_BASE = "https://mastodon.example"
Reply = tuple[int, dict[str, str], bytes]


def handmade_body(platform: str, name: str) -> Any:
    """One hand-written response body from tests/fixtures/<platform>/handmade/, parsed."""
    return json.loads((FIXTURES / platform / "handmade" / name).read_text(encoding="utf-8"))


@dataclass
class Fault:
    """A response (or a timeout, status 0) served instead of the recording."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Cassette:
    """All interactions of one platform's fixture folder, matched in file order."""

    interactions: list[dict[str, Any]]
    recorded_bases: list[str] = field(default_factory=lambda: [DEFAULT_RECORDED_BASE])
    requests: list[str] = field(default_factory=list)
    faults: dict[int, Fault] = field(default_factory=dict)
    current_body: Any = None  # the JSON body of the request being answered (set by the server or handler)

    def respond(self, method: str, path: str, query: dict[str, str], base_url: str) -> Reply | Fault:
        """Status, headers and body for one request (404 JSON when nothing matches)."""
        index = len(self.requests)
        shown_query = "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items())) if query else ""
        self.requests.append(f"{method} {path}" + shown_query)
        if index in self.faults:
            return self.faults.pop(index)
        for interaction in self.interactions:
            request = interaction["request"]
            if request.get("method", "GET") == method and request["path"] == path and all(
                k in query and (v == "*" or query[k] == v) for k, v in request["query"].items()
            ) and _body_matches(request.get("body", {}), self.current_body):
                return self._render(interaction["response"], base_url)
        return 404, {"Content-Type": "application/json"}, b'{"error":"Record not found"}'

    def _render(self, response: dict[str, Any], base_url: str) -> Reply:
        body = response["body"]
        text = body if isinstance(body, str) else json.dumps(body)
        headers = dict(response["headers"])
        for recorded in self.recorded_bases:
            text = text.replace(recorded, base_url)
            headers = {k: v.replace(recorded, base_url) for k, v in headers.items()}
        return response["status"], headers, text.encode()

    def fail_next(self, status: int, headers: dict[str, str] | None = None, body: str = "", count: int = 1) -> None:
        """Answer the next `count` requests with this status (0 = a timeout) instead."""
        self.fail_at(len(self.requests), status, headers, body, count)

    def fail_at(self, index: int, status: int, headers: dict[str, str] | None = None, body: str = "",
                count: int = 1) -> None:
        """Answer requests number index .. index+count-1 (0-based) with this status instead."""
        for i in range(index, index + count):
            self.faults[i] = Fault(status, headers or {}, body)

    def httpx_handler(self, base_url: str):  # type: ignore[no-untyped-def]
        """A side effect for respx: the same matching, no sockets."""

        def handler(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content) if request.headers.get("content-type", "").startswith(
                "application/json") and request.content else None
            self.current_body = body
            reply = self.respond(request.method, request.url.path, dict(request.url.params), base_url)
            if isinstance(reply, Fault):
                if reply.status == 0:
                    raise httpx.ReadTimeout("replayed timeout", request=request)
                return httpx.Response(reply.status, headers=reply.headers, content=reply.body.encode())
            status, headers, body = reply
            return httpx.Response(status, headers=headers, content=body)

        return handler


def _body_matches(wanted: dict[str, Any], body: Any) -> bool:
    """Every wanted top-level item is in the JSON body (a missing key matches null)."""
    given = body if isinstance(body, dict) else {}
    return all(json.dumps(given.get(k)) == json.dumps(v) for k, v in wanted.items())


def load_cassette(platform: str) -> Cassette:
    """Every interaction in tests/fixtures/<platform>/*.json."""
    interactions: list[dict[str, Any]] = []
    bases: list[str] = []
    for path in sorted((FIXTURES / platform).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        interactions.extend(data["interactions"])
        bases.extend(b for b in data.get("recorded_base_urls", [DEFAULT_RECORDED_BASE]) if b not in bases)
    return Cassette(interactions, bases)


class CassetteServer:
    """A real HTTP server on 127.0.0.1 replaying a cassette; a context manager.

    A timeout fault (status 0) is served as a response that never starts within the
    client's timeout would be slow to test, so on the server it becomes a dropped connection.
    """

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                json_body = (self.headers.get("Content-Type") or "").startswith("application/json") and raw
                path = unquote(parts.path)  # as httpx.URL.path gives it to the respx handler
                outer.cassette.current_body = json.loads(raw) if json_body else None
                reply = outer.cassette.respond(self.command, path, dict(parse_qsl(parts.query)), outer.url)
                if isinstance(reply, Fault):
                    if reply.status == 0:
                        self.close_connection = True
                        return
                    reply = (reply.status, reply.headers, reply.body.encode())
                status, headers, body = reply
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve  # noqa: N815 - http.server's naming

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CassetteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
