"""Imports beyond CSV and NPS: NPS answers from an Excel workbook (.xlsx) with typed cells, quarantined and
re-imported like a CSV file; a file that is no workbook is one clear error; e-mail campaign and website
exports with Dutch and German numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.save import import_file
from listener.imports.table import ImportFileError
from listener.storage.relationship_models import EmailCampaignRow, SurveyResponseRow, WebDayRow
from listener.storage.upsert import table_of
from tests.conftest import FakeClock
from tests.test_imports import config_path  # noqa: F401  (a fixture)


def write_workbook(path: Path) -> Path:
    """A survey tool's export as Excel writes it: a title-less first sheet, typed cells, a blank row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Response ID", "Score", "Submitted at", "E-mail", "Comment"])
    sheet.append(["R1", 9, datetime(2026, 11, 3, 14, 5), "Anna@Example.NL ", "Top service"])
    sheet.append(["R2", 6.0, "04-11-2026", "bert@example.de", "Te traag"])
    sheet.append([None, None, None, None, None])
    sheet.append(["R3", "elf", datetime(2026, 11, 5), None, None])
    sheet.append(["R4", "8,0", datetime(2026, 11, 6, 9, 30), None, "Gut"])
    book.save(path)
    return path


def test_an_xlsx_export_imports_like_its_csv(config_path: Path, tmp_path: Path, engine: Engine) -> None:  # noqa: F811
    file = write_workbook(tmp_path / "nps.xlsx")
    first = CliRunner().invoke(app, ["import", "nps", str(file), "--config", str(config_path)])
    again = CliRunner().invoke(app, ["import", "nps", str(file), "--config", str(config_path)])
    assert first.exit_code == 0, first.output
    assert "nps: 4 row(s): 3 new, 0 already known, 0 duplicate(s) skipped, 1 quarantined" in first.output
    assert "quarantined line 5: 'elf' is not a number" in first.output  # the sheet's own row number
    assert "4 row(s): 0 new, 3 already known" in again.output
    table = table_of(SurveyResponseRow)
    with engine.connect() as connection:
        stored = {r: (s, at) for r, s, at in connection.execute(
            select(table.c.response_id, table.c.score, table.c.submitted_at))}
    # a date cell without a zone is a time in the profile's zone (Amsterdam, UTC+1 in November)
    assert stored == {"R1": (9, datetime(2026, 11, 3, 13, 5, tzinfo=UTC)),
                      "R2": (6, datetime(2026, 11, 3, 23, 0, tzinfo=UTC)),
                      "R4": (8, datetime(2026, 11, 6, 8, 30, tzinfo=UTC))}


def test_a_zip_that_is_no_workbook_is_one_clear_error(config_path: Path, tmp_path: Path,  # noqa: F811
                                                      engine: Engine) -> None:
    file = tmp_path / "nps.xlsx"
    file.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="not a readable Excel workbook"):
        import_file(engine, load_config(config_path).profile(None), "nps", file, clock=FakeClock())


ENGAGEMENT_CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"
timezone = "Europe/Berlin"

[profiles.imports.email_campaigns]
campaign_id = "Campagne"
sent_at = "Verzonden"
recipients = "Ontvangers"
opens = "Unieke opens"
clicks = "Unieke kliks"
unsubscribes = "Afmeldingen"

[profiles.imports.web_days]
day = "Tag"
visits = "Besuche"
visitors = "Besucher"
bounce_rate = "Absprungrate"
visit_duration_seconds = "Verweildauer"
"""


def test_campaign_and_website_exports_import_idempotently(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "ror.toml"
    path.write_text(ENGAGEMENT_CONFIG)
    profile = load_config(path).profile(None)
    fixtures = Path(__file__).parent / "fixtures" / "imports"
    campaigns = import_file(engine, profile, "email_campaigns", fixtures / "campaigns_nl.csv", clock=FakeClock())
    # nov-2 claims more clicks than recipients: quarantined, not stored as a 113% click rate
    assert (campaigns.new, campaigns.quarantined) == (2, 1) and "more unique opens or clicks" in campaigns.errors[0][1]
    web = import_file(engine, profile, "web_days", fixtures / "web_de.csv", clock=FakeClock())
    assert (web.new, web.duplicates, web.quarantined) == (2, 1, 1)  # 16.11. has no visits
    again = import_file(engine, profile, "web_days", fixtures / "web_de.csv", clock=FakeClock())
    assert (again.new, again.known) == (0, 2)
    rows_of = {m: table_of(m) for m in (EmailCampaignRow, WebDayRow)}
    with engine.connect() as connection:
        sent = dict(connection.execute(select(rows_of[EmailCampaignRow].c.campaign_id,
                                              rows_of[EmailCampaignRow].c.recipients)).all())
        days = {d.isoformat(): (v, b, s) for d, v, b, s in connection.execute(select(
            rows_of[WebDayRow].c.day, rows_of[WebDayRow].c.visits, rows_of[WebDayRow].c.bounce_rate,
            rows_of[WebDayRow].c.visit_duration_seconds))}
    assert sent == {"nov-1": 1200, "nov-3": 1100}  # "1.200" is a Dutch thousands group
    assert days == {"2026-11-14": (1204, 0.415, 95.5), "2026-11-15": (870, 0.38, None)}
