"""HubSpot CRM v3: contacts, won deals and closed tickets from a loopback server of the documented search and
associations shapes; paged by `after`, resumed from the `hs_lastmodifieddate` cursor, 429 honoured, no e-mail kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.hubspot.crm import HubspotSettings, iter_search_pages
from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.forget import forget_person
from listener.imports.hubspot import hubspot_session, sync_hubspot
from listener.imports.identity import hash_identity
from listener.imports.status import api_cursors, import_statuses
from listener.storage.models import SyncCursorRow
from listener.storage.relationship_models import (
    CustomerRow,
    ImportQuarantineRow,
    OrderRow,
    PersonIdentityRow,
    TicketRow,
)
from listener.storage.upsert import table_of
from tests.cassette import Cassette, CassetteServer, load_cassette
from tests.conftest import FakeClock, RecordedSleep
from tests.test_forget import every_cell

CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"

[profiles.imports.hubspot]
base_url = "{base_url}"
page_size = 2
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-eu1-test-token")
    monkeypatch.setenv("ROR_IDENTITY_KEY", "test-identity-key-0123456789")


def config_for(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG.format(base_url=url))
    return path


def rows(engine: Engine, model: type) -> list[dict]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]


def search_bodies(cassette: Cassette) -> list[str]:
    return [r for r in cassette.requests if r.startswith("POST /crm/v3/objects/")]


def test_contacts_deals_and_tickets_are_stored_linked_and_hashed(tmp_path: Path, engine: Engine, env: None) -> None:
    cassette = load_cassette("hubspot")
    with CassetteServer(cassette) as server:
        profile = load_config(config_for(tmp_path, server.url)).profile(None)
        session = hubspot_session(profile.imports.hubspot)  # type: ignore[arg-type]
        contacts, deals, tickets = sync_hubspot(engine, profile, session, clock=FakeClock())
    assert (contacts.rows, contacts.new, contacts.quarantined) == (3, 2, 1)  # contact 3's e-mail has no address
    assert (deals.rows, deals.new, deals.not_applicable, deals.quarantined) == (3, 1, 1, 1)  # open 102; 103 no contact
    assert (tickets.rows, tickets.new, tickets.not_applicable) == (2, 1, 1)  # 502 still open
    assert cassette.requests.count("POST /crm/v3/objects/contacts/search") == 2  # page 1, then after=2

    customers, orders, helped = rows(engine, CustomerRow), rows(engine, OrderRow), rows(engine, TicketRow)
    anna = next(c["person_id"] for c in customers if c["created_at"].month == 1)
    bert = next(c["person_id"] for c in customers if c["created_at"].month == 2)
    assert [(o["person_id"], o["amount"]) for o in orders] == [(anna, 1234.5)]
    assert [(t["person_id"], t["resolved_at"].isoformat()) for t in helped] == [(bert, "2026-10-20T15:00:00+00:00")]
    identities = {(i["kind"], i["platform"], i["value"]) for i in rows(engine, PersonIdentityRow)
                  if i["person_id"] == anna}
    assert ("social", "x", "annabrews") in identities and {k for k, _, _ in identities} == {"social", "email",
                                                                                            "customer"}
    errors = sorted(q["error"] for q in rows(engine, ImportQuarantineRow))
    assert errors[0].startswith("a contact: ") and errors[1].startswith("a deal: a won deal without")
    quarantined = [q["cells"] for q in rows(engine, ImportQuarantineRow)]
    assert all(value.startswith("hash:") for cells in quarantined for value in cells.values())  # no CRM id kept
    cells = every_cell(engine)
    assert not any(text in cells for text in ("anna@example.nl", "bert@example.de", "not an address"))
    cursors = {(c["stream"], c["cursor"]) for c in rows(engine, SyncCursorRow) if c["source"] == "hubspot:brand"}
    assert cursors == {("contacts", "2026-11-10T09:00:00.000Z"), ("deals", "2026-11-07T12:01:00.000Z"),
                       ("tickets", "2026-11-11T15:00:00.000Z")}
    key = b"test-identity-key-0123456789"
    traces = [hash_identity(key, "email", "anna@example.nl"), hash_identity(key, "customer", "1"),
              hash_identity(key, "order", "101"), "annabrews"]
    assert all(trace in every_cell(engine) for trace in traces)
    assert forget_person(engine, [profile], "email:anna@example.nl", clock=FakeClock())["brand"]["customers"] == 1
    assert not any(trace in every_cell(engine) for trace in traces)  # her order stays, under a random key
    assert len(rows(engine, OrderRow)) == 1


def test_a_second_run_asks_only_for_what_changed_since_the_cursor(tmp_path: Path, engine: Engine, env: None) -> None:
    cassette = load_cassette("hubspot")
    with CassetteServer(cassette) as server:
        path = config_for(tmp_path, server.url)
        first = CliRunner().invoke(app, ["import", "hubspot", "--config", str(path)])
        again = CliRunner().invoke(app, ["import", "hubspot", "--config", str(path)])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert "customers: 3 row(s): 2 new" in first.output and "1 not applicable" in first.output
    assert "customers: 1 row(s): 0 new, 0 already known" in again.output  # contact 3 again: still quarantined
    assert "orders: 0 row(s)" in again.output and "tickets: 0 row(s)" in again.output
    assert len(search_bodies(cassette)) == 4 + 3  # first run: 2 contact pages, deals, tickets; then one each
    status = CliRunner().invoke(app, ["status", "--config", str(path)])
    assert status.exit_code == 0 and "imports and sources beyond social" in status.output
    cursors = {(source, stream): cursor for source, stream, cursor, _ in api_cursors(engine)}
    assert cursors[("hubspot:brand", "contacts")] == "2026-11-10T09:00:00.000Z" and len(cursors) == 3
    latest = {(s.kind, s.source): (s.rows, s.new) for s in import_statuses(engine)}
    assert latest == {("customers", "hubspot:contacts"): (1, 0), ("orders", "hubspot:deals"): (0, 0),
                      ("tickets", "hubspot:tickets"): (0, 0)}


def test_rate_limit_answers_are_waited_out_as_retry_after_says(tmp_path: Path, engine: Engine, env: None) -> None:
    cassette = load_cassette("hubspot")
    cassette.fail_next(429, {"Retry-After": "7", "Content-Type": "application/json"},
                       json.dumps({"status": "error", "category": "RATE_LIMITS", "message": "You have reached your "
                                   "secondly limit."}))
    sleep = RecordedSleep()
    with CassetteServer(cassette) as server:
        profile = load_config(config_for(tmp_path, server.url)).profile(None)
        session = hubspot_session(profile.imports.hubspot, sleep=sleep)  # type: ignore[arg-type]
        contacts = sync_hubspot(engine, profile, session, clock=FakeClock())[0]
    assert sleep.calls[0] == pytest.approx(7, abs=1) and contacts.new == 2


def test_a_missing_token_is_a_config_error_naming_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["import", "hubspot", "--config", str(config_for(tmp_path, "http://127.0.0.1:9"))])
    assert result.exit_code == 3 and "HUBSPOT_TOKEN" in result.output


def test_the_walk_starts_a_new_search_where_the_search_api_stops_paging() -> None:
    def reply(note: str, body: dict, ids: list[tuple[str, str]], after: str | None) -> dict:
        results = [{"id": i, "properties": {"hs_lastmodifieddate": m}} for i, m in ids]
        return {"note": note, "request": {"method": "POST", "path": "/crm/v3/objects/contacts/search", "query": {},
                                          "body": body},
                "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                             "body": {"results": results, **({"paging": {"next": {"after": after}}} if after else {})}}}
    restart = [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "1794301200000"}]}]
    cassette = Cassette([  # the documented search shape, cut down to what the walk reads
        reply("10,000th result reached", {"filterGroups": None}, [("1", "2026-11-10T09:00:00.000Z")], "9950"),
        reply("a new search from the last modification time", {"filterGroups": restart},
              [("2", "2026-11-11T09:00:00.000Z")], None)])
    with CassetteServer(cassette) as server:
        settings = HubspotSettings(base_url=server.url)
        pages = list(iter_search_pages(hubspot_session(settings), "contacts", settings, "tok", None))
    assert [(p.objects[0].id, p.cursor) for p in pages] == [("1", "2026-11-10T09:00:00.000Z"),
                                                             ("2", "2026-11-11T09:00:00.000Z")]
    assert len(cassette.requests) == 2
