"""The founders' RoR %: hand-computed on a small linked data set, per month, shown in `ror index --json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from listener.cli.main import app
from listener.config.settings import ProfileConfig, load_config
from listener.imports.forget import forget_person
from listener.imports.save import import_file
from listener.read.ror_percent import ror_percent_summary
from listener.storage.index_models import ResponseRow
from listener.storage.models import AuthorRow, ItemProfileRow, ItemRow
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of
from scoring.ror_percent import Comeback, Help, compute_monthly_ror, compute_ror_percent
from tests.conftest import FakeClock
from tests.test_forget import every_cell

FIXTURES = Path(__file__).parent / "fixtures" / "ror_percent"
UTC_ZONE = ZoneInfo("UTC")
CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"
timezone = "UTC"

[profiles.imports]
social_platform = "mastodon"
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_comeback_counts_only_after_the_first_help_and_before_the_window_ends() -> None:
    helps = [Help(1, at("2026-03-01"), "social"), Help(1, at("2026-05-01"), "ticket"),
             Help(2, at("2026-04-01"), "social"), Help(3, at("2026-06-01"), "review")]
    comebacks = [Comeback(1, at("2026-04-01"), "order"), Comeback(2, at("2026-03-15"), "order"),
                 Comeback(3, at("2026-08-01"), "referral")]
    ror = compute_ror_percent(helps, comebacks, at("2026-01-01"), at("2026-07-01"))
    assert (ror.helped, ror.returned, ror.percent) == (3, 1, 33.3)  # 2 bought before help, 3 after the window
    assert ror.helped_by_channel == {"social": 2, "ticket": 1, "review": 1}
    assert compute_ror_percent([], comebacks, at("2026-01-01"), at("2026-07-01")).percent is None


def test_each_month_looks_back_twelve_months_in_the_profiles_zone() -> None:
    zone = ZoneInfo("Europe/Berlin")
    helps = [Help(1, datetime(2025, 11, 30, 22, 30, tzinfo=UTC), "social"),  # 30 November 23:30 in Berlin
             Help(2, datetime(2025, 11, 30, 23, 30, tzinfo=UTC), "social")]  # 1 December 00:30 in Berlin
    months = compute_monthly_ror(helps, [], datetime(2026, 11, 18, tzinfo=UTC), zone, months=2)
    assert [(m, r.helped) for m, r in months] == [("2026-10", 2), ("2026-11", 1)]
    assert months[1][1].start == datetime(2025, 11, 30, 23, 0, tzinfo=UTC)


def seed_linked(engine: Engine, profile: ProfileConfig) -> None:
    """Seven customers, social answers, a ticket, a replied review, orders and a referral (the docs' example)."""
    for kind in ("customers", "orders", "tickets", "links"):
        assert import_file(engine, profile, kind, FIXTURES / f"{kind}.csv", clock=FakeClock()).quarantined == 0
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "brand", "UTC")
        answered = [("a1", "anna@social.example", "2026-03-10"), ("c3", "cora@social.example", "2026-06-01"),
                    ("e5", "eve@social.example", "2025-10-15"), ("f6", "fay@social.example", "2026-11-10T12:00"),
                    ("u9", "stranger@social.example", "2026-08-01")]
        for author, handle, when in answered:
            connection.execute(insert(table_of(AuthorRow)).values(platform="mastodon", external_id=author,
                                                                  handle=handle, updated_at=at(when)))
            connection.execute(insert(table_of(ResponseRow)).values(
                profile_id=profile_id, platform="mastodon", external_id=f"q-{author}", author_external_id=author,
                reason="question", created_at=at(when) - timedelta(hours=2), deadline_at=at(when),
                deadline_day=at(when).date(), first_reply_at=at(when)))
        for external_id, kind, author, parent, role, when in (
                ("r1", "review", "tp-77", None, "inbound", "2026-02-01"),
                ("r1-reply", "reply", "brand", "r1", "owned", "2026-02-02")):
            connection.execute(insert(table_of(ItemRow)).values(
                platform="trustpilot", external_id=external_id, kind=kind, author_external_id=author,
                parent_external_id=parent, text="", created_at=at(when), fetched_at=at(when)))
            connection.execute(insert(table_of(ItemProfileRow)).values(
                profile_id=profile_id, platform="trustpilot", external_id=external_id, role=role, source="tp",
                created_at=at(when)))


@pytest.fixture
def linked(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config over the seeded SQLite database."""
    monkeypatch.setenv("ROR_IDENTITY_KEY", "test-identity-key-0123456789")
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG)
    seed_linked(engine, load_config(path).profile(None))
    return path


def test_hand_computed_ror_percent_on_a_linked_data_set(linked: Path, engine: Engine) -> None:
    summary = ror_percent_summary(engine, load_config(linked).profile(None), clock=FakeClock())
    months = {m["month"]: m for m in summary["months"]}
    # November 2026 (window 2025-12-01 .. now): Anna, Cora, Fay (social), Bert (ticket), Gus (review) were helped;
    # Anna ordered, Cora referred Dirk, Gus ordered; Bert and Fay ordered only before their help.
    latest = summary["latest"]
    assert (latest["helped"], latest["returned"], latest["percent"], latest["partial"]) == (5, 3, 60.0, True)
    assert latest["helped_by_channel"] == {"social": 3, "ticket": 1, "review": 1}
    assert latest["returned_by_kind"] == {"order": 2, "referral": 1}
    assert (months["2026-10"]["helped"], months["2026-10"]["percent"]) == (4, 75.0)  # Fay not yet helped
    assert (months["2026-09"]["helped"], months["2026-09"]["percent"]) == (5, 80.0)  # Eve helped, then ordered
    assert (summary["social_answered_people"], summary["social_answered_linked_people"]) == (4, 3)


def test_postgres_gives_the_same_ror_percent_and_forget_leaves_no_trace(
        pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROR_IDENTITY_KEY", "test-identity-key-0123456789")
    (tmp_path / "ror.toml").write_text(CONFIG)
    profile = load_config(tmp_path / "ror.toml").profile(None)
    seed_linked(pg_engine, profile)
    latest = ror_percent_summary(pg_engine, profile, clock=FakeClock())["latest"]
    assert (latest["helped"], latest["returned"], latest["percent"]) == (5, 3, 60.0)
    assert forget_person(pg_engine, [profile], "mastodon:@cora@social.example", clock=FakeClock())["brand"][
        "customers"] == 1
    # the collected social data (authors) is the connectors', not the person's CRM record
    assert "cora@social.example" not in every_cell(pg_engine, skip=("authors",))
    after = ror_percent_summary(pg_engine, profile, clock=FakeClock())["latest"]
    assert (after["helped"], after["returned"]) == (4, 2)  # Cora is no longer a linked person


def test_ror_index_json_shows_ror_percent_beside_the_social_proxy(linked: Path) -> None:
    result = CliRunner().invoke(app, ["index", "--json", "--config", str(linked)])
    assert result.exit_code == 0, result.output
    founders = json.loads(result.stdout)["ror_percent"]  # `ror index` reads the real clock: shape, not values
    assert {"latest", "months", "social_proxy", "social_answered_people", "definition"} <= set(founders)
    assert len(founders["months"]) == 12 and founders["latest"]["partial"] is True
    table = CliRunner().invoke(app, ["index", "--config", str(linked)])
    assert "founders' RoR %" in table.output and "linked people helped" in table.output


def test_counts_by_channel_and_kind_come_in_name_order_whatever_the_set_order() -> None:
    """`ror index --json` prints these dicts: their key order must not follow a set's per-process order."""
    at = datetime(2026, 3, 1, tzinfo=UTC)
    channels = ["social", "review", "ticket", "email", "chat", "phone"]
    helps = [Help(person=1, at=at, channel=c) for c in channels] + [Help(person=2, at=at, channel="chat")]
    comebacks = [Comeback(person=1, at=at + timedelta(days=1), kind=k) for k in ("review", "order", "mention", "buy")]
    result = compute_ror_percent(helps, comebacks, at - timedelta(days=1), at + timedelta(days=30))
    assert list(result.helped_by_channel) == sorted(channels)
    assert result.helped_by_channel["chat"] == 2
    assert list(result.returned_by_kind) == ["buy", "mention", "order", "review"]
