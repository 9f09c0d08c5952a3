"""File readers: decoding, delimiter detection and CSV round trips."""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cdp.errors import FormatError
from cdp.ingest.files import decode, load_json, read_csv, read_json_lines, sniff_delimiter

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=20)


@given(
    st.sampled_from([",", ";", "\t", "|"]),
    st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=8),
)
def test_csv_round_trip_through_any_delimiter(delimiter: str, rows: list[list[str]]) -> None:
    header = ["Vorname", "Nachname", "E-Mail"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    columns, parsed = read_csv(buffer.getvalue())
    expected = [dict(zip(header, row, strict=True)) for row in rows if any(value.strip() for value in row)]
    assert columns == header
    assert [values for _, values in parsed] == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200))
def test_csv_reader_raises_only_format_errors(text: str) -> None:
    with contextlib.suppress(FormatError):
        read_csv(text)


@given(st.text(max_size=200))
@example("\ufeff")
def test_decode_round_trips_utf8_and_never_fails_otherwise(text: str) -> None:
    if "\x00" in text:
        with pytest.raises(FormatError):
            decode(text.encode())
        return
    if text.startswith("\ufeff"):  # a leading byte-order mark says the encoding and is not part of the text
        assert decode(text.encode()) == (text[1:], "utf-8-sig")
        return
    assert decode(text.encode()) == (text, "utf-8")


def test_cp1252_is_the_fallback_for_german_exports() -> None:
    assert decode("Straße;Müller".encode("cp1252")) == ("Straße;Müller", "cp1252")


def test_nul_bytes_are_refused_with_their_line() -> None:
    with pytest.raises(FormatError) as error:
        decode(b"a,b\nc,d\ne\x00f\n")
    assert error.value.line == 3


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb", "\t"), ('"x;y",z', ","), ("single", ",")],
)
def test_delimiter_sniffing(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected


def test_multi_line_field_keeps_the_line_where_the_record_starts() -> None:
    _, rows = read_csv('a,b\n1,"two\nlines"\n3,4\n')
    assert [line for line, _ in rows] == [2, 4]


def test_json_lines_keeps_nested_values_as_json_text() -> None:
    columns, rows = read_json_lines('{"name": "A", "tags": ["x", "y"], "n": 3, "none": null}\n')
    assert columns == ["name", "tags", "n", "none"]
    assert rows[0][1] == {"name": "A", "tags": '["x", "y"]', "n": "3", "none": ""}


@given(st.text(max_size=200))
def test_json_that_cannot_be_taken_is_a_format_error_and_never_a_crash(text: str) -> None:
    with contextlib.suppress(FormatError):
        load_json(text, 3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"id": 1' + "0" * 5000 + "}", "too many digits"),
        ('{"first_name": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"first_name": ', "not valid JSON"),
    ],
)
def test_hostile_json_is_refused_with_its_line_named(text: str, reason: str) -> None:
    with pytest.raises(FormatError, match=reason) as refused:
        read_json_lines('{"id": "ok"}\n' + text + "\n")
    assert refused.value.line == 2


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3)))
def test_json_kundenbild_can_store_parses_as_it_was(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return
    assert load_json(text) == value
