"""Typeform NPS answers: paged with after=<token> from a loopback server of the documented shape, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.typeform.responses import TypeformSettings, iter_response_pages
from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.typeform import sync_typeform, typeform_session
from listener.storage.relationship_models import ImportQuarantineRow, PersonRow, SurveyResponseRow
from listener.storage.upsert import table_of
from tests.cassette import CassetteServer, load_cassette
from tests.conftest import FakeClock, RecordedSleep

CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"

[profiles.imports.typeform]
form_id = "NPS1"
base_url = "{base_url}"
page_size = 3
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYPEFORM_TOKEN", "tfp_test_token")
    monkeypatch.setenv("ROR_IDENTITY_KEY", "test-identity-key-0123456789")


def test_pages_follow_the_last_token_and_stop_on_a_short_page() -> None:
    cassette = load_cassette("typeform")
    with CassetteServer(cassette) as server:
        settings = TypeformSettings(form_id="NPS1", base_url=server.url, page_size=3)
        pages = list(iter_response_pages(typeform_session(settings), settings, "tok", None))
    assert [p.cursor for p in pages] == ["tok2", "tok3"]
    assert [(a.response_id, a.score, a.email) for p in pages for a in p.answers] == [
        ("tok1", 9, "Anna@Example.nl"), ("tok2", 4, None), ("tok3", 10, "bert@example.de")]
    assert "no NPS score" in pages[0].bad_records[0].error
    assert cassette.requests == ["GET /forms/NPS1/responses?page_size=3",
                                 "GET /forms/NPS1/responses?after=tok2&page_size=3"]


def test_sync_stores_answers_links_by_email_and_resumes_from_its_cursor(tmp_path: Path, engine: Engine,
                                                                        env: None) -> None:
    cassette = load_cassette("typeform")
    with CassetteServer(cassette) as server:
        path = tmp_path / "ror.toml"
        path.write_text(CONFIG.format(base_url=server.url))
        first = CliRunner().invoke(app, ["import", "typeform", "--config", str(path)])
        again = CliRunner().invoke(app, ["import", "typeform", "--config", str(path)])
    assert first.exit_code == 0, first.output
    assert "typeform: 4 row(s): 3 new, 0 already known, 0 duplicate(s) skipped, 1 quarantined" in first.output
    assert "  quarantined: response 'tokbad': no NPS score 0-10" in first.output
    assert "typeform: 0 row(s)" in again.output
    assert cassette.requests[-1] == "GET /forms/NPS1/responses?after=tok3&page_size=3"
    with engine.connect() as connection:
        answers = {r.response_id: r for r in connection.execute(select(table_of(SurveyResponseRow)))}
        quarantined = connection.execute(select(table_of(ImportQuarantineRow))).one()
        people = connection.execute(select(table_of(PersonRow))).all()
    assert {k: (a.score, a.person_id is not None) for k, a in answers.items()} == {
        "tok1": (9, True), "tok2": (4, False), "tok3": (10, True)}
    assert len(people) == 2 and quarantined.cells == {"response_id": "tokbad"}


def test_rate_limited_page_is_retried_after_the_servers_wait(tmp_path: Path, engine: Engine, env: None) -> None:
    cassette = load_cassette("typeform")
    cassette.fail_next(429, {"Retry-After": "2"})
    sleep = RecordedSleep()
    with CassetteServer(cassette) as server:
        path = tmp_path / "ror.toml"
        path.write_text(CONFIG.format(base_url=server.url))
        profile = load_config(path).profile(None)
        assert profile.imports.typeform is not None
        result = sync_typeform(engine, profile, typeform_session(profile.imports.typeform, sleep=sleep),
                               clock=FakeClock())
    assert result.new == 3 and sleep.calls == [2.0]


def test_missing_token_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TYPEFORM_TOKEN", raising=False)
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG.format(base_url="http://127.0.0.1:9"))
    result = CliRunner().invoke(app, ["import", "typeform", "--config", str(path)])
    assert result.exit_code == 3 and "TYPEFORM_TOKEN" in result.output
