"""The founders' RoR % where users read it: as of a day (explain) and in the weekly summary's four formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from listener.config.exports import EXPORT_FORMATS
from listener.config.settings import load_config
from listener.exports import build_weekly_summary, render_files
from listener.exports.weeks import IsoWeek
from listener.read.ror_percent import ror_percent_as_of
from tests.conftest import FIXED_NOW, FakeClock
from tests.test_ror_percent import linked  # noqa: F401  (a fixture)

# 2026-W41 ends Monday 12 October 2026 00:00 UTC. Its window runs from 1 November 2025: Anna (answered
# 10 March), Bert (ticket 5 May), Cora (answered 1 June) and Gus (review replied 2 February) were helped;
# Anna ordered 1 April, Cora's referral Dirk signed up 1 July, Gus ordered 10 February; Bert ordered only
# before his ticket. Eve's answer (15 October 2025) is before the window, Fay's (10 November 2026) after it.
WEEK = IsoWeek(2026, 41)
WEEK_END = datetime(2026, 10, 12, tzinfo=UTC)
PERSONAL = ("anna@example.nl", "bert@example.de", "gus@example.org", "example.nl", "example.org")


def test_ror_percent_as_of_a_moment_counts_the_twelve_months_up_to_it(linked: Path, engine: Engine) -> None:  # noqa: F811
    summary = ror_percent_as_of(engine, load_config(linked).profile(None), WEEK_END, clock=FakeClock())
    latest = summary["latest"]
    assert (latest["month"], latest["helped"], latest["returned"], latest["percent"]) == ("2026-10", 4, 3, 75.0)
    assert latest["window_end"] == WEEK_END.isoformat() and latest["partial"] is True
    # answered on social inside the window: Anna, Cora and one author no CRM row names (u9, 1 August)
    assert (summary["social_answered_people"], summary["social_answered_linked_people"]) == (3, 2)
    assert summary["linked_people"] == 7  # six CRM customers and Gus (e-mail + order + Trustpilot id)
    later = ror_percent_as_of(engine, load_config(linked).profile(None), datetime(2030, 1, 1, tzinfo=UTC),
                              clock=FakeClock())
    assert later["latest"]["window_end"] == FIXED_NOW.isoformat()  # never past now


def test_weekly_summary_shows_the_founders_ror_percent_in_every_format(linked: Path, engine: Engine) -> None:  # noqa: F811
    summary = build_weekly_summary(engine, load_config(linked).profile(None), WEEK, FIXED_NOW)
    founders = summary.ror_percent
    assert founders is not None
    assert (founders.percent, founders.helped, founders.returned, founders.linked_people) == (75.0, 4, 3, 7)
    files = render_files(summary, EXPORT_FORMATS)
    total = [row for row in csv.DictReader(io.StringIO(files["brand-2026-W41.csv"])) if row["platform"] == "total"]
    assert [(r["ror_percent"], r["ror_helped"], r["ror_returned"], r["ror_linked_people"]) for r in total] == [
        ("75.0", "4", "3", "7")]
    document = json.loads(files["brand-2026-W41.json"])["ror_percent"]
    assert (document["percent"], document["social_answered_people"], document["social_answered_linked_people"]) == (
        75.0, 3, 2)
    assert document["window_start"] == "2025-11-01T00:00:00+00:00" and document["social_proxy"] is None
    sentence = "75.0%: 3 of 4 linked people helped in the 12 months up to 11 Oct 2026 came back or referred someone"
    assert sentence in files["brand-2026-W41.md"] and sentence in files["brand-2026-W41.html"]
    assert "2 of 3 people answered on social in that window are linked" in files["brand-2026-W41.md"]
    for name, text in files.items():
        assert not any(value in text for value in PERSONAL), name


def test_weekly_summary_before_anyone_was_helped_says_so(linked: Path, engine: Engine) -> None:  # noqa: F811
    summary = build_weekly_summary(engine, load_config(linked).profile(None), IsoWeek(2025, 40), FIXED_NOW)
    assert summary.ror_percent is not None and summary.ror_percent.percent is None
    markdown = render_files(summary, ["md"])["brand-2025-W40.md"]
    assert "No linked person was helped in the 12 months up to" in markdown


def test_the_dashboard_overview_shows_the_ror_percent_beside_the_social_proxy(linked: Path, engine: Engine) -> None:  # noqa: F811
    import httpx

    from listener.dashboard import DashboardServer

    server = DashboardServer(load_config(linked), engine, "127.0.0.1", 0, clock=FakeClock())
    url = server.start()
    try:
        page = httpx.get(url + "/").text
    finally:
        server.stop()
    # the hand-computed figures of tests/test_ror_percent.py: 3 of 5 helped came back, 3 of 4 answered are linked
    assert "Founders' RoR %" in page and "<span class=\"value\">60.0%</span>" in page
    assert "3 of 5 linked people helped came back or referred someone; 7 people linked" in page
    assert "3 of 4 people answered on social are linked to the CRM" in page
    assert not any(secret in page for secret in PERSONAL)


def test_a_profile_without_imported_people_shows_no_ror_percent_card(tmp_path: Path) -> None:
    import httpx

    from listener.dashboard import DashboardServer
    from tests.dashboard_seed import seeded_database
    from tests.test_export_data import EXPORT_NOW

    config, engine = seeded_database(tmp_path, users=False)
    server = DashboardServer(config, engine, "127.0.0.1", 0, clock=lambda: EXPORT_NOW)
    url = server.start()
    try:
        page = httpx.get(url + "/").text
    finally:
        server.stop()
    assert "Running index" in page and "Founders' RoR %" not in page
