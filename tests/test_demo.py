"""`ror demo` end to end: replay server, real connector, store, scorer, aggregator, CLI output."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from listener.cli.main import app


def test_demo_runs_the_whole_pipeline_and_leaves_a_usable_config(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    assert "RoR index: acme" in result.output and "(ok)" in result.output
    assert f"config:   {directory / 'ror.toml'}" in result.output

    database = directory / "ror.db"
    with sqlite3.connect(database) as connection:
        items = connection.execute("select count(*) from items").fetchone()[0]
        events = connection.execute("select count(*) from engagement_events").fetchone()[0]
        owned = connection.execute("select count(*) from item_profiles where role = 'owned'").fetchone()[0]
        unsupported = connection.execute(
            "select count(*) from sentiment_scores where status = 'unsupported_language'").fetchone()[0]
        runs = connection.execute("select status from sync_runs").fetchall()
    assert items > 1000 and events > 1000 and owned > 80 and unsupported > 20
    assert runs == [("ok",)]

    config = str(directory / "ror.toml")
    shown = CliRunner().invoke(app, ["index", "--json", "--days", "42", "--config", config])
    assert shown.exit_code == 0, shown.output
    points = json.loads(shown.output)["points"]
    assert date.fromisoformat(points[-1]["day"]) >= date.today() - timedelta(days=1)
    by_age = {(date.fromisoformat(points[-1]["day"]) - date.fromisoformat(p["day"])).days: p for p in points}
    # The demo's bad stretch is days 11-15 counted back from the moment it runs, so calendar
    # days 12-15 lie wholly inside it whatever the time of day (day 11 mixes in a good day).
    bad = [by_age[d]["components"]["sentiment"]["score"] for d in range(12, 16)]
    good = [by_age[d]["components"]["sentiment"]["score"] for d in range(1, 7)]
    assert max(bad) < 50 < min(good), (bad, good)
    assert points[-1]["provisional"] and not by_age[10]["provisional"]

    status = CliRunner().invoke(app, ["status", "--json", "--config", config])
    assert json.loads(status.output)[0]["state"] == "healthy"


def test_demo_twice_in_the_same_directory_starts_fresh(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    for _ in range(2):
        assert CliRunner().invoke(app, ["demo", "--dir", str(directory)]).exit_code == 0
    with sqlite3.connect(directory / "ror.db") as connection:
        accounts = connection.execute("select count(*) from accounts").fetchone()[0]
    assert accounts == 1
