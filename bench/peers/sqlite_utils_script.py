"""The 50-line peer: sqlite-utils upserts of each page, vaderSentiment, one SQL daily aggregate.

This is the script a community manager who knows Python would write instead of installing
ror-listener: store each API page as it arrives (an idempotent upsert on the status id),
score what is stored with the vaderSentiment library, then one GROUP BY for a daily series.
Two variants: `plain` strips tags with a regex, `normalised` uses our HTML-to-text and
sentiment clean-up. Both run the same language gate as ror-listener (`scoring.language`)
on items whose platform gives no language, and score only what it calls English or leaves open.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any

import sqlite_utils
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from connectors.html_text import html_to_text
from scoring.language import resolve_language
from scoring.text import clean_for_sentiment

PAGE = 40
_TAG = re.compile(r"<[^>]+>")
DAILY = """
CREATE TABLE daily AS
SELECT date(items.created_at) AS day, count(*) AS items, count(scores.compound) AS scored,
       avg(scores.compound) AS mean_compound, sum(scores.compound >= 0.05) AS positive,
       sum(scores.compound <= -0.05) AS negative
FROM items LEFT JOIN scores ON scores.id = items.id GROUP BY day ORDER BY day
"""


def plain_text(content: str) -> str:
    """What a script does with HTML: drop the tags, decode the entities."""
    return html.unescape(_TAG.sub(" ", content)).strip()


def normalised_text(content: str) -> str:
    """ror-listener's clean-up: HTML to text, then URLs, handles and entities for sentiment."""
    return clean_for_sentiment(html_to_text(content))


def save_pages(db: sqlite_utils.Database, records: Iterable[dict[str, Any]], text: Callable[[str], str]) -> None:
    """Upsert each 40-status page as it would arrive from the API."""
    records = iter(records)
    while page := list(islice(records, PAGE)):
        db["items"].upsert_all(({"id": s["id"], "author": s["account"]["acct"], "created_at": s["created_at"],
                                 "in_reply_to_id": s["in_reply_to_id"], "language": s["language"],
                                 "likes": s["favourites_count"], "text": text(s["content"])} for s in page),
                               pk="id")


def score_items(db: sqlite_utils.Database, analyzer: SentimentIntensityAnalyzer) -> None:
    """VADER on every stored item the language gate lets through; one upsert of all scores."""
    scores = []
    for row in db.query("SELECT id, text, language FROM items"):
        code = resolve_language(row["language"], row["text"]).code
        if code in (None, "en") and row["text"]:
            scores.append({"id": row["id"], **analyzer.polarity_scores(row["text"])})
    db["scores"].upsert_all(scores, pk="id")


def run(path: Path, records: Iterable[dict[str, Any]], text: Callable[[str], str]) -> int:
    """The whole script into a fresh SQLite file; returns the number of days in the series."""
    db = sqlite_utils.Database(path)
    save_pages(db, records, text)
    score_items(db, SentimentIntensityAnalyzer())
    db.execute(DAILY)
    return db["daily"].count
