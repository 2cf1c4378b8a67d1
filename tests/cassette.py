"""Replay recorded-shape API responses: as an httpx mock (respx) or a real loopback HTTP server."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Cassette:
    """All interactions of one platform's fixture folder, matched in file order."""

    interactions: list[dict[str, Any]]
    requests: list[str] = field(default_factory=list)
    faults: list[tuple[int, dict[str, str], str]] = field(default_factory=list)

    def respond(self, path: str, query: dict[str, str], base_url: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request (404 JSON when nothing matches)."""
        self.requests.append(path + ("?" + "&".join(f"{k}={v}" for k, v in sorted(query.items())) if query else ""))
        if self.faults:
            status, headers, body = self.faults.pop(0)
            return status, headers, body.encode()
        for interaction in self.interactions:
            request = interaction["request"]
            if request["path"] == path and all(
                k in query and (v == "*" or query[k] == v) for k, v in request["query"].items()
            ):
                response = interaction["response"]
                headers = {k: v.replace("https://mastodon.example", base_url) for k, v in response["headers"].items()}
                return response["status"], headers, json.dumps(response["body"]).encode()
        return 404, {"Content-Type": "application/json"}, b'{"error":"Record not found"}'

    def fail_next(self, status: int, headers: dict[str, str] | None = None, body: str = "", count: int = 1) -> None:
        """Answer the next `count` requests with this status instead."""
        self.faults.extend([(status, headers or {}, body)] * count)

    def httpx_handler(self, base_url: str):  # type: ignore[no-untyped-def]
        """A side effect for respx: the same matching, no sockets."""

        def handler(request: httpx.Request) -> httpx.Response:
            status, headers, body = self.respond(request.url.path, dict(request.url.params), base_url)
            return httpx.Response(status, headers=headers, content=body)

        return handler


def load_cassette(platform: str) -> Cassette:
    """Every interaction in tests/fixtures/<platform>/*.json."""
    interactions: list[dict[str, Any]] = []
    for path in sorted((FIXTURES / platform).glob("*.json")):
        interactions.extend(json.loads(path.read_text(encoding="utf-8"))["interactions"])
    return Cassette(interactions)


class CassetteServer:
    """A real HTTP server on 127.0.0.1 replaying a cassette; a context manager."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                status, headers, body = outer.cassette.respond(parts.path, dict(parse_qsl(parts.query)), outer.url)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "CassetteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
