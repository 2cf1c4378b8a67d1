"""CSV imports: messy real-world files, idempotent re-import, people linked only by the data, nothing dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from listener.cli.main import app
from listener.config.settings import ConfigError, load_config
from listener.imports.save import import_file
from listener.imports.table import ImportFileError
from listener.imports.values import CellError, parse_moment, parse_number
from listener.storage.relationship_models import (
    CustomerRow,
    ImportQuarantineRow,
    OrderRow,
    PersonIdentityRow,
    PersonRow,
    SurveyResponseRow,
)
from listener.storage.upsert import table_of
from tests.conftest import FakeClock

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
KEY = "test-identity-key-0123456789"
CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"
timezone = "Europe/Amsterdam"

[profiles.imports]
social_platform = "mastodon"

[profiles.imports.nps]
response_id = "Response ID"
submitted_at = "Submitted at"
email = "E-mail"
"""


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROR_IDENTITY_KEY", KEY)
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG)
    return path


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def test_numbers_in_dutch_german_and_english_notation() -> None:
    assert parse_number("1.234,50") == 1234.5
    assert parse_number("€ 19,95") == 19.95
    assert parse_number("1,234.50") == 1234.5
    assert parse_number("1.234.567") == 1234567
    assert parse_number("7,5") == 7.5
    assert parse_number("1 234,5") == 1234.5
    assert parse_number("1.234", "comma") == 1234
    with pytest.raises(CellError, match="'twelve' is not a number"):
        parse_number("twelve")


def test_day_first_dates_are_local_to_the_profile() -> None:
    assert parse_moment("03-11-2026 14:05", AMSTERDAM) == datetime(2026, 11, 3, 13, 5, tzinfo=UTC)
    assert parse_moment("15.02.2026", AMSTERDAM) == datetime(2026, 2, 14, 23, 0, tzinfo=UTC)
    assert parse_moment("02/15/2026", AMSTERDAM, day_first=False) == datetime(2026, 2, 14, 23, 0, tzinfo=UTC)
    assert parse_moment("2026-11-06T09:30:00Z", AMSTERDAM) == datetime(2026, 11, 6, 9, 30, tzinfo=UTC)
    with pytest.raises(CellError, match="not a date"):
        parse_moment("31-02-2026", AMSTERDAM)


def test_messy_nps_file_imports_counts_duplicates_and_quarantines_bad_rows(config_path: Path, engine: Engine) -> None:
    profile = load_config(config_path).profile(None)
    result = import_file(engine, profile, "nps", FIXTURES / "nps_messy.csv", clock=FakeClock())
    assert (result.rows, result.new, result.duplicates, result.quarantined) == (7, 3, 1, 3)
    assert [line for line, _ in result.errors] == [5, 6, 9]
    assert "'elf' is not a number" in result.errors[0][1] and "line 2 was kept" in result.errors[2][1]
    with engine.connect() as connection:
        answers = {r.response_id: r for r in connection.execute(select(table_of(SurveyResponseRow)))}
        stored_cells = [r.cells for r in connection.execute(select(table_of(ImportQuarantineRow)))]
    assert {k: a.score for k, a in answers.items()} == {"R1": 9, "R2": 6, "R5": 8}
    assert answers["R1"].submitted_at == datetime(2026, 11, 3, 13, 5, tzinfo=UTC)
    assert answers["R1"].person_id is not None and answers["R5"].person_id is None
    assert count(engine, PersonRow) == 2 and count(engine, ImportQuarantineRow) == 3
    assert "anna@example.nl" not in str(stored_cells) and stored_cells[2]["email"].startswith("hash:")


def test_reimporting_the_same_file_changes_nothing(config_path: Path, engine: Engine) -> None:
    profile = load_config(config_path).profile(None)
    import_file(engine, profile, "nps", FIXTURES / "nps_messy.csv", clock=FakeClock())
    again = import_file(engine, profile, "nps", FIXTURES / "nps_messy.csv", clock=FakeClock())
    assert (again.new, again.known, again.people_created) == (0, 3, 0)
    assert count(engine, SurveyResponseRow) == 3 and count(engine, PersonRow) == 2
    assert count(engine, ImportQuarantineRow) == 3 and count(engine, PersonIdentityRow) == 2


def test_crm_rows_link_people_by_email_and_handle_and_store_ids_hashed(config_path: Path, engine: Engine) -> None:
    profile = load_config(config_path).profile(None)
    import_file(engine, profile, "nps", FIXTURES / "nps_messy.csv", clock=FakeClock())
    customers = import_file(engine, profile, "customers", FIXTURES / "customers.csv", clock=FakeClock())
    orders = import_file(engine, profile, "orders", FIXTURES / "orders.csv", clock=FakeClock())
    assert (customers.new, customers.quarantined) == (2, 1)
    assert (orders.new, orders.duplicates, orders.quarantined) == (3, 1, 1)
    assert count(engine, PersonRow) == 2  # Anna and Bert: the survey e-mails and the CRM rows are the same people
    with engine.connect() as connection:
        identities = connection.execute(select(table_of(PersonIdentityRow))).all()
        orders_rows = connection.execute(select(table_of(OrderRow))).all()
        customer_rows = connection.execute(select(table_of(CustomerRow))).all()
    assert ("social", "mastodon", "anna@social.example") in {(i.kind, i.platform, i.value) for i in identities}
    assert len({i.person_id for i in identities}) == 2
    assert sorted(o.amount for o in orders_rows) == [7.5, 19.95, 1234.5]
    dumped = str(identities) + str(orders_rows) + str(customer_rows)
    assert "C1" not in dumped and "O1" not in dumped and "bert@example.de" not in dumped
    assert sum(c.referred_by_key is not None for c in customer_rows) == 1


def test_missing_column_is_one_line_naming_it(config_path: Path, engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "orders.csv"
    bad.write_text("order_id,customer_id,amount\nO1,C1,5\n")
    result = CliRunner().invoke(app, ["import", "orders", str(bad), "--config", str(config_path)])
    assert result.exit_code == 2
    assert "no column 'ordered_at' (for ordered_at)" in result.output and len(result.output.strip().splitlines()) == 1
    assert count(engine, OrderRow) == 0


def test_missing_hash_key_is_a_config_error_naming_the_variable(config_path: Path, engine: Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROR_IDENTITY_KEY")
    profile = load_config(config_path).profile(None)
    with pytest.raises(ConfigError, match="ROR_IDENTITY_KEY"):
        import_file(engine, profile, "orders", FIXTURES / "orders.csv", clock=FakeClock())
    result = CliRunner().invoke(app, ["import", "orders", str(FIXTURES / "orders.csv"), "--config", str(config_path)])
    assert result.exit_code == 3 and "ROR_IDENTITY_KEY" in result.output


def test_cli_import_prints_counts_and_quarantined_lines(config_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", "nps", str(FIXTURES / "nps_messy.csv"), "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert "7 row(s): 3 new, 0 already known, 1 duplicate(s) skipped, 3 quarantined" in result.output
    assert "quarantined line 6: '31-02-2026' is not a date" in result.output


def test_empty_file_is_refused(config_path: Path, engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(ImportFileError, match="empty"):
        import_file(engine, load_config(config_path).profile(None), "nps", empty, clock=FakeClock())


def test_a_mapping_row_adds_an_identity_to_the_person_it_names(config_path: Path, engine: Engine,
                                                                    tmp_path: Path) -> None:
    profile = load_config(config_path).profile(None)
    import_file(engine, profile, "nps", FIXTURES / "nps_messy.csv", clock=FakeClock())
    mapping = tmp_path / "links.csv"
    mapping.write_text("email;social_handle\nANNA@example.nl;@anna@social.example\nbert@example.de;\n")
    result = import_file(engine, profile, "links", mapping, clock=FakeClock())
    assert (result.new, result.known, result.quarantined, result.people_created) == (0, 0, 1, 0)
    assert "at least two" in result.errors[0][1]
    assert count(engine, PersonRow) == 2 and count(engine, PersonIdentityRow) == 3
