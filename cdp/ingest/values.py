"""Reading the values that exports of other tools write in their own ways.

Shops, newsletter tools and social networks each write times, dates, amounts,
phone numbers and salutations differently. These functions accept the forms
met in real exports and return one canonical form, or raise ``InvalidValue``
whose reason names the accepted forms, never the value itself.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import phonenumbers

from cdp import normalise
from cdp.errors import N_, InvalidValue

MOMENT_HINT = N_(
    "not a point in time in a known form (2024-03-01T14:30:00Z, 2024-03-01 14:30 +0200, "
    "01.03.2024 14:30, 12-04-2022 09:30, 15 Jan 2024 10:00, Wed Mar 06 09:15:22 +0000 2024 "
    "or a Unix timestamp)"
)
DATE_HINT = N_(
    "not a date in a known form (2024-03-01, 01.03.2024, 20240301, 2024/03/01, 15 Jan 2024, 15. Januar 2024)"
)

# English and German month names and abbreviations, case-folded, without a trailing dot.
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "januar", "jän", "jänner"),
            ("feb", "february", "februar"),
            ("mar", "march", "mär", "mrz", "märz", "maerz"),
            ("apr", "april"),
            ("may", "mai"),
            ("jun", "june", "juni"),
            ("jul", "july", "juli"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "okt", "october", "oktober"),
            ("nov", "november"),
            ("dec", "dez", "december", "dezember"),
        ),
        start=1,
    )
    for name in names
}

_TIME_TAIL = (
    r"(?:(?:T|\s+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_DATE_FORMS = tuple(
    (re.compile(pattern + _TIME_TAIL, re.IGNORECASE), order)
    for pattern, order in (
        (r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})", "ymd"),
        (r"(?P<y>[0-9]{4})/(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})", "ymd"),
        (r"(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})", "dmy"),
        (r"(?P<d>[0-9]{1,2})-(?P<m>[0-9]{1,2})-(?P<y>[0-9]{4})", "dmy"),
        (r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})", "ymd"),
        (r"(?P<d>[0-9]{1,2})\.?\s+(?P<m>[^\W\d_]{3,9})\.?\s+(?P<y>[0-9]{4})", "dmy"),
    )
)
_TWITTER = re.compile(
    r"[a-z]{3} (?P<m>[a-z]{3}) (?P<d>[0-9]{1,2}) (?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2}) "
    r"(?P<zone>[+-][0-9]{4}) (?P<y>[0-9]{4})",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"[0-9]{10}|[0-9]{13}")
_MAILCHIMP_BIRTHDAY = re.compile(r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})")
_ISO_WITHOUT_YEAR = re.compile(r"--(?P<m>[0-9]{2})-(?P<d>[0-9]{2})")
NO_DATE = frozenset({"0.0.00", "00.00.0000", "0000-00-00", "00.00.00"})


def moment(value: str, field: str = "occurred_at") -> str:
    """A point in time as ISO text to the second, in UTC and without a zone.

    Times with a zone are converted to UTC; times without one are kept as
    written, since nothing says which zone they meant. All results then sort
    correctly as text.
    """
    cleaned = normalise.text(value)
    if _TIMESTAMP.fullmatch(cleaned):
        return _from_timestamp(cleaned).isoformat()
    match = _TWITTER.fullmatch(cleaned) or _date_match(cleaned)
    if match is None:
        raise InvalidValue(field, MOMENT_HINT)
    local = datetime.combine(_day(match, field), _time_of_day(match, field))
    return _in_utc(local, match["zone"], field).isoformat()


def calendar_date(value: str, field: str = "date") -> date:
    """A calendar date; a time written after it is dropped, its zone ignored.

    A date is what the source wrote down, so it is not moved to another day
    by converting a zone.
    """
    cleaned = normalise.text(value)
    match = _TWITTER.fullmatch(cleaned) or _date_match(cleaned)
    if match is None:
        raise InvalidValue(field, DATE_HINT)
    return _day(match, field)


def birthday(value: str, today: date | None = None) -> str:
    """A birth date as ISO ``YYYY-MM-DD``, or ``--MM-DD`` when the year is unknown.

    Mailchimp keeps birthdays as ``MM/DD`` without a year; ISO 8601 (and
    Google Contacts) write such a day as ``--MM-DD``. Outlook writes
    ``0.0.00`` for no date at all: that is an empty value (``""``). Future days
    and years before 1900 are typing errors.
    """
    cleaned = normalise.text(value)
    if cleaned in NO_DATE:
        return ""
    match = _MAILCHIMP_BIRTHDAY.fullmatch(cleaned) or _ISO_WITHOUT_YEAR.fullmatch(cleaned)
    if match:
        return _day_without_year(int(match["m"]), int(match["d"]))
    day = calendar_date(cleaned, "birth_date")
    if day > (today or date.today()) or day.year < 1900:
        raise InvalidValue("birth_date", N_("not a plausible birth date"))
    return day.isoformat()


def _day_without_year(month: int, day: int) -> str:
    """``--MM-DD``, checked against a leap year so that 29 February is allowed."""
    try:
        date(2000, month, day)
    except ValueError:
        raise InvalidValue("birth_date", N_("not a real calendar date")) from None
    return f"--{month:02d}-{day:02d}"


def _date_match(cleaned: str) -> re.Match[str] | None:
    for pattern, _order in _DATE_FORMS:
        match = pattern.fullmatch(cleaned)
        if match:
            return match
    return None


def _day(match: re.Match[str], field: str) -> date:
    month = _month(match["m"], field)
    try:
        return date(int(match["y"]), month, int(match["d"]))
    except ValueError:
        raise InvalidValue(field, N_("not a real calendar date")) from None


def _month(text: str, field: str) -> int:
    """The month of a number or of an English or German month name."""
    if text.isdigit():
        return int(text)
    number = _MONTHS.get(text.casefold().rstrip("."))
    if number is None:
        raise InvalidValue(field, N_("not a month name in English or German"))
    return number


def _time_of_day(match: re.Match[str], field: str) -> time:
    """The time written after the date; a plain date is midnight."""
    if match["hour"] is None:
        return time(0, 0)
    try:
        return time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    except ValueError:
        raise InvalidValue(field, N_("not a time of day such as 14:30")) from None


def _in_utc(local: datetime, zone: str | None, field: str) -> datetime:
    """``local`` moved to UTC by the offset ``zone`` names (none: kept as it is)."""
    offset = _offset(zone, field)
    try:
        return local - offset
    except OverflowError:
        raise InvalidValue(field, N_("not a time that can be converted to UTC")) from None


def _offset(zone: str | None, field: str) -> timedelta:
    if zone is None or zone.upper() in ("Z", "UTC", "GMT"):
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise InvalidValue(field, N_("not a time zone offset such as +02:00"))
    sign = -1 if zone[0] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def _from_timestamp(digits: str) -> datetime:
    """Unix seconds (10 digits) or milliseconds (13 digits) as a UTC time without zone."""
    seconds = int(digits) // 1000 if len(digits) == 13 else int(digits)
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


_CURRENCY = re.compile(r"^(?:€|\$|£|EUR|USD|CHF|GBP)\s*|\s*(?:€|\$|£|EUR|USD|CHF|GBP)$", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?P<sign>[-+]?)\s*"
    r"(?P<whole>[0-9]+|[0-9]{1,3}(?P<sep>[.,'])[0-9]{3}(?:(?P=sep)[0-9]{3})*)"
    r"(?:(?P<point>[.,])(?P<cents>[0-9]{1,2}))?"
)
_AMBIGUOUS_AMOUNT = re.compile(r"[-+]?[0-9]{1,3}[.,][0-9]{3}")
AMOUNT_HINT = N_("not an amount such as 12,50, 1.234,56, 1,234.56 or EUR 12.50 (at most two decimals)")


def amount_minor(value: str) -> int:
    """An amount of money in minor units (cents).

    Either ``.`` or ``,`` may be the decimal point; the last one is, when both
    appear. ``1.234`` alone is refused: it is 1234 in German and 1.234 in
    English, and guessing would be off by a factor of a thousand.
    """
    cleaned = _CURRENCY.sub("", normalise.text(value)).strip()
    match = _AMOUNT.fullmatch(cleaned)
    if match is None or _AMBIGUOUS_AMOUNT.fullmatch(cleaned) or (match["point"] and match["point"] == match["sep"]):
        raise InvalidValue("amount", AMOUNT_HINT)
    whole = int(re.sub(r"[^0-9]", "", match["whole"]))
    cents = int((match["cents"] or "0").ljust(2, "0"))
    if whole > 10**9 or (whole == 10**9 and cents):
        raise InvalidValue("amount", N_("not an amount of at most 1,000,000,000"))
    minor = whole * 100 + cents
    return -minor if match["sign"] == "-" else minor


_PROTECTED = re.compile(r"\s*'(?=\s*[+0-9])")


def unprotected(value: str) -> str:
    """The value without the apostrophe spreadsheets put before numbers.

    Excel and Shopify write ``'7210448301122`` so that a long number is not
    turned into ``7.21E+12``; the apostrophe is not part of the value.
    """
    match = _PROTECTED.match(value)
    return value[match.end() :] if match else value


_INTERNATIONAL_WITHOUT_PLUS = re.compile(r"[1-9][0-9 ]*")


def phone(value: str, region: str = "DE") -> str:
    """A phone number in E.164 form.

    A long run of digits not starting with 0 cannot be a national number
    (those start with the trunk prefix 0 in the regions we serve): it is an
    international number whose ``+`` was dropped, as Brevo writes them. If it
    is not valid as such, it is refused rather than read in ``region``.
    """
    cleaned = normalise.text(unprotected(value))
    if _INTERNATIONAL_WITHOUT_PLUS.fullmatch(cleaned) and len(cleaned.replace(" ", "")) >= 10:
        return _international(cleaned.replace(" ", ""))
    return normalise.phone(cleaned, region)


def _international(digits: str) -> str:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidValue("phone", N_("a number without + or leading 0 that is not a valid international number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


SALUTATIONS = ("herr", "frau", "mr", "mrs", "ms", "miss", "mx", "divers")


def salutation_and_title(value: str) -> tuple[str, str]:
    """An ``Anrede`` column split into salutation and academic title.

    Exports often write both in one column (``Frau Prof. Dr.``); the
    salutation is the leading word such as Herr or Ms (kept as written), the
    title everything after it.
    """
    words = normalise.text(value).split(" ")
    if words[0].casefold().rstrip(".") in SALUTATIONS:
        return words[0], " ".join(words[1:])
    return "", " ".join(words)


def is_mobile(number: str) -> bool:
    """Whether an E.164 number is a mobile number by its country's numbering plan."""
    parsed = phonenumbers.parse(number, None)
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
