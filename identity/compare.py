"""Comparing two source records field by field, in levels a person can read.

Each function returns the level that describes how two values relate, from
the strongest agreement to ``different``; ``missing`` when either side has no
value, which is neither evidence for nor against a match. The levels are the
vocabulary of the match model and of the evidence shown to staff ("surname
Jaro-Winkler ≥ 0.92", "birth date day and month swapped").

Names are compared folded (case, umlauts and accents spelled out), so
Müller / Mueller are ``exact``; Kölner Phonetik catches German spelling
variants (Meyer / Maier) that string distance rates lower.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import jellyfish

from cdp.normalise import fold
from identity.nicknames import same_first_name
from identity.phonetic import cologne

MISSING = "missing"
DIFFERENT = "different"
JW_HIGH = 0.92
JW_MID = 0.85
# Below this, two first names are clearly different: two typos in a short name (Jowef / Josf, 0.83) stay
# above it, names that merely share letters (Jake / Luke, 0.67; Josef / Johanna, 0.56) fall below.
JW_APART = 0.75


def _jaro_winkler(left: str, right: str) -> float:
    return jellyfish.jaro_winkler_similarity(left, right)


def first_name(left: str | None, right: str | None) -> str:
    """exact, nickname, jw_high, jw_mid, phonetic, different or missing."""
    if not left or not right:
        return MISSING
    a, b = fold(left), fold(right)
    if a == b:
        return "exact"
    if same_first_name(left, right):
        return "nickname"
    return _fuzzy(a, b)


def surname(left: str | None, right: str | None) -> str:
    """exact, jw_high, jw_mid, phonetic, different or missing.

    A double-barrelled name agrees exactly with either of its parts (a
    married name Weiß-Müller and a maiden name Müller).
    """
    if not left or not right:
        return MISSING
    a, b = fold(left), fold(right)
    if a == b or _one_part_of_other(a, b):
        return "exact"
    return _fuzzy(a, b)


def _one_part_of_other(a: str, b: str) -> bool:
    parts_a, parts_b = set(a.replace("-", " ").split()), set(b.replace("-", " ").split())
    return (len(parts_a) > 1 or len(parts_b) > 1) and bool(parts_a & parts_b)


def _fuzzy(a: str, b: str) -> str:
    similarity = _jaro_winkler(a, b)
    if similarity >= JW_HIGH:
        return "jw_high"
    if similarity >= JW_MID:
        return "jw_mid"
    if cologne(a) and cologne(a) == cologne(b):
        return "phonetic"
    return DIFFERENT


def names_swapped(
    left_first: str | None, left_last: str | None, right_first: str | None, right_last: str | None
) -> bool:
    """Whether one record has first and last name the other way round (a typo in either allowed)."""
    if not (left_first and left_last and right_first and right_last):
        return False
    return _alike(fold(left_first), fold(right_last)) and _alike(fold(left_last), fold(right_first))


def _alike(a: str, b: str) -> bool:
    a, b = a.replace(" ", ""), b.replace(" ", "")
    return a == b or _jaro_winkler(a, b) >= JW_MID


def birth_date(left: str | None, right: str | None) -> str:
    """exact, day_month_swapped, one_digit_off, transposed, same_day_month, same_year, different or missing.

    Dates are ISO text as the store keeps them. The levels between exact and
    different are the typos people make writing a date: one digit wrong, two
    neighbouring digits swapped, day and month the wrong way round, a year
    mistyped (same day and month).
    """
    if not left or not right:
        return MISSING
    if left == right:
        return "exact"
    a, b = date.fromisoformat(left), date.fromisoformat(right)
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "day_month_swapped"
    differing = [index for index, (x, y) in enumerate(zip(left, right, strict=True)) if x != y]
    if len(differing) == 1:
        return "one_digit_off"
    if _transposed(left, right, differing):
        return "transposed"
    if (a.month, a.day) == (b.month, b.day):
        return "same_day_month"
    if a.year == b.year:
        return "same_year"
    return DIFFERENT


def _transposed(left: str, right: str, differing: list[int]) -> bool:
    """Two neighbouring digits swapped (1985 / 1958)."""
    if len(differing) != 2 or differing[1] - differing[0] != 1:
        return False
    first, second = differing
    return left[first] == right[second] and left[second] == right[first]


def address(left: dict[str, str], right: dict[str, str]) -> str:
    """same_house, same_street, same_postcode, same_city, different or missing.

    Both dicts hold the canonical fields street, house_number, postcode and city. The place is the same
    where the postcodes are equal or, a postcode mistyped, the cities alike; the street the same a typo
    or two apart (``same_street_name``). One comparison for the whole address: street, postcode and city
    agree together or not at all, and weighed one by one they would count one address three times.
    """
    if not (left.get("postcode") or left.get("city")) or not (right.get("postcode") or right.get("city")):
        return MISSING
    same_postcode = bool(left.get("postcode")) and left.get("postcode") == right.get("postcode")
    same_city = bool(left.get("city")) and same_city_name(left["city"], right.get("city", ""))
    same_street = bool(left.get("street")) and same_street_name(street_name(left), street_name(right))
    if (same_postcode or same_city) and same_street:
        return "same_house" if house_number(left) and house_number(left) == house_number(right) else "same_street"
    if same_postcode:
        return "same_postcode"
    if same_city:
        return "same_city"
    return DIFFERENT


def same_city_name(left: str, right: str) -> bool:
    """The same town, a typo apart at most (Hannover / Hanover)."""
    a, b = fold(left), fold(right)
    return bool(a) and (a == b or _jaro_winkler(a, b) >= JW_HIGH)


def same_street_name(left: str, right: str) -> bool:
    """The same street, a typo or two apart at most (Bahnhofstr / Bahnhfostr)."""
    return bool(left) and (left == right or _jaro_winkler(left, right) >= JW_HIGH)


def street_name(fields: dict[str, str]) -> str:
    """The street without its number, folded, with 'Straße', 'Str.' and 'Strasse' spelled one way."""
    return _street_name(fields.get("street", ""))


# "Str." and "Straße" spelled out, one word with what comes before (Haupt Str. / Hauptstraße), so a typo
# anywhere in the word is a typo in a long word, not a different abbreviation.
_STRASSE = re.compile(r"[\s-]*\bstr\b\.?|[\s-]+strasse\b|str\.")
_NUMBER_JOINED = re.compile(r"(?<=[^\W\d])(?=\d)")  # Mainstr.9


@lru_cache(maxsize=1 << 17)
def _street_name(street: str) -> str:
    street = _STRASSE.sub("strasse", fold(street)).replace("-", " ")
    street = _NUMBER_JOINED.sub(" ", street)
    return " ".join(part for part in street.split() if not any(ch.isdigit() for ch in part))


def house_number(fields: dict[str, str]) -> str:
    """The house number, from its own field or else from the street, without spaces, lower case."""
    number = fields.get("house_number") or "".join(
        part for part in fields.get("street", "").split() if any(ch.isdigit() for ch in part)
    )
    return number.replace(" ", "").lower()


def different_people(left: dict[str, str], right: dict[str, str]) -> bool:
    """Whether two records certainly name two people, whatever else they share.

    Only evidence no typo explains says so: two members of one household (``household_apart``), or first
    names and surnames both clearly different while the birth dates are not equal. A birth date alone,
    however far off, does not: a date mistyped, or entered for someone else, is the commonest error in
    real records, and the match model weighs it against everything the two records share.
    """
    if household_apart(left, right):
        return True
    if not first_names_apart(left, right):
        return False
    born = birth_date(left.get("birth_date"), right.get("birth_date"))
    return born != "exact" and surname(left.get("last_name"), right.get("last_name")) == DIFFERENT


# Birth dates no typo explains: not a digit off, two digits or day and month swapped, the year alone
# mistyped, or two slips within one year.
DATES_APART = (DIFFERENT,)


def household_apart(left: dict[str, str], right: dict[str, str]) -> bool:
    """Two members of one household: same address and surname, first names clearly different, and birth
    dates clearly different too, or missing on one side (a couple in a newsletter list has no dates).
    Twins (one date) and a son named after his father (one first name) are the match model's to weigh:
    measured on FEBRL, where duplicates often carry another first name, vetoing twins cost five times
    the recall it bought precision on a census of households."""
    if address(left, right) not in ("same_house", "same_street"):
        return False
    if surname(left.get("last_name"), right.get("last_name")) not in ("exact", "jw_high"):
        return False
    born = birth_date(left.get("birth_date"), right.get("birth_date"))
    return first_names_apart(left, right) and (born in DATES_APART or born == MISSING)


def first_names_apart(left: dict[str, str], right: dict[str, str]) -> bool:
    """Both records have a first name, and they are clearly different: not a nickname, not sounding alike,
    not within two typos (Jaro-Winkler ``JW_APART``), and not first and last name swapped."""
    if first_name(left.get("first_name"), right.get("first_name")) != DIFFERENT:
        return False
    if _jaro_winkler(fold(left["first_name"]), fold(right["first_name"])) >= JW_APART:
        return False
    return not names_swapped(left.get("first_name"), left.get("last_name"), right.get("first_name"),
                             right.get("last_name"))  # fmt: skip
