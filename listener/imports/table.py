"""Reading a spreadsheet export: encoding, BOM and separator detected, columns found by the configured names."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from listener.config.imports import ImportColumns

SEPARATORS = ",;\t|"
ENCODINGS = ("utf-8-sig", "cp1252")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, empty, a column missing): one line, nothing written."""


@dataclass(frozen=True)
class Table:
    """A file's header and its data rows, each with its line number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    separator: str


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252 as spreadsheet programs on Windows write."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("the file is neither UTF-8 nor Windows-1252 text")  # cp1252 fails only on 5 bytes


def detect_separator(first_line: str) -> str:
    """The separator the header line uses most: ',', ';', tab or '|'."""
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_table(data: bytes) -> Table:
    """Parse CSV bytes; blank lines are skipped, line numbers count from 1 at the header."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ImportFileError("the file is empty")
    separator = detect_separator(first)
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lstrip("\ufeff") for cell in cells]
        else:
            rows.append((reader.line_num, cells))
    assert header is not None
    return Table(header, rows, separator)


def locate_columns(header: list[str], columns: ImportColumns) -> dict[str, int]:
    """Our field -> column position, matching names case-insensitively; a missing required column is an error."""
    positions = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    needed = set(columns.required()) | columns.explicit()
    for field, name in columns.mapping().items():
        if name.casefold() in positions:
            found[field] = positions[name.casefold()]
        elif field in needed:
            shown = ", ".join(header) if len(header) <= 12 else ", ".join(header[:12]) + ", ..."
            raise ImportFileError(f"no column {name!r} (for {field}); the file has: {shown}")
    return found


def cells_of(row: list[str], positions: dict[str, int]) -> dict[str, str]:
    """The row's non-empty cells by our field names."""
    return {field: row[i].strip() for field, i in positions.items() if i < len(row) and row[i].strip()}
