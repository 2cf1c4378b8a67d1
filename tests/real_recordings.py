"""Real captured API bodies, kept outside the repository, served as cassette interactions.

The recordings live in `$ROR_REAL_RECORDINGS` (default: shared/data/real-recordings next to the
repository), one folder per platform: `<dir>/<platform>/<file>.json`. tests/real_recordings_manifest.toml
names the source of every file. Without that directory the replay tier is not collected (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.cassette import Cassette

REPOSITORY = Path(__file__).resolve().parents[1]
REAL_RECORDINGS = Path(os.environ.get("ROR_REAL_RECORDINGS",
                                      REPOSITORY.parent / "shared" / "data" / "real-recordings"))
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def have_real_recordings() -> bool:
    """Whether the directory of real recordings is present."""
    return REAL_RECORDINGS.is_dir()


def real_path(platform: str, name: str) -> Path:
    """The file of one real recording."""
    return REAL_RECORDINGS / platform / name


def real_body(platform: str, name: str) -> Any:
    """One real response body, parsed."""
    return json.loads(real_path(platform, name).read_text(encoding="utf-8"))


def real_files(platform: str) -> list[str]:
    """Names of a platform's real recordings."""
    return sorted(p.name for p in (REAL_RECORDINGS / platform).glob("*.json"))


_RECORDED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)")


def _texts(body: Any) -> Iterator[str]:
    """Every string value anywhere in a parsed body."""
    if isinstance(body, str):
        yield body
    elif isinstance(body, dict):
        for value in body.values():
            yield from _texts(value)
    elif isinstance(body, list):
        for value in body:
            yield from _texts(value)


def recorded_now(*bodies: Any, after: timedelta = timedelta(hours=1)) -> datetime:
    """A run clock just after the latest time the bodies carry, so no recorded time lies in the run's future."""
    times = [datetime.fromisoformat(text.replace("Z", "+00:00")) for text in (
        t for body in bodies for t in _texts(body)) if _RECORDED_TIME.fullmatch(text)]
    if not times:
        raise ValueError("the recorded bodies carry no time to set the clock from")
    return max(times) + after


def serve(path: str, body: Any, query: dict[str, str] | None = None, status: int = 200,
          headers: dict[str, str] | None = None, method: str = "GET") -> dict[str, Any]:
    """A cassette interaction answering `method path?query` with `body`."""
    return {"note": "replayed body", "request": {"method": method, "path": path, "query": query or {}},
            "response": {"status": status, "headers": {**JSON_HEADERS, **(headers or {})}, "body": body}}


def cassette_of(*interactions: dict[str, Any], bases: list[str] | None = None) -> Cassette:
    """A cassette of the given interactions, matched in order."""
    return Cassette(list(interactions), bases or [])
