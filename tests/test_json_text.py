"""JSON documents as SQLite stores them: orjson's compact text only where it reads back as the same document."""

from __future__ import annotations

import enum
import json
import math
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from listener.storage.engine import open_database
from listener.storage.json_text import json_text
from listener.storage.models import ItemRow
from listener.storage.upsert import table_of, upsert_rows


class Colour(enum.Enum):
    """An enum json refuses and orjson would write as its value."""

    RED = 1


def _nested(depth: int) -> list[Any]:
    document: list[Any] = []
    for _ in range(depth):
        document = [document]
    return document


def test_plain_documents_are_written_compact_in_utf8_and_read_back_equal() -> None:
    document = {"id": "1", "text": "ß€😀 \"quoted\"\n", "n": [1, -0.0, 1e300, 0.1, None, True], "empty": {}}
    text = json_text(document)
    assert text == '{"id":"1","text":"ß€😀 \\"quoted\\"\\n","n":[1,-0.0,1e+300,0.1,null,true],"empty":{}}'
    assert json.loads(text) == document


@pytest.mark.parametrize("document", [
    {"lone": "\ud800 half a pair"},  # no UTF-8 for it: orjson refuses, json escapes it
    {"big": 10**30},  # past 64 bits
    {1: "an int key"},  # json writes "1"
    {"pair": (1, None)},  # a tuple reads back as a list
    _nested(300),  # deeper than orjson goes
], ids=["surrogate", "big-int", "int-key", "tuple", "deep"])
def test_documents_orjson_refuses_or_reads_back_otherwise_are_written_as_json_dumps_writes_them(document: Any) -> None:
    assert json_text(document) == json.dumps(document)


def test_non_finite_floats_keep_their_json_tokens_not_null() -> None:
    text = json_text({"nan": math.nan, "up": math.inf, "down": -math.inf})
    assert text == '{"nan": NaN, "up": Infinity, "down": -Infinity}'
    assert math.isnan(json.loads(text)["nan"])


@pytest.mark.parametrize("value", [Colour.RED, uuid.UUID(int=7), datetime(2026, 1, 1, tzinfo=UTC)],
                         ids=["enum", "uuid", "datetime"])
def test_values_json_refuses_are_still_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_text({"value": value})


def test_a_stored_raw_payload_reads_back_equal_whichever_way_it_was_written(tmp_path: Path) -> None:
    path = tmp_path / "items.db"
    engine = open_database(f"sqlite:///{path}")
    payloads = [{"content": "<p>ü</p>", "n": 1.5}, {"lone": "\udfff"}, {"nan": math.nan}]
    rows = [{"platform": "mastodon", "external_id": str(n), "kind": "post", "role": "inbound", "text": "t",
             "created_at": datetime(2026, 1, 1, tzinfo=UTC), "fetched_at": datetime(2026, 1, 1, tzinfo=UTC),
             "raw": raw} for n, raw in enumerate(payloads)]
    with engine.begin() as connection:
        upsert_rows(connection, ItemRow, rows, ["platform", "external_id"], ["raw"])
    with engine.connect() as connection:
        stored = connection.execute(select(table_of(ItemRow).c.raw).order_by(table_of(ItemRow).c.id)).scalars().all()
    engine.dispose()
    assert stored[:2] == payloads[:2] and math.isnan(stored[2]["nan"])
    with sqlite3.connect(path) as connection:
        texts = [text for (text,) in connection.execute("SELECT raw FROM items ORDER BY id")]
    assert texts == ['{"content":"<p>ü</p>","n":1.5}', '{"lone": "\\udfff"}', '{"nan": NaN}']
