"""Mailchimp campaign reports from a loopback server of the documented shape: paged by offset, recent
campaigns refreshed on the next run, a malformed report quarantined, 429 honoured; counts only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.errors import AuthError
from connectors.mailchimp.reports import MailchimpSettings, base_url_for
from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.mailchimp import sync_mailchimp
from listener.storage.relationship_models import EmailCampaignRow
from listener.storage.upsert import table_of
from tests.cassette import CassetteServer, load_cassette
from tests.conftest import FakeClock, RecordedSleep

CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"

[profiles.imports.mailchimp]
base_url = "{base_url}"
page_size = 2
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAILCHIMP_API_KEY", "0123456789abcdef0123456789abcdef-us21")
    return tmp_path / "ror.toml"


def campaigns(engine: Engine) -> dict[str, tuple[int, int, int]]:
    table = table_of(EmailCampaignRow)
    with engine.connect() as connection:
        return {c: (r, o, k) for c, r, o, k in connection.execute(
            select(table.c.campaign_id, table.c.recipients, table.c.opens, table.c.clicks))}


def test_reports_are_paged_refreshed_and_a_bad_one_quarantined(config: Path, engine: Engine) -> None:
    cassette = load_cassette("mailchimp")
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(base_url=server.url))
        first = CliRunner().invoke(app, ["import", "mailchimp", "--config", str(config)])
        stored = campaigns(engine)
        again = CliRunner().invoke(app, ["import", "mailchimp", "--config", str(config)])
    assert "email_campaigns: 4 row(s): 3 new, 0 already known" in first.output and "1 quarantined" in first.output
    assert "no valid send_time" in first.output
    assert stored == {"c1": (900, 400, 20), "c2": (950, 410, 25), "c4": (1000, 400, 40)}
    assert "1 row(s): 0 new, 1 already known" in again.output and campaigns(engine)["c4"] == (1000, 420, 61)
    asked = [r for r in cassette.requests if "since_send_time" in r]
    assert len(asked) == 1 and "since_send_time=2026-10-11T09:00:00+00:00" in asked[0]  # 30 days before c4
    assert all("fields=" in r and "count=2" in r for r in cassette.requests)


def test_a_rate_limit_is_waited_out(config: Path, engine: Engine) -> None:
    cassette = load_cassette("mailchimp")
    cassette.fail_next(429, {"Retry-After": "3"})
    sleep = RecordedSleep()
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(base_url=server.url))
        result = sync_mailchimp(engine, load_config(config).profile(None), clock=FakeClock(), sleep=sleep)
    assert sleep.calls[0] == pytest.approx(3, abs=1) and result.new == 3


def test_the_data_center_comes_from_the_key() -> None:
    assert base_url_for(MailchimpSettings(), "abc123-us21") == "https://us21.api.mailchimp.com"
    with pytest.raises(AuthError, match="data center"):
        base_url_for(MailchimpSettings(), "abc123")
