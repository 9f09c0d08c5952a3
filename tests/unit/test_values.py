"""Reading values as other tools export them: times, dates, amounts, phones, salutations."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cdp.errors import InvalidValue
from cdp.ingest import values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01T14:30:05", "2024-03-01T14:30:05"),
        ("2024-03-01 14:30:05", "2024-03-01T14:30:05"),
        ("2024-03-01T14:30:05.123456", "2024-03-01T14:30:05"),
        ("2024-03-01T14:30:05Z", "2024-03-01T14:30:05"),
        ("2024-03-01T14:30:05+02:00", "2024-03-01T12:30:05"),
        ("2024-03-01T14:30:05.5-0130", "2024-03-01T16:00:05"),
        ("2024-03-01T00:30:00+0200", "2024-02-29T22:30:00"),
        ("2025-02-01 15:30:00 UTC", "2025-02-01T15:30:00"),
        ("2026-05-01 10:00:00 +0200", "2026-05-01T08:00:00"),
        ("Wed Mar 06 09:15:22 +0000 2024", "2024-03-06T09:15:22"),
        ("Wed Mar 06 09:15:22 +0100 2024", "2024-03-06T08:15:22"),
        ("1709284205", "2024-03-01T09:10:05"),
        ("1709284205999", "2024-03-01T09:10:05"),
        ("12-04-2022 09:30", "2022-04-12T09:30:00"),
        ("01.03.2024 14:30", "2024-03-01T14:30:00"),
        ("01.03.2024 14:30:05", "2024-03-01T14:30:05"),
        ("1.3.2024", "2024-03-01T00:00:00"),
        ("01.03.2024", "2024-03-01T00:00:00"),
        ("2024-03-01", "2024-03-01T00:00:00"),
        ("20240301", "2024-03-01T00:00:00"),
        ("2024/03/01", "2024-03-01T00:00:00"),
        ("15 Jan 2024", "2024-01-15T00:00:00"),
        ("15 Jan 2024 10:00", "2024-01-15T10:00:00"),
        ("15 January 2024", "2024-01-15T00:00:00"),
        ("15 Sept. 2024", "2024-09-15T00:00:00"),
        ("15. Januar 2024", "2024-01-15T00:00:00"),
        ("3. Mär 2024", "2024-03-03T00:00:00"),
        ("3. März 2024 08:00", "2024-03-03T08:00:00"),
        ("1. Okt 2024", "2024-10-01T00:00:00"),
        ("24 Dez 2024", "2024-12-24T00:00:00"),
        ("  2024-03-01  ", "2024-03-01T00:00:00"),
    ],
)
def test_moment_reads_the_exported_forms(raw: str, expected: str) -> None:
    assert values.moment(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "yesterday",
        "2024-02-30",
        "31.04.2024",
        "2024-13-01",
        "2024-03-01 25:00",
        "2024-03-01 10:61",
        "2024-03-01 10:00 +2500",
        "15 Foo 2024",
        "170928420",
        "0001-01-01T00:30:00+01:00",
        "03/01/2024",
    ],
)
def test_moment_refuses_other_text_without_repeating_it(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        values.moment(raw, "sent_at")
    assert error.value.field == "sent_at"
    assert raw.strip() not in str(error.value.reason) or not raw.strip()


def test_the_hint_lists_the_accepted_forms() -> None:
    with pytest.raises(InvalidValue) as error:
        values.moment("soon")
    assert "2024-03-01" in error.value.reason and "Unix timestamp" in error.value.reason


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)))
def test_moment_is_idempotent_and_agrees_across_forms(when: datetime) -> None:
    when = when.replace(microsecond=0)
    canonical = when.isoformat()
    assert values.moment(canonical) == canonical
    assert values.moment(values.moment(canonical)) == canonical
    assert values.moment(when.strftime("%d.%m.%Y %H:%M:%S")) == canonical
    assert values.moment(when.isoformat(sep=" ") + "Z") == canonical
    shifted = when.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=2)))
    assert values.moment(shifted.strftime("%Y-%m-%d %H:%M:%S %z")) == canonical


@given(st.integers(min_value=1_000_000_000, max_value=9_999_999_999))
def test_unix_timestamps_are_utc(seconds: int) -> None:
    expected = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None).isoformat()
    assert values.moment(str(seconds)) == expected
    assert values.moment(f"{seconds}123") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("20240301", date(2024, 3, 1)),
        ("2024/03/01", date(2024, 3, 1)),
        ("01-03-2024", date(2024, 3, 1)),
        ("1 Mar 2024", date(2024, 3, 1)),
        ("1. März 2024", date(2024, 3, 1)),
        ("2024-03-01 23:30:00 -0500", date(2024, 3, 1)),
        ("2024-03-01T14:30:00Z", date(2024, 3, 1)),
        ("01.03.2024 14:30", date(2024, 3, 1)),
    ],
)
def test_calendar_date_keeps_the_date_part(raw: str, expected: date) -> None:
    assert values.calendar_date(raw) == expected


@pytest.mark.parametrize("raw", ["", "1709284205", "2023-02-29", "heute", "1.3.24"])
def test_calendar_date_refuses_other_text(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        values.calendar_date(raw, "valid_until")
    assert error.value.field == "valid_until"


@given(st.dates(min_value=date(1000, 1, 1)))
def test_calendar_date_agrees_across_forms(day: date) -> None:
    assert values.calendar_date(day.isoformat()) == day
    assert values.calendar_date(day.strftime("%d.%m.%Y")) == day
    assert values.calendar_date(day.strftime("%Y%m%d")) == day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1980-03-15", "1980-03-15"),
        ("15.03.1980", "1980-03-15"),
        ("15 Mar 1980", "1980-03-15"),
        ("19800315", "1980-03-15"),
        ("03/15", "--03-15"),
        ("3/5", "--03-05"),
        ("02/29", "--02-29"),
    ],
)
def test_birthday(raw: str, expected: str) -> None:
    assert values.birthday(raw) == expected


@pytest.mark.parametrize("raw", ["1899-12-31", "2999-01-01", "13/01", "02/30", "unknown", "15/03/1980"])
def test_birthday_refuses_implausible_days(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        values.birthday(raw)
    assert error.value.field == "birth_date"


def test_birthday_is_not_in_the_future() -> None:
    assert values.birthday("2024-03-01", today=date(2024, 3, 1)) == "2024-03-01"
    with pytest.raises(InvalidValue):
        values.birthday("2024-03-02", today=date(2024, 3, 1))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("12,5", 1250),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("1.234.567,89", 123456789),
        ("1'234.56", 123456),
        ("€ 12,50", 1250),
        ("€12.50", 1250),
        ("12,50 €", 1250),
        ("12,50€", 1250),
        ("EUR 12.50", 1250),
        ("12.50 eur", 1250),
        ("CHF 12.50", 1250),
        ("$12.50", 1250),
        ("-5,00", -500),
        ("- 5,00 €", -500),
        ("€ -5,00", -500),
        ("+5", 500),
        ("1234", 123400),
        ("0", 0),
        ("1000000000", 100000000000),
        ("-1000000000,00", -100000000000),
    ],
)
def test_amount_minor(raw: str, expected: int) -> None:
    assert values.amount_minor(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "12,505", "1.234", "1,234", "1.234.56", "1,23,45", "12..50", "1000000000,01", "1e5", "12 50", "€"],
)
def test_amount_minor_refuses_other_text(raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        values.amount_minor(raw)
    assert error.value.field == "amount"


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_amounts_agree_across_forms(cents: int) -> None:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    assert values.amount_minor(f"{sign}{whole}.{rest:02d}") == cents
    assert values.amount_minor(f"{sign}{whole},{rest:02d} €") == cents
    assert values.amount_minor(f"{sign}{whole:,}.{rest:02d}") == cents
    assert (
        values.amount_minor(f"EUR {sign}{whole:,}.{rest:02d}".replace(",", "_").replace(".", ",").replace("_", "."))
        == cents
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("'7210448301122", "7210448301122"),
        ("'+49 30 1234", "+49 30 1234"),
        ("'0049 30", "0049 30"),
        ("7210448301122", "7210448301122"),
        ("'Hallo", "'Hallo"),
        ("O'Brien", "O'Brien"),
        ("'", "'"),
        ("", ""),
    ],
)
def test_unprotected(raw: str, expected: str) -> None:
    assert values.unprotected(raw) == expected


@given(st.text())
def test_unprotected_only_ever_drops_a_leading_apostrophe(raw: str) -> None:
    result = values.unprotected(raw)
    assert result == raw or (raw.lstrip().startswith("'") and raw.endswith(result))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("33612345678", "+33612345678"),
        ("33 6 12 34 56 78", "+33612345678"),
        ("4930123456", "+4930123456"),
        ("'4915112345678", "+4915112345678"),
        ("'+49 30 1234567", "+49301234567"),
        ("+49 30 1234567", "+49301234567"),
        ("030 1234567", "+49301234567"),
        ("0049 30 1234567", "+49301234567"),
        ("0151 12345678", "+4915112345678"),
        ("'0151 12345678", "+4915112345678"),
    ],
)
def test_phone(raw: str, expected: str) -> None:
    assert values.phone(raw) == expected


def test_phone_reads_short_numbers_in_the_region() -> None:
    assert values.phone("01 42 68 53 00", "FR") == "+33142685300"
    assert values.phone("1234567", "DE") == "+491234567"


def test_phone_refuses_long_digits_that_are_no_international_number() -> None:
    with pytest.raises(InvalidValue) as error:
        values.phone("9991234567")
    assert error.value.field == "phone"
    assert "not a valid international number" in error.value.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Herr", ("Herr", "")),
        ("Frau", ("Frau", "")),
        ("Herr Dr.", ("Herr", "Dr.")),
        ("Frau Prof. Dr.", ("Frau", "Prof. Dr.")),
        ("Frau  Prof.  Dr. ", ("Frau", "Prof. Dr.")),
        ("Dr.", ("", "Dr.")),
        ("Dr. med.", ("", "Dr. med.")),
        ("Herr Dipl.-Ing.", ("Herr", "Dipl.-Ing.")),
        ("Mr", ("Mr", "")),
        ("Mr.", ("Mr.", "")),
        ("Ms.", ("Ms.", "")),
        ("Mrs Dr.", ("Mrs", "Dr.")),
        ("Miss", ("Miss", "")),
        ("Mx", ("Mx", "")),
        ("Divers", ("Divers", "")),
        ("herr", ("herr", "")),
        ("", ("", "")),
    ],
)
def test_salutation_and_title(raw: str, expected: tuple[str, str]) -> None:
    assert values.salutation_and_title(raw) == expected


@given(st.text())
@example("\uf900")
def test_salutation_and_title_never_loses_words(raw: str) -> None:
    salutation, title = values.salutation_and_title(raw)
    written = unicodedata.normalize("NFC", raw)  # canonical equivalents are one text (U+F900 is U+8C48)
    assert " ".join(filter(None, (salutation, title))) == " ".join(written.split()) or not raw.isprintable()


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_invalid_value(raw: str) -> None:
    for read in (values.moment, values.calendar_date, values.birthday, values.amount_minor, values.phone):
        with contextlib.suppress(InvalidValue):
            read(raw)
