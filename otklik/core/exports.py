"""Writing residents' and staff's texts into spreadsheets (XLSX, CSV) without formula injection."""

from __future__ import annotations

from typing import Any

#: A text starting with one of these is taken by Excel/LibreOffice for a formula (or DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to put into a cell: a text that would start a formula gets a leading apostrophe, so a
    spreadsheet shows it as text and never runs it (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`). Numbers,
    dates and other values are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
