"""`ror demo` end to end: replay server, real connector, store, scorer, aggregator, CLI output."""

from __future__ import annotations

import json
import shlex
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from listener.cli import main as cli_main
from listener.cli.main import app, index_table

COMMANDS = {"index", "explain", "people", "status", "alerts"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """One `ror demo` for the tests that only read what it printed and left behind."""
    directory = tmp_path_factory.mktemp("demo") / "demo"
    return directory, CliRunner().invoke(app, ["demo", "--dir", str(directory)])


def test_demo_runs_the_whole_pipeline_and_leaves_a_usable_config(demo_run: tuple[Path, Result], tmp_path: Path) -> None:
    directory, result = demo_run
    assert result.exit_code == 0, result.output
    assert all(f"RoR index: {name}" in result.output for name in ("acme", "fietsfabriek", "bergwerk"))
    assert "(ok)" in result.output
    assert f"config:   {directory / 'ror.toml'}" in result.output

    database = directory / "ror.db"
    with sqlite3.connect(database) as connection:
        items = connection.execute("select count(*) from items").fetchone()[0]
        events = connection.execute("select count(*) from engagement_events").fetchone()[0]
        owned = connection.execute("select count(*) from item_profiles where role = 'owned'").fetchone()[0]
        foreign = connection.execute(
            "select count(*) from sentiment_scores where status = 'scored' and language in ('de', 'fr', 'es')"
            " and backend like 'lexicon-model-%'").fetchone()[0]
        runs = connection.execute("select status from sync_runs").fetchall()
    assert items > 1000 and events > 1000 and owned > 80 and foreign > 20
    assert runs == [("ok",)] * 3

    config = str(directory / "ror.toml")
    shown = CliRunner().invoke(app, ["index", "--json", "--days", "42", "--config", config, "--profile", "acme"])
    assert shown.exit_code == 0, shown.output
    points = json.loads(shown.stdout)["points"]
    assert date.fromisoformat(points[-1]["day"]) >= date.today() - timedelta(days=1)
    by_age = {(date.fromisoformat(points[-1]["day"]) - date.fromisoformat(p["day"])).days: p for p in points}
    # The demo's bad stretch is days 11-15 counted back from the moment it runs, so calendar
    # days 12-15 lie wholly inside it whatever the time of day (day 11 mixes in a good day).
    bad = [by_age[d]["components"]["sentiment"]["score"] for d in range(12, 16)]
    good = [by_age[d]["components"]["sentiment"]["score"] for d in range(1, 7)]
    assert max(bad) < 50 < min(good), (bad, good)
    assert points[-1]["provisional"] and not by_age[10]["provisional"]

    # The crisis fires the sentiment-drop alert it was built to show, at the time the daemon would have.
    assert "sentiment drop" in result.output.split("alerts the daemon would have raised")[1].split("database:")[0]
    with sqlite3.connect(database) as connection:
        fired = connection.execute(
            "select detector, observed_at from alerts where detector = 'sentiment_drop'").fetchall()
    assert fired and all(date.fromisoformat(at[:10]) < date.today() - timedelta(days=9) for _, at in fired)

    # The demo's own CRM and NPS exports are imported, so the founders' RoR % shows everywhere the index does.
    assert all(f"imported the demo brand's {kind}: " in result.output
               for kind in ("customers", "orders", "nps", "email_campaigns", "web_days"))
    assert "founders' RoR % (" in result.output and "linked people helped came back" in result.output
    founders = json.loads(shown.stdout)["ror_percent"]
    latest = founders["latest"]
    assert latest["helped"] > 20 and 0 < latest["percent"] < 100 and founders["linked_people"] > latest["helped"]
    assert 0 < founders["social_answered_linked_people"] < founders["social_answered_people"]
    assert set(latest["helped_by_channel"]) == {"social", "ticket"} and founders["social_proxy"]["score"] > 0
    survey, retention = (points[-1]["components"][name] for name in ("survey_nps", "retention"))
    assert survey["answers"] > 10 and 0 < survey["score"] < 100 and 0 < retention["retention"] < 1
    assert {"survey_nps", "retention"} <= set(points[-1]["used_components"])
    # the newsletter's clicks and the shop's conversions sag in the bad stretch, like the social sentiment
    web = [by_age[d]["components"]["web_engagement"]["score"] for d in (11, 3)]  # 5 of 7 days bad, none bad
    assert web[0] < 50 < web[1], web
    assert all(points[-1]["components"][n]["score"] is not None for n in ("email_engagement", "web_engagement"))
    explained = CliRunner().invoke(app, ["explain", "--json", "--top", "0", "--config", config, "--profile", "acme"])
    assert json.loads(explained.stdout)["ror_percent"]["latest"]["helped"] > 0
    exported = CliRunner().invoke(app, ["export", "-f", "md", "-f", "json", "--out", str(tmp_path / "out"),
                                        "--config", config, "--profile", "acme"])
    assert exported.exit_code == 0, exported.output
    weekly = {path.suffix: path.read_text() for path in (tmp_path / "out").iterdir()}
    assert "## Founders' RoR %" in weekly[".md"] and json.loads(weekly[".json"])["ror_percent"]["helped"] > 0
    assert "customers.example" not in weekly[".md"] + weekly[".json"]  # the demo CRM's e-mail domain
    with sqlite3.connect(database) as connection:
        alerts = str(connection.execute("select * from alerts").fetchall())
    assert alerts != "[]" and "customers.example" not in alerts and "C001" not in alerts

    status = json.loads(CliRunner().invoke(app, ["status", "--json", "--config", config]).stdout)
    assert [s["state"] for s in status] == ["healthy"] * 3
    assert f"collected {sum(s['items'] for s in status)} items" in result.output

    # Every "next, try" command runs as printed (after the program name), and explain is among them.
    tried = result.output.split("next, try:")[1].strip().splitlines()
    assert any(" explain --date " in line for line in tried) and any(" serve --config " in line for line in tried)
    assert any(" explain --date " in line and "--profile acme" in line for line in tried)
    for line in (line for line in tried if " serve " not in line):  # serve would keep running
        args = shlex.split(line.split("#")[0])
        ran = CliRunner().invoke(app, args[args.index(next(a for a in args if a in COMMANDS)):])
        assert ran.exit_code == 0, (line, ran.output)

    narrow = Console(width=80, record=True)
    narrow.print(index_table("acme", points[-7:]))
    text = narrow.export_text()
    assert all(p["day"] in text for p in points[-7:]) and "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80 and "provisional" in text


def test_next_commands_name_the_program_as_it_was_started_when_ror_is_not_on_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_main.shutil, "which", lambda _name: None)
    monkeypatch.setattr(cli_main.sys, "argv", [".venv/bin/ror", "demo"])
    points = [{"day": "2026-11-20", "daily_index": 41.0}, {"day": "2026-11-21", "daily_index": 38.5}]
    commands = cli_main.demo_next_commands(Path("ror-demo/ror.toml"), points)
    assert all(c.startswith(".venv/bin/ror ") for c in commands)
    assert ".venv/bin/ror explain --date 2026-11-21 --config ror-demo/ror.toml" in commands[1]


def test_demo_twice_in_the_same_directory_starts_fresh(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    for _ in range(2):
        assert CliRunner().invoke(app, ["demo", "--dir", str(directory)]).exit_code == 0
    with sqlite3.connect(directory / "ror.db") as connection:
        accounts = connection.execute("select count(*) from accounts").fetchone()[0]
    assert accounts == 3  # the three brands' own accounts, once each


def test_the_dutch_and_german_brands_get_sentiment_index_and_their_alert(demo_run: tuple[Path, Result]) -> None:
    """Their customers write Dutch or German, a third of it without a platform language: detected and scored."""
    directory, result = demo_run
    assert result.exit_code == 0, result.output
    config = str(directory / "ror.toml")
    with sqlite3.connect(directory / "ror.db") as connection:
        scored = dict(connection.execute(
            "select s.language || ' ' || s.language_source, count(*) from sentiment_scores s "
            "where s.status = 'scored' and s.backend like 'lexicon-model-' || s.language || '%' "
            "and s.language in ('nl', 'de') group by 1").fetchall())
        fired = connection.execute("select distinct p.name from alerts a join profiles p on p.id = a.profile_id "
                                   "where a.detector = 'sentiment_drop'").fetchall()
    assert min(scored.get(f"{lang} {source}", 0) for lang in ("nl", "de") for source in ("platform", "detected")) > 50
    assert {name for (name,) in fired} == {"acme", "fietsfabriek", "bergwerk"}
    for profile in ("fietsfabriek", "bergwerk"):
        shown = CliRunner().invoke(app, ["index", "--json", "--days", "42", "--config", config, "--profile", profile])
        points = json.loads(shown.stdout)["points"]
        by_age = {(date.fromisoformat(points[-1]["day"]) - date.fromisoformat(p["day"])).days: p for p in points}
        bad = [by_age[d]["components"]["sentiment"]["score"] for d in range(12, 16)]
        good = [by_age[d]["components"]["sentiment"]["score"] for d in range(1, 7)]
        assert max(bad) < min(good), (profile, bad, good)
