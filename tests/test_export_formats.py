"""What a user meets in each format: CSV through Python's csv module, escaped Markdown, safe links, empty weeks."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from listener.config.settings import ProfileConfig
from listener.exports import IsoWeek, WeeklySummary, build_weekly_summary
from listener.exports.csv_export import ITEM_COLUMNS, SUMMARY_COLUMNS, items_csv, summary_csv
from listener.exports.html_export import render_html
from listener.exports.json_export import to_document
from listener.exports.markdown_export import render_markdown
from listener.exports.present import EMPTY_MESSAGE
from listener.exports.safety import escape_markdown, neutralise_cell, safe_url
from tests.test_export_data import EXPORT_NOW, FORMULA_TEXT, WEEK, XSS_HANDLE, dataset, summary  # noqa: F401


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_summary_csv_has_one_row_per_platform_and_a_total_with_stable_columns(summary: WeeklySummary) -> None:  # noqa: F811
    text = summary_csv(summary)
    rows = read_csv(text)
    assert tuple(csv.reader(io.StringIO(text)).__next__()) == SUMMARY_COLUMNS
    assert [r["platform"] for r in rows] == ["appstore", "bluesky", "mastodon", "total", "total_previous_week"]
    total, before = rows[-2], rows[-1]
    assert (before["week"], before["week_start"], before["index_end"]) == ("2026-W42", "2026-10-12T00:00:00+02:00", "")
    assert total["week"] == "2026-W43" and total["week_start"] == "2026-10-19T00:00:00+02:00"
    assert total["week_end"] == "2026-10-26T00:00:00+01:00"
    assert float(total["net_sentiment_change"]) < 0  # negative numbers stay numbers, not neutralised text
    assert total["index_end"] and rows[0]["index_end"] == ""  # the index is the profile's, shown on the total row
    assert rows[0]["engagement_rate"] == ""  # not available (no followers on a review site), not zero


def test_items_csv_neutralises_formula_cells_and_shows_them(summary: WeeklySummary) -> None:  # noqa: F811
    rows = read_csv(items_csv(summary))
    assert tuple(rows[0]) == ITEM_COLUMNS
    texts = {r["external_id"]: r["text"] for r in rows}
    assert texts["m:i5"] == "'" + FORMULA_TEXT  # =HYPERLINK(...) is shown, not run
    assert texts["m:i6"].startswith("'+1 555") and texts["m:i10"].startswith("'-2 stars")
    assert texts["m:i3"].startswith("'@acme") and texts["m:i7"].startswith("'@everyone")
    assert texts["m:p1"] == "New autumn blend is here! Tell us what you think."  # ordinary text untouched
    negative = next(r for r in rows if r["external_id"] == "m:i3")
    assert negative["sentiment"] == "-0.75" and negative["list"] == "most_negative"
    assert next(r for r in rows if r["external_id"] == "m:i4")["url"] == ""  # javascript: link dropped


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain", "plain"), ("", ""), (-0.5, -0.5), (3, 3), (None, None),
])
def test_neutralise_cell(value: object, expected: object) -> None:
    assert neutralise_cell(value) == expected


def test_markdown_escapes_user_text_and_drops_unsafe_links(summary: WeeklySummary) -> None:  # noqa: F811
    text = render_markdown(summary)
    assert not re.search(r"(?<!\\)<(script|img|svg)", text)  # every tag from user text is backslash-escaped
    assert r"\<script\>document.title=" in text and r"\[click\](javascript:alert(1)) \| pipe" in text
    assert "](javascript:" not in text.replace(r"\](javascript:", "")  # the bracket is escaped: no link
    assert "[link](<https://mastodon.example/i1>)" in text
    assert "| Net sentiment \\* |" in text  # provisional figures are marked


@pytest.mark.parametrize(("text", "expected"), [
    ("<b>hi</b>", r"\<b\>hi\</b\>"), ("a | b", r"a \| b"), ("[x](y)", r"\[x\](y)"), ("*bold* _i_", r"\*bold\* \_i\_"),
    ("line\nbreak", "line break"), ("`code`", r"\`code\`"), ("&amp;", r"\&amp;"),
    ("Pre-orders are open. Great job!", "Pre-orders are open. Great job!"), ("# not a heading", r"\# not a heading"),
    ("- not a list", r"\- not a list"), ("1. not a list", r"1\. not a list"), ("![img](x)", r"!\[img\](x)"),
])
def test_escape_markdown(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


@pytest.mark.parametrize(("url", "safe"), [
    ("https://example.com/a?b=1", True), ("http://example.com", True), ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False), ("https://x.example/\"onmouseover=", False),
    ("https://x.example/ a", False), ("//example.com", False), (None, False),
])
def test_safe_url(url: str | None, safe: bool) -> None:
    assert safe_url(url) == (url if safe else None)


def test_html_escapes_text_and_handles_and_loads_nothing_external(summary: WeeklySummary) -> None:  # noqa: F811
    page = render_html(summary)
    assert "<script" not in page and "<img" not in page and XSS_HANDLE not in page
    assert "&lt;svg onload=&quot;document.title=&#x27;XSS2&#x27;&quot;&gt;" in page
    assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" in page
    tags = re.findall(r"<[a-zA-Z][^>]*>", page)
    assert not [t for t in tags if re.search(r"\s(src|srcset|poster|data)=", t) or t.startswith("<link")]
    assert {t.split()[0] for t in tags if " href=" in t} == {"<a"}  # links to follow, nothing loaded by itself
    style = page.split("<style>")[1].split("</style>")[0]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style


def test_json_is_versioned_and_round_trips(summary: WeeklySummary) -> None:  # noqa: F811
    document = json.loads(json.dumps(to_document(summary)))
    assert document["schema"] == "ror-weekly-summary" and document["schema_version"] == 1
    assert document["index"]["components"][0]["name"] == "sentiment"
    assert document["total"]["responses"]["pending"] == 1 and "response_rate" in document["provisional"]["figures"]


def test_an_empty_week_says_so_in_every_format(dataset: tuple[Engine, ProfileConfig]) -> None:  # noqa: F811
    engine, profile = dataset
    empty = build_weekly_summary(engine, profile, IsoWeek(2025, 2), EXPORT_NOW)
    assert empty.empty
    assert EMPTY_MESSAGE in render_markdown(empty) and EMPTY_MESSAGE in render_html(empty)
    assert to_document(empty)["empty"] is True
    total = read_csv(summary_csv(empty))[-1]
    assert total["inbound_items"] == "0" and total["net_sentiment"] == "" and total["index_end"] == ""


def test_the_week_before_a_dst_change_in_new_york_is_167_hours(dataset: tuple[Engine, ProfileConfig]) -> None:  # noqa: F811
    engine, _ = dataset
    profile = ProfileConfig.model_validate({"name": "nyc", "timezone": "America/New_York"})
    week = build_weekly_summary(engine, profile, IsoWeek(2026, 10), EXPORT_NOW)  # clocks spring forward on Sun 8 Mar
    assert (week.end - week.start).total_seconds() == 167 * 3600
    assert "(America/New_York, 167 h)" in render_markdown(week)
    assert WEEK.label in render_markdown(build_weekly_summary(engine, profile, WEEK, EXPORT_NOW))


def _json_keys(value: object, under_components: bool = False) -> set[str]:
    if isinstance(value, dict):
        keys = set() if under_components else set(value)
        for key, child in value.items():
            keys |= _json_keys(child, under_components or (key == "components" and isinstance(child, dict)))
        return keys
    if isinstance(value, list):
        return set().union(*(_json_keys(v, under_components) for v in value)) if value else set()
    return set()


def test_docs_describe_every_csv_column_and_json_field(summary: WeeklySummary) -> None:  # noqa: F811
    docs = (Path(__file__).resolve().parent.parent / "docs" / "exports.md").read_text()
    undocumented = [c for c in (*SUMMARY_COLUMNS, *ITEM_COLUMNS) if f"`{c}`" not in docs]
    undocumented += sorted(k for k in _json_keys(to_document(summary)) if f"`{k}`" not in docs)
    assert undocumented == []
