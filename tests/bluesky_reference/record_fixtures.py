"""Record tests/fixtures/bluesky/ from the reference servers: `python -m tests.bluesky_reference.record_fixtures`.

Runs the real connector (page size 2, so every list pages) against the seeded network
through a recording transport, then makes the recording stable: DIDs get fixed names,
times move to the fixture week before the contract kit's clock (2026-11-18T13:00Z; seconds
of seeding become half hours), the session's JWTs are replaced by unsigned look-alikes,
headers are reduced to Content-Type plus the RateLimit-* headers bsky.social sends, and
one search result is deliberately broken (no author) for the quarantine check.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors.bluesky.connector import BlueskySettings
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.collect.sync import sync_source
from listener.storage.engine import open_database
from tests.bluesky_reference.harness import reference_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky"
APPVIEW, PDS = "https://public.api.bsky.app", "https://bsky.social"
STORY_START = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
STRETCH = 1800  # one second of seeding = half an hour of story
RATE_LIMIT = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "2990", "RateLimit-Reset": "1795007100",
              "RateLimit-Policy": "3000;w=300"}
NAMES = {"acme": "acmecoffeegear2brandxyzq", "alice": "alice2customer3aaaaaaaaa", "bob": "bob2customer3bbbbbbbbbbb",
         "carl": "carl2customer3ccccccccccc"[:24], "dora": "dora2customer3dddddddddd"}
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
EPOCH_MS_CURSOR = re.compile(r"\b(1\d{12})__")


class RecordingTransport(httpx.HTTPTransport):
    """A real transport that keeps every request and its response."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response


def time_mapper(t0: datetime) -> Callable[[datetime], datetime]:
    """Seed time -> story time: near t0 stretched, far away (a lying createdAt) only shifted."""
    def move(moment: datetime) -> datetime:
        delta = moment - t0
        return STORY_START + (delta * STRETCH if abs(delta) < timedelta(hours=1) else delta)
    return move


def fake_jwt(kind: str, did: str, issued: datetime, lifetime: timedelta) -> str:
    """An unsigned-looking JWT with the claims the connector reads (iat, exp)."""
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    claims = {"scope": f"com.atproto.{kind}", "aud": "did:web:bsky.social", "sub": did,
              "iat": int(issued.timestamp()), "exp": int((issued + lifetime).timestamp())}
    return f"{part({'typ': kind + '+jwt', 'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


def rewrite(text: str, dids: dict[str, str], move: Callable[[datetime], datetime]) -> str:
    """DIDs renamed, times and time-based cursors moved, image host made public."""
    for name, did in dids.items():
        text = text.replace(did, f"did:plc:{NAMES[name]}")
    def iso(match: re.Match[str]) -> str:
        moved = move(datetime.fromisoformat(match.group(0).replace("Z", "+00:00")))
        return moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    def epoch(match: re.Match[str]) -> str:
        moved = move(datetime.fromtimestamp(int(match.group(1)) / 1000, UTC))
        return f"{int(moved.timestamp() * 1000)}__"
    text = EPOCH_MS_CURSOR.sub(epoch, ISO.sub(iso, text))
    return re.sub(r"https?://[^/\"]*bsky\.public\.url", "https://cdn.bsky.app", text)


def queries(request: httpx.Request, rewrite_text: Callable[[str], str]) -> list[dict[str, str]]:
    """The request's query as cassette matchers; search's `since` depends on the clock, so it is "*".

    A repeated parameter (getPosts `uris`, listNotifications `reasons`) is matched by one
    value: respx replay sees the first, the loopback server the last, so both are recorded.
    """
    values: dict[str, list[str]] = {}
    for key, value in request.url.params.multi_items():
        values.setdefault(key, []).append(rewrite_text(value))
    variants = []
    for pick in (0, -1):
        query = {k: v[pick] for k, v in values.items()}
        if "since" in query:
            query["since"] = "*"
        if query not in variants:
            variants.append(query)
    return variants


def interactions(request: httpx.Request, response: httpx.Response,
                 rewrite_text: Callable[[str], str]) -> list[dict[str, Any]]:
    """Cassette entries for one exchange (one per query variant)."""
    body = json.loads(rewrite_text(response.text))
    lists = [len(v) for v in body.values() if isinstance(v, list)] if isinstance(body, dict) else []
    entries = []
    for query in queries(request, rewrite_text):
        note = "next page (cursor)" if "cursor" in query else "first page"
        if lists and not any(lists):
            note += ", empty: the last page"
        entries.append({
            "note": note,
            "request": {"method": request.method, "path": request.url.path, "query": query},
            "response": {"status": response.status_code,
                         "headers": {"Content-Type": response.headers.get("content-type", "application/json"),
                                     **RATE_LIMIT},
                         "body": body},
        })
    return entries


def record() -> dict[str, list[dict[str, Any]]]:
    """Every exchange of one full sync against a fresh network, by XRPC method."""
    with reference_network() as network:
        info = network.info
        settings = BlueskySettings.model_validate({
            "name": "acme-bluesky", "platform": "bluesky", "base_url": info["appview"], "pds_url": info["pds"],
            "handle": info["brand"]["handle"], "search": ["grinder"], "notifications": True,
            "app_password_env": "BLUESKY_APP_PASSWORD", "page_size": 2,
        })
        transport = RecordingTransport()
        connector = build_connector(settings, secrets={"app_password": info["brand"]["app_password"]},
                                    transport=transport, policy=RetryPolicy(max_attempts=1))
        with tempfile.TemporaryDirectory() as tmp:
            result = sync_source(open_database(f"sqlite:///{tmp}/r.db"), "acme", "UTC", settings, connector)
        assert result.status == "ok", result.error
    t0 = min(datetime.fromisoformat(m.replace("Z", "+00:00"))
             for _, response in transport.exchanges for m in ISO.findall(response.text))
    move = time_mapper(t0)
    by_method: dict[str, list[dict[str, Any]]] = {}
    for request, response in transport.exchanges:
        entries = interactions(request, response, lambda text: rewrite(text, info["dids"], move))
        by_method.setdefault(request.url.path.removeprefix("/xrpc/"), []).extend(entries)
    return by_method


def stabilise_session(entries: list[dict[str, Any]]) -> None:
    """Replace real JWTs (signed by the throwaway server) with look-alikes valid for two hours."""
    for entry in entries:
        body = entry["response"]["body"]
        did, issued = body["did"], STORY_START + timedelta(days=1, hours=3, minutes=55)
        body["accessJwt"] = fake_jwt("access", did, issued, timedelta(hours=2))
        body["refreshJwt"] = fake_jwt("refresh", did, issued, timedelta(days=90))
        entry["request"]["query"] = {}
        entry["note"] = "the app-password session (kept for the connector's lifetime)"


def break_one_search_result(entries: list[dict[str, Any]]) -> None:
    """A search hit without its required `author`: it must be quarantined, the rest stored."""
    first = next(e for e in entries if "cursor" not in e["request"]["query"])
    broken = json.loads(json.dumps(first["response"]["body"]["posts"][0]))
    del broken["author"]
    broken["uri"] = broken["uri"].rsplit("/", 1)[0] + "/3broken0000x"
    first["response"]["body"]["posts"].append(broken)
    first["note"] = "the last hit is deliberately broken (no author)"


def write(by_method: dict[str, list[dict[str, Any]]]) -> None:
    """One file per XRPC method; entries with a cursor first, so a bare request matches last."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    stabilise_session(by_method.get("com.atproto.server.createSession", []))
    break_one_search_result(by_method["app.bsky.feed.searchPosts"])
    for method, entries in by_method.items():
        unique = {json.dumps(e["request"], sort_keys=True): e for e in entries}.values()
        ordered = sorted(unique, key=lambda e: -len(e["request"]["query"]))
        to_pds = method.startswith(("com.atproto", "app.bsky.notification")) or method.endswith("searchPosts")
        base = PDS if to_pds else APPVIEW
        document = {"endpoint": f"{'POST' if ordered[0]['request']['method'] == 'POST' else 'GET'} /xrpc/{method}",
                    "recorded_base_urls": [base], "interactions": list(ordered)}
        (FIXTURES / f"{method}.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write(record())
