"""The one rule for text we did not compute (report titles, campaign names and ids, statuses, currencies,
filter values): a spreadsheet shows it as text, never runs it as a formula (CSV/formula injection, OWASP).

Excel cells carry a type, so the XLSX writer types every string cell as a string (``xlsx_file``). A CSV cell
has no type: text that a spreadsheet would read as a formula gets a leading quote here."""

from __future__ import annotations

# What makes Excel, LibreOffice and Google Sheets read a cell as a formula (tab and CR per OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_text(text: str | None) -> str:
    """``text`` for a CSV cell: quoted with ``'`` when a spreadsheet would run it; None is an empty cell."""
    if text is None:
        return ""
    return f"'{text}" if formula_like(text) else text
