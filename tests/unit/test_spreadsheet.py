"""Cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from cdp.spreadsheet import FORMULA_STARTS, safe_cell, text


@given(st.text())
def test_no_written_cell_starts_a_formula_unless_it_is_a_plain_number(value: str) -> None:
    written = safe_cell(value)
    if written.startswith(FORMULA_STARTS):
        float(written.replace(",", "."))
    assert written in (value, "'" + value)


@given(st.text(alphabet=st.characters(blacklist_characters="=+-@\t\r")))
def test_other_text_is_left_as_it_is(value: str) -> None:
    assert safe_cell(value) == value


def test_numbers_and_negative_amounts_stay_numbers() -> None:
    assert [safe_cell(value) for value in (-12, 3.5, "-12.50", "+49", "=1+1", "@x", None)] == [
        -12, 3.5, "-12.50", "+49", "'=1+1", "'@x", None,
    ]  # fmt: skip


def test_a_whole_file_round_trips_through_the_csv_reader() -> None:
    written = text(["name", "amount"], [("=cmd", -5), ("Anna", 7)])
    assert list(csv.reader(io.StringIO(written))) == [["name", "amount"], ["'=cmd", "-5"], ["Anna", "7"]]
