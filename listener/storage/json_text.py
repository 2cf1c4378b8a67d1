"""JSON documents as SQLite stores them: orjson's text wherever it reads back as the same document.

Dumping the raw payloads was about a seventh of a sync's instructions with the standard library, whose
ASCII escaping the stored text needed (a lone surrogate has no UTF-8). orjson writes compact UTF-8 several
times faster, but rejects some documents (lone surrogates, integers past 64 bits, keys that are not
strings, nesting past 254 levels) and writes others differently without saying so (NaN and infinities as
null, enums and UUIDs as their values). So its text is kept only where orjson reads it back equal to the
document; anything else is written as `json.dumps` writes it, errors included, as before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# datetimes, dataclasses and subclasses of str, int, dict and list go to `default`, which refuses them: json decides
_PASSED_ON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is left to json")


def json_text(document: Any) -> str:
    """The stored text of a JSON document: orjson's where it reads back equal, else `json.dumps(document)`."""
    try:
        encoded = orjson.dumps(document, default=_refuse, option=_PASSED_ON)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(document)
    if orjson.loads(encoded) != document:  # NaN, an infinity, a tuple, an enum, a UUID
        return json.dumps(document)
    return encoded.decode()
