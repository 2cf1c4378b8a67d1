"""The score step's rows: built column by column from the scorer's scores, a correction's verdict put in its row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from listener.sentiment.records import SCORE_COLUMNS, score_columns, score_rows
from listener.sentiment.score import with_corrections
from listener.storage.engine import open_database
from listener.storage.models import SentimentCorrectionRow
from listener.storage.upsert import upsert_rows
from scoring.sentiment import Scorer, SentimentScore

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SCORES = [SentimentScore("scored", 0.5, 0.2, 0.7, 0.1, "en", "platform", "vader"),
          SentimentScore("unsupported_language", None, None, None, None, "ja", "detected"),
          SentimentScore("scored", -0.3, 0.0, 0.8, 0.2, "nl", "detected", "lexicon-nl")]


def test_score_columns_hold_each_row_as_the_table_stores_it() -> None:
    columns = score_columns(["mastodon"] * 3, ["1", "2", "3"], SCORES, NOW, "scorer-a")
    assert tuple(columns) == SCORE_COLUMNS
    rows = list(zip(*columns.values(), strict=True))
    assert rows[1] == ("mastodon", "2", SCORES[1].scorer_version, "unsupported_language", None, None, None, None, "ja",
                       "detected", NOW, None, "scorer-a")
    assert rows[2][3:10] == ("scored", -0.3, 0.0, 0.8, 0.2, "nl", "detected")
    assert all(len(values) == 0 for values in score_columns([], [], [], NOW, "scorer-a").values())


def test_score_rows_score_each_text_with_its_platform_language() -> None:
    scorer = Scorer()
    rows = [(7, "mastodon", "a", "Thanks, great help!", "en"), (8, "mastodon", "b", "", None)]
    columns = score_rows(rows, scorer, NOW, scorer.identity)
    expected = scorer.score_many([("Thanks, great help!", "en"), ("", None)])
    assert columns["external_id"] == ["a", "b"] and columns["compound"] == [s.compound for s in expected]
    assert columns["status"] == ["scored", "no_text"] and columns["scorer"] == [scorer.identity] * 2


def test_a_correction_replaces_the_scorers_verdict_in_its_row_only(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'rows.db'}")
    columns = score_columns(["mastodon"] * 3, ["1", "2", "3"], SCORES, NOW, "scorer-a")
    with engine.begin() as connection:
        assert with_corrections(connection, columns) == score_columns(["mastodon"] * 3, ["1", "2", "3"], SCORES, NOW,
                                                                      "scorer-a")
        correction = {"platform": "mastodon", "external_id": "3", "label": "positive", "corrected_by": "maria",
                      "corrected_at": NOW}
        upsert_rows(connection, SentimentCorrectionRow, [correction], ["platform", "external_id"])
        rows = list(zip(*with_corrections(connection, columns).values(), strict=True))
    engine.dispose()
    assert rows[2] == ("mastodon", "3", SCORES[2].scorer_version, "scored", 1.0, None, None, None, "nl", "detected",
                       NOW, "correction", "scorer-a")
    assert rows[0][4] == 0.5 and rows[1][3] == "unsupported_language"
