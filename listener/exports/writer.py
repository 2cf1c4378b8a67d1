"""Render a summary in the chosen formats and write the files atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from listener.exports import csv_export, html_export, json_export, markdown_export
from listener.exports.model import WeeklySummary

Renderer = Callable[[WeeklySummary], dict[str, str]]
RENDERERS: dict[str, Renderer] = {
    "csv": csv_export.render, "json": json_export.render, "md": markdown_export.render, "html": html_export.render,
}


def file_stem(summary: WeeklySummary) -> str:
    """`acme-2026-W47`: profile names are restricted to letters, digits, '.', '_' and '-'."""
    return f"{summary.profile}-{summary.week.label}"


def render_files(summary: WeeklySummary, formats: Iterable[str]) -> dict[str, str]:
    """File name -> content for every format, in the order given."""
    files: dict[str, str] = {}
    for name in formats:
        files.update({file_stem(summary) + suffix: text for suffix, text in RENDERERS[name](summary).items()})
    return files


def write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; an export is meant to be read by others
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_summary(summary: WeeklySummary, formats: Iterable[str], directory: Path,
                  advance: Callable[[int], None] | None = None) -> list[Path]:
    """Write each format's files into `directory`; returns their paths."""
    written = []
    for name in formats:
        for file_name, text in render_files(summary, [name]).items():
            path = directory / file_name
            write_atomically(path, text)
            written.append(path)
        if advance:
            advance(1)
    return written
