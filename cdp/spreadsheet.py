"""CSV files that a spreadsheet opens safely: no cell is taken for a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula by Excel, LibreOffice and Google Sheets, so a
customer who calls themselves ``=HYPERLINK(…)`` would act in the finance
team's spreadsheet. As OWASP's "CSV Injection" advises, such a cell is
written with a leading apostrophe, which spreadsheets show as text. Plain
numbers (``-12.50``) are left alone: they cannot be formulas.

Every CSV file Kundenbild writes goes through ``writer`` or ``text``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet should read it: text that looks like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell passes ``safe_cell``."""

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: TextIO) -> SafeWriter:
    return SafeWriter(handle)


def text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV file as text: ``header``, then ``rows``."""
    buffer = io.StringIO()
    out = writer(buffer)
    out.writerow(header)
    out.writerows(rows)
    return buffer.getvalue()
