"""Bluesky against the real reference servers (@atproto/dev-env PDS + AppView on loopback).

network.js seeds a brand and four customers (posts, replies, likes, reposts, a quote, a
mention, a brand repost); `ror sync` must store exactly what was written. Set-up:
`bash tests/bluesky_reference/setup.sh`; with ROR_BLUESKY_REFERENCE=1 (as in CI) the tier
must run and any problem fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.bluesky.connector import BlueskyConnector, BlueskySettings
from connectors.bluesky.session import forget_sessions
from connectors.http import RetryPolicy
from connectors.registry import build_connector
from listener.cli.main import app
from listener.collect.sync import sync_source
from listener.storage.engine import open_database
from listener.storage.models import (
    AccountRow,
    AuthorRow,
    EngagementEventRow,
    ItemProfileRow,
    ItemRow,
    QuarantineRow,
    SyncCursorRow,
)
from listener.storage.upsert import table_of
from tests.bluesky_reference.harness import RunningNetwork, missing_parts, reference_network

ENABLE_ENV = "ROR_BLUESKY_REFERENCE"
PASSWORD_ENV = "ROR_TEST_BLUESKY_APP_PASSWORD"
HOW_TO_ENABLE = (f"run `bash tests/bluesky_reference/setup.sh`, then `{ENABLE_ENV}=1 "
                 ".venv/bin/python -m pytest tests/test_bluesky_reference.py`")
CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "acme"
timezone = "Europe/Berlin"

[[profiles.sources]]
name = "acme-bluesky"
platform = "bluesky"
base_url = "{appview}"
pds_url = "{pds}"
handle = "{handle}"
search = ["grinder"]
notifications = true
app_password_env = "{password_env}"
page_size = 2
"""


@pytest.fixture(scope="module")
def network() -> Iterator[RunningNetwork]:
    """The seeded reference network, shared by this module's tests."""
    # Collected only with ROR_BLUESKY_REFERENCE=1 (tests/conftest.py): missing servers are a failure.
    missing = missing_parts()
    if missing:
        names = ", ".join(missing)
        pytest.fail(f"{ENABLE_ENV}=1 but the reference servers are not installed ({names}): {HOW_TO_ENABLE}")
    with reference_network() as running:
        yield running


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def cli_sync(tmp_path: Path, info: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Engine:
    """`ror sync` with a config pointing at the loopback AppView and PDS; the opened database."""
    config = tmp_path / "ror.toml"
    config.write_text(CONFIG.format(appview=info["appview"], pds=info["pds"], handle=info["brand"]["handle"],
                                    password_env=PASSWORD_ENV))
    monkeypatch.setenv(PASSWORD_ENV, info["brand"]["app_password"])
    result = CliRunner().invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "acme-bluesky: ok, " in result.output and "0 quarantined" in result.output
    return open_database(f"sqlite:///{tmp_path / 'ror.db'}")


def expected_items(info: dict[str, Any]) -> dict[str, tuple[str, str, str | None, str | None]]:
    """external id -> (kind, role, parent, root) for everything the story wrote about the brand."""
    p = info["posts"]
    return {
        p["launch"]: ("post", "owned", None, None),
        p["morning"]: ("post", "owned", None, None),
        p["answer"]: ("reply", "owned", p["broken"], p["launch"]),
        info["brand_repost"]: ("share", "owned", p["fan"], None),
        p["love"]: ("reply", "inbound", p["launch"], p["launch"]),
        p["broken"]: ("reply", "inbound", p["launch"], p["launch"]),
        p["german"]: ("reply", "inbound", p["launch"], p["launch"]),
        p["quote"]: ("quote", "inbound", p["launch"], None),
        p["mention"]: ("mention", "inbound", None, None),
        p["fan"]: ("post", "inbound", None, None),
    }


def test_ror_sync_stores_exactly_what_was_written_on_the_reference_server(
    network: RunningNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info, p, dids = network.info, network.info["posts"], network.info["dids"]
    engine = cli_sync(tmp_path, info, monkeypatch)
    items = {r["external_id"]: r for r in rows(engine, ItemRow)}
    roles = {r["external_id"]: r["role"] for r in rows(engine, ItemProfileRow)}
    expected = expected_items(info)
    assert set(items) == set(expected), "only the story's items about the brand, nothing unrelated"
    got = {uri: (r["kind"], roles[uri], r["parent_external_id"], r["root_external_id"]) for uri, r in items.items()}
    assert got == expected

    launch = items[p["launch"]]
    assert launch["text"] == "Our new burr grinder ships today! Tell us what you think."
    assert (launch["likes"], launch["shares"], launch["replies"], launch["quotes"]) == (3, 2, 3, 1)
    assert items[p["answer"]]["likes"] == 1 and items[p["morning"]]["likes"] == 1
    assert launch["author_external_id"] == dids["acme"] and launch["language"] == "en"

    german = items[p["german"]]
    assert german["language"] == "de" and german["text"] == "Endlich! Die Mühle ist großartig."
    indexed = datetime.fromisoformat(german["raw"]["indexedAt"].replace("Z", "+00:00"))
    assert german["raw"]["record"]["createdAt"] == info["future_created_at"]
    assert german["created_at"] == indexed, "a createdAt in the future of indexedAt is not believed"

    events = {(e["item_external_id"], e["actor_external_id"], e["kind"]) for e in rows(engine, EngagementEventRow)}
    assert events == {
        (p["launch"], dids["alice"], "like"), (p["launch"], dids["bob"], "like"), (p["launch"], dids["carl"], "like"),
        (p["launch"], dids["alice"], "share"), (p["launch"], dids["dora"], "share"),
        (p["launch"], dids["carl"], "quote"), (p["morning"], dids["dora"], "like"),
    }
    likes = [e for e in rows(engine, EngagementEventRow) if e["kind"] == "like"]
    assert all(e["occurred_at"] is not None for e in likes), "getLikes says when"

    brand = next(a for a in rows(engine, AuthorRow) if a["external_id"] == dids["acme"])
    assert brand["followers"] == info["followers"] and brand["handle"] == info["brand"]["handle"]
    assert [a["handle"] for a in rows(engine, AccountRow)] == [info["brand"]["handle"]]
    assert rows(engine, QuarantineRow) == []
    streams = {c["stream"] for c in rows(engine, SyncCursorRow)}
    assert streams == {"posts", "notifications", "search:grinder"}


def connector_for(info: dict[str, Any], transport: httpx.BaseTransport, clock: Any) -> BlueskyConnector:
    settings = BlueskySettings.model_validate({
        "name": "acme-bluesky", "platform": "bluesky", "base_url": info["appview"], "pds_url": info["pds"],
        "handle": info["brand"]["handle"], "notifications": True, "search": ["grinder"],
        "app_password_env": PASSWORD_ENV, "page_size": 3,
    })
    policy = RetryPolicy(max_attempts=2, backoff_initial=0.1, backoff_max=1, max_wait_seconds=5)
    connector = build_connector(settings, secrets={"app_password": info["brand"]["app_password"]},
                                transport=transport, clock=clock, policy=policy)
    assert isinstance(connector, BlueskyConnector)
    return connector


class CountingTransport(httpx.HTTPTransport):
    """A real transport that remembers which XRPC methods were called."""

    def __init__(self) -> None:
        super().__init__()
        self.methods: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.methods.append(request.url.path.removeprefix("/xrpc/"))
        return super().handle_request(request)


def create_post(info: dict[str, Any], who: str, text: str) -> str:
    """A customer posts through the PDS, as their own client would; the new post's at:// URI."""
    with httpx.Client(base_url=info["pds"]) as client:
        session = client.post("/xrpc/com.atproto.server.createSession",
                              json={"identifier": f"{who}.test", "password": info["passwords"][who]}).json()
        brand, handle = info["dids"]["acme"], info["brand"]["handle"]
        start = len(text[:text.index("@" + handle)].encode())
        record = {
            "$type": "app.bsky.feed.post", "text": text, "langs": ["en"],
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "facets": [{"index": {"byteStart": start, "byteEnd": start + len(("@" + handle).encode())},
                        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": brand}]}],
        }
        created = client.post("/xrpc/com.atproto.repo.createRecord",
                              headers={"Authorization": f"Bearer {session['accessJwt']}"},
                              json={"repo": session["did"], "collection": "app.bsky.feed.post", "record": record})
        created.raise_for_status()
        return str(created.json()["uri"])


def test_one_session_per_connector_refreshed_and_new_mentions_found_incrementally(
    network: RunningNetwork, tmp_path: Path
) -> None:
    info = network.info
    forget_sessions()  # the CLI test's session would otherwise be reused: count from a fresh login
    engine = open_database(f"sqlite:///{tmp_path / 'incremental.db'}")
    transport, offset = CountingTransport(), {"value": timedelta(0)}
    clock = lambda: datetime.now(UTC) + offset["value"]  # noqa: E731
    connector = connector_for(info, transport, clock)
    first = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert first.status == "ok", first.error
    before = {r["external_id"] for r in rows(engine, ItemRow)}
    assert before == set(expected_items(info))

    new_uri = create_post(info, "alice", f"@{info['brand']['handle']} does the hopper fit the old model?")
    network.process_all()
    offset["value"] = timedelta(hours=3)  # the two-hour access token has expired by now
    second = sync_source(engine, "acme", "UTC", connector.settings, connector, clock=clock)
    assert second.status == "ok", second.error
    after = {r["external_id"]: r for r in rows(engine, ItemRow)}
    assert set(after) - before == {new_uri} and after[new_uri]["kind"] == "mention"
    assert transport.methods.count("com.atproto.server.createSession") == 1
    assert transport.methods.count("com.atproto.server.refreshSession") == 1
