"""NPS answers from an Excel workbook (.xlsx): real date and number cells, text cells as people type them,
the same quarantine and idempotent re-import as a CSV file; a file that is no workbook is one clear error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports import ImportFileError, import_file
from listener.storage.relationship_models import SurveyResponseRow
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
