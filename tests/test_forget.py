"""`ror forget`: the person leaves no trace in any table; their orders and answers stay, de-identified; logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.identity import hash_identity
from listener.imports.save import import_file
from listener.storage.relationship_models import ErasureRow, OrderRow, PersonIdentityRow, SurveyResponseRow
from listener.storage.upsert import table_of
from tests.conftest import FakeClock
from tests.test_imports import CONFIG, FIXTURES, KEY


def every_cell(engine: Engine, skip: tuple[str, ...] = ()) -> str:
    """Every value of every row of every table (but `skip`), as one lower-case text."""
    with engine.connect() as connection:
        return "\n".join(str(tuple(row)) for table in SQLModel.metadata.sorted_tables if table.name not in skip
                         for row in connection.execute(select(table))).lower()


def anna_traces() -> list[str]:
    key = KEY.encode()
    return ["anna@social.example", "top service", "changed mind",
            hash_identity(key, "email", "anna@example.nl"), hash_identity(key, "customer", "C1"),
            hash_identity(key, "order", "O1"), hash_identity(key, "order", "O2")]


@pytest.fixture
def imported(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROR_IDENTITY_KEY", KEY)
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG)
    profile = load_config(path).profile(None)
    for kind, name in (("nps", "nps_messy"), ("customers", "customers"), ("orders", "orders")):
        import_file(engine, profile, kind, FIXTURES / f"{name}.csv", clock=FakeClock())
    return path


def test_forget_leaves_no_trace_of_the_person_in_any_table(imported: Path, engine: Engine) -> None:
    before = every_cell(engine)
    assert [trace for trace in anna_traces() if trace.lower() not in before] == []
    assert "anna@example.nl" not in before  # e-mails are only ever stored hashed
    result = CliRunner().invoke(app, ["forget", "email:Anna@Example.nl", "--config", str(imported)])
    assert result.exit_code == 0, result.output
    assert "brand: erased 3 identities, 1 customers, 1 survey_responses, 0 tickets, 2 orders, 1 quarantined_rows" \
        in result.output
    after = every_cell(engine)
    assert [trace for trace in anna_traces() if trace.lower() in after] == []
    with engine.connect() as connection:
        answers = {r.response_id: r for r in connection.execute(select(table_of(SurveyResponseRow)))}
        orders = connection.execute(select(table_of(OrderRow))).all()
        people_left = {r.person_id for r in connection.execute(select(table_of(PersonIdentityRow)))}
        log = connection.execute(select(table_of(ErasureRow))).one()
    assert answers["R1"].score == 9 and answers["R1"].person_id is None  # the answer stays, without Anna
    assert len(orders) == 3 and sum(o.person_id is None for o in orders) == 2
    assert len(people_left) == 1 and log.counts["orders"] == 2  # Bert is untouched; the erasure is logged


def test_forget_by_social_handle_and_an_unknown_person(imported: Path) -> None:
    found = CliRunner().invoke(app, ["forget", "mastodon:@Anna@social.example", "--config", str(imported)])
    assert found.exit_code == 0 and "erased 3 identities" in found.output
    again = CliRunner().invoke(app, ["forget", "mastodon:@anna@social.example", "--config", str(imported)])
    assert again.exit_code == 1 and "no such person" in again.output
    bad = CliRunner().invoke(app, ["forget", "anna", "--config", str(imported)])
    assert bad.exit_code == 2 and "email:ADDRESS" in bad.output
