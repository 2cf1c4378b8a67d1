"""Golden files: the fixed dataset's week 2026-W43 in all four formats, byte for byte.

Regenerate after an intended change, then review the diff:
    ROR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_export_golden.py
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from listener.config.exports import EXPORT_FORMATS
from listener.config.settings import ProfileConfig
from listener.exports import build_weekly_summary, render_files
from listener.index.aggregate import aggregate_profile, formula_version
from listener.storage.index_models import IndexDayRow
from listener.storage.upsert import table_of
from tests.test_export_data import EXPORT_NOW, WEEK, dataset  # noqa: F401  (dataset is a fixture)

GOLDEN = Path(__file__).resolve().parent / "golden" / "exports"
UPDATE = os.environ.get("ROR_UPDATE_GOLDEN") == "1"
FILES = ("acme-2026-W43.csv", "acme-2026-W43-items.csv", "acme-2026-W43.json", "acme-2026-W43.md",
         "acme-2026-W43.html")
# The series name carries a digest of the index parameters, which the index feature owns.
VERSION_PLACEHOLDER = "<formula-version>"


@pytest.fixture(scope="module")
def rendered(dataset: tuple[Engine, ProfileConfig]) -> dict[str, str]:  # noqa: F811
    engine, profile = dataset
    summary = build_weekly_summary(engine, profile, WEEK, EXPORT_NOW)
    version = formula_version(profile.index)
    return {name: text.replace(version, VERSION_PLACEHOLDER)
            for name, text in render_files(summary, EXPORT_FORMATS).items()}


def test_every_format_is_rendered(rendered: dict[str, str]) -> None:
    assert sorted(rendered) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_export_matches_its_golden_file(rendered: dict[str, str], name: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rendered[name].encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert rendered[name] == expected, f"{name} differs from its golden file (see this module's docstring)"


def test_the_golden_files_carry_the_hand_computed_figures() -> None:
    """The golden files are the product's own output; their key figures are checked by hand here.

    Mastodon in 2026-W43 (see tests/test_export_data.py for the items): positive i1, i5, i6;
    negative i3, i4, i7, i10; neutral i2, i12; i11 in an unsupported language. Net sentiment
    (3 - 4) / 7; the week before (2 - 1) / 3. Seven items need an answer: two in time, one late,
    three unanswered, one pending, so 2 of 6 decided; replies took 150, 475 and 1560 minutes.
    Bluesky bp1 gained 5 + 4 + 1 likes, 1 share and 1 reply; 12 over 500 followers plus the
    2/9 of one like that falls inside the week. The week before (2026-W42) holds only i13 and
    i14 (positive) and i9 (negative, Sun 23:55 local), and no owned post.
    """
    rows = {r["platform"]: r for r in csv.DictReader(io.StringIO((GOLDEN / "acme-2026-W43.csv").read_text()))}
    mastodon, bluesky, total = rows["mastodon"], rows["bluesky"], rows["total"]
    assert [int(mastodon[k]) for k in ("positive", "negative", "neutral", "unsupported_language")] == [3, 4, 2, 1]
    assert float(mastodon["net_sentiment"]) == round((3 - 4) / 7, 4)
    assert float(mastodon["net_sentiment_previous_week"]) == round((2 - 1) / 3, 4)
    assert [int(mastodon[k]) for k in ("needs_answer", "answered_within_sla", "answered_late", "unanswered",
                                       "pending_answer")] == [7, 2, 1, 3, 1]
    assert float(mastodon["response_rate"]) == round(2 / 6, 4) and float(mastodon["median_response_minutes"]) == 475
    assert [int(bluesky[k]) for k in ("likes", "shares", "replies", "quotes", "followers")] == [10, 1, 1, 0, 500]
    assert float(bluesky["engagement_rate"]) == round((5 + 6 + 1 + 2 / 9) / 500, 6)
    assert int(total["positive"]) == 3 + 1 + 1 and int(total["negative"]) == 4 + 0 + 1
    before = rows["total_previous_week"]
    assert [int(before[k]) for k in ("inbound_items", "positive", "negative", "owned_posts")] == [3, 2, 1, 0]
    document = json.loads((GOLDEN / "acme-2026-W43.json").read_text())
    assert document["total"]["sentiment"]["positive"] == 5 and document["total"]["responses"]["needs_answer"] == 7
    markdown = (GOLDEN / "acme-2026-W43.md").read_text()
    assert "| Positive inbound \\* | 1 | 1 | 3 | 5 | 2 | +3 |" in markdown  # total, the week before, change


def test_the_weekly_figures_agree_with_the_aggregators_day_facts(dataset: tuple[Engine, ProfileConfig]) -> None:  # noqa: F811
    engine, profile = dataset
    aggregate_profile(engine, profile, clock=lambda: EXPORT_NOW)
    summary = build_weekly_summary(engine, profile, WEEK, EXPORT_NOW)
    days = table_of(IndexDayRow)
    with engine.connect() as connection:
        facts = connection.execute(select(
            func.sum(days.c.positive), func.sum(days.c.negative), func.sum(days.c.neutral), func.sum(days.c.inbound))
            .where(days.c.day.between(date(2026, 10, 19), date(2026, 10, 25)))).one()
    total = summary.total
    assert (total.sentiment.positive, total.sentiment.negative, total.sentiment.neutral) == tuple(facts[:3])
    assert total.inbound_items == facts[3]
