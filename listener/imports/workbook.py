"""Reading an Excel workbook (.xlsx) export: the first sheet's rows as the same Table a CSV file gives."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from listener.imports.table import ImportFileError, Table

XLSX_MAGIC = b"PK\x03\x04"


def is_workbook(data: bytes) -> bool:
    """True for a zip container, which is what an .xlsx file is."""
    return data.startswith(XLSX_MAGIC)


def cell_text(value: Any) -> str:
    """A cell as the text a CSV export would hold: dates ISO (no zone: the profile's), 9.0 as 9."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(data: bytes) -> Table:
    """The first worksheet; blank rows skipped, line numbers are the sheet's row numbers (header = its row)."""
    from openpyxl import load_workbook  # imported here: only workbook imports pay for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileError(f"not a readable Excel workbook (.xlsx): {error}") from None
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
            else:
                rows.append((number, cells))
    finally:
        book.close()
    if header is None:
        raise ImportFileError("the workbook's first sheet is empty")
    return Table(header, rows, "xlsx")
