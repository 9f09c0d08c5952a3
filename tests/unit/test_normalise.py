"""Normalisers: property tests that they are idempotent and agree across forms."""

from __future__ import annotations

import contextlib
from datetime import date

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import assume, given
from hypothesis import strategies as st

from cdp import normalise
from cdp.errors import InvalidValue
from cdp.ingest.fields import CONTACT_FIELDS, normalise_contact

NETWORK_URLS = {
    "x": "https://twitter.com/{}",
    "instagram": "https://www.instagram.com/{}/",
    "linkedin": "https://de.linkedin.com/in/{}/",
    "xing": "https://www.xing.com/profile/{}",
    "facebook": "https://m.facebook.com/{}",
}
handles = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)


@given(st.text())
def test_text_is_idempotent_and_has_no_control_characters(value: str) -> None:
    once = normalise.text(value)
    assert normalise.text(once) == once
    assert not any(ch in once for ch in "\n\r\t\x00")
    assert once == once.strip()


@given(st.emails())
def test_email_is_idempotent_and_lowercases_the_domain(value: str) -> None:
    try:
        once = normalise.email(value)
    except InvalidValue:
        return
    assert normalise.email(once) == once
    assert once.rsplit("@", 1)[1] == once.rsplit("@", 1)[1].lower()


@given(st.from_regex(r"[a-zA-Z0-9_+-]{1,20}(\.[a-zA-Z0-9_+-]{1,10})?@[a-zA-Z0-9]{1,20}\.[a-zA-Z]{2,6}", fullmatch=True))
def test_fast_email_path_agrees_with_email_validator(value: str) -> None:
    try:
        expected = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        with pytest.raises(InvalidValue):
            normalise.email(value)
        return
    assert normalise.email(value) == expected


@pytest.mark.parametrize("value", ["plain", "a@b", "a@@example.com", "a b@example.com", "@example.com"])
def test_invalid_emails_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(InvalidValue) as error:
        normalise.email(value)
    assert value not in str(error.value)


@given(st.sampled_from(["DE", "AT", "CH", "GB", "US"]), st.integers(min_value=0, max_value=10**6))
def test_phone_formats_agree_and_are_idempotent(region: str, seed: int) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    e164 = normalise.phone(national, region)
    assert normalise.phone(international, "DE") == e164
    assert normalise.phone("00" + international.lstrip("+"), "DE") == e164
    assert normalise.phone(e164, "DE") == e164


@given(st.sampled_from(sorted(NETWORK_URLS)), handles)
def test_handle_from_at_form_and_profile_url_agree(network: str, name: str) -> None:
    assume(network != "facebook" or "_" not in name)
    from_at = normalise.handle(network, "@" + name)
    assert normalise.handle(network, NETWORK_URLS[network].format(name)) == from_at
    assert normalise.handle(network, from_at) == from_at == name.lower()


def test_facebook_numeric_profile_url() -> None:
    assert normalise.handle("facebook", "https://www.facebook.com/profile.php?id=100004") == "100004"


def test_handle_of_another_network_is_refused() -> None:
    with pytest.raises(InvalidValue):
        normalise.handle("x", "https://www.instagram.com/someone/")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_all_date_forms_give_the_same_day(day: date) -> None:
    forms = (day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%Y%m%d"), f"{day.day}.{day.month}.{day.year}")
    assert {normalise.parse_date(form) for form in forms} == {day}


@pytest.mark.parametrize("value", ["03/01/2024", "1.3.24", "2024-02-30", "yesterday", "2024-13-01"])
def test_ambiguous_or_impossible_dates_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        normalise.parse_date(value)


def test_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidValue, match="plausible"):
        normalise.birth_date("2030-01-01", today=date(2026, 1, 1))


@pytest.mark.parametrize("spelling", ["Müller", "Mueller", "Muller", "MÜLLER", " müller "])
def test_umlaut_spellings_fold_together(spelling: str) -> None:
    assert normalise.fold(spelling) == "muller"


@given(st.text())
def test_fold_is_idempotent(value: str) -> None:
    assert normalise.fold(normalise.fold(value)) == normalise.fold(value)


@pytest.mark.parametrize(("value", "expected"), [("du", "du"), ("Sie", "Sie"), ("formell", "Sie"), ("", "unknown")])
def test_address_form_spellings(value: str, expected: str) -> None:
    assert normalise.address_form(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Example.COM/", "https://example.com"), ("http://shop.example.de/a/", "http://shop.example.de/a")],
)
def test_website(value: str, expected: str) -> None:
    assert normalise.website(value) == expected


@given(st.text())
def test_free_text_keeps_line_breaks_and_is_idempotent(value: str) -> None:
    once = normalise.free_text(value)
    assert normalise.free_text(once) == once
    assert "\r" not in once


def test_free_text_keeps_paragraphs() -> None:
    assert normalise.free_text("Hallo,\r\n\r\nder Tee  ist da.\r\n") == "Hallo,\n\nder Tee  ist da."


@pytest.mark.parametrize("value", ["https://a.de:99999", "http://[::1", "https://example.com:port"])
def test_broken_web_addresses_are_refused_not_crashed(value: str) -> None:
    with pytest.raises(InvalidValue):
        normalise.website(value)
    with pytest.raises(InvalidValue):
        normalise.handle("x", value.replace("a.de", "x.com").replace("example.com", "x.com"))


@given(st.dictionaries(st.sampled_from(CONTACT_FIELDS), st.text(max_size=40), max_size=8))
def test_whole_contact_rows_raise_only_invalid_value(raw: dict[str, str]) -> None:
    with contextlib.suppress(InvalidValue):
        normalise_contact(raw, "DE")


@given(
    st.dictionaries(
        st.sampled_from(["website", "x", "facebook", "linkedin", "xing", "instagram"]),
        st.from_regex(r"(https?://)?[\[\]:a-z0-9./@?=%-]{0,30}", fullmatch=True),
    )
)
def test_url_like_values_raise_only_invalid_value(raw: dict[str, str]) -> None:
    with contextlib.suppress(InvalidValue):
        normalise_contact(raw, "DE")
