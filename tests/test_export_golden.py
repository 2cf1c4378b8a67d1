"""Golden files: the fixed dataset's week 2026-W43 in all four formats, byte for byte.

Regenerate after an intended change, then review the diff:
    ROR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_export_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from listener.config.exports import EXPORT_FORMATS
from listener.config.settings import ProfileConfig
from listener.exports import build_weekly_summary, render_files
from listener.index.aggregate import formula_version
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
    return {name: text.replace(version, VERSION_PLACEHOLDER) for name, text in render_files(summary, EXPORT_FORMATS).items()}


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
