"""The backends' shipped data files (scoring/backends/data), read once each where they are parsed."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import orjson


def data_text(name: str) -> str:
    """The text of data/<name>."""
    return resources.files("scoring.backends").joinpath("data", name).read_text(encoding="utf-8")


def data_json(name: str) -> dict[str, object]:
    """data/<name> parsed as JSON: by orjson, the same values as json.loads in half the time (a test compares
    them on every shipped file), the largest model being 0.6 MB."""
    document: dict[str, object] = orjson.loads(resources.files("scoring.backends").joinpath("data", name).read_bytes())
    return document


@cache
def data_toml(name: str) -> dict[str, Any]:
    """data/<name> parsed as TOML, once per process (a care file gives rules, request words, spellings and names).
    Callers must not change what it returns."""
    return tomllib.loads(data_text(name))
