"""The manifest names the source of every real recording the replay tier reads, and nothing else."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.real_recordings import REAL_RECORDINGS

MANIFEST = Path(__file__).resolve().parent / "real_recordings_manifest.toml"


def test_every_recording_present_is_in_the_manifest_with_its_source() -> None:
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    listed = {f"{platform}/{name}" for platform, files in manifest.items() for name in files}
    present = {f"{p.parent.name}/{p.name}" for p in REAL_RECORDINGS.glob("*/*.json")}
    assert present == listed
    for files in manifest.values():
        for source in files.values():
            assert {"repository", "commit", "path", "licence", "request"} <= set(source)
            assert len(source["commit"]) == 40 and "/" in source["repository"]
