"""Splitting an address written in one column into its parts.

Many exports keep the whole address in one cell: German, Austrian, Swiss,
British and US forms, with commas or line breaks between the lines, and
Mailchimp's column that separates its fields by two spaces. ``split_address``
recognises these forms; what it cannot make sense of it keeps whole, as the
street, so that nothing is lost and nothing is guessed.
"""

from __future__ import annotations

import re

from cdp import normalise

# Trailing country names and codes that are recognised as the country line.
COUNTRIES = frozenset(
    name.casefold()
    for name in (
        *("Deutschland", "Germany", "DE", "Österreich", "Oesterreich", "Austria", "AT"),
        *("Schweiz", "Switzerland", "Suisse", "Svizzera", "CH", "Liechtenstein", "LI"),
        *("USA", "US", "United States", "United States of America"),
        *("United Kingdom", "UK", "GB", "Great Britain", "England", "Großbritannien"),
        *("Frankreich", "France", "FR", "Italien", "Italy", "IT", "Niederlande", "Netherlands", "NL"),
        *("Belgien", "Belgium", "Luxemburg", "Luxembourg", "LU", "Polen", "Poland", "PL"),
        *("Dänemark", "Denmark", "DK", "Spanien", "Spain", "ES"),
    )
)
# The country letters written before a postcode (``D-01067``) and the country they stand for.
POSTCODE_PREFIXES = {"D": "DE", "DE": "DE", "A": "AT", "AT": "AT", "CH": "CH", "FL": "LI", "L": "LU"}

# No address is longer; refusing to take longer text apart keeps the backtracking patterns quick.
LONGEST_ADDRESS = 500

_LINE_BREAKS = re.compile(r"\s*(?:\n|,|\s{2,})\s*")
_DACH_POSTAL = re.compile(r"(?:(?P<prefix>[A-Z]{1,2})\s?-\s?)?(?P<postcode>[0-9]{4,5})\s+(?P<city>.*[^\W\d_].*)")
_UK_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}"
_UK_POSTAL = re.compile(r"(?P<city>.*[^\W\d_].*?)\s+(?P<postcode>" + _UK_POSTCODE + ")")
_US_POSTAL = re.compile(r"(?P<region>[A-Z]{2})\s+(?P<postcode>[0-9]{5}(?:-[0-9]{4})?)")
_POSTCODE_ALONE = re.compile(r"[0-9]{4,5}(?:-[0-9]{4})?|" + _UK_POSTCODE)
_NUMBER = r"[0-9]+(?:\s?[a-zA-Z](?![^\W\d_]))?(?:[-/][0-9]+[a-zA-Z]?)*"
_NUMBER_LAST = re.compile(
    r"(?P<street>.*?[^\W\d_].*?)\s+(?P<number>" + _NUMBER + r")(?:(?:\s+/\s*|\s*/\s+|\s+)(?P<extra>\S.*))?"
)
_NUMBER_FIRST = re.compile(r"(?P<number>[0-9]+[a-zA-Z]?)\s+(?P<street>[^\W\d_].*)")
_SINGLE_LINE = re.compile(r"(?P<line>.*?[^\W\d_].*?)\s+(?P<postal>(?:[A-Z]{1,2}-)?[0-9]{4,5}\s+[^\W\d_].*)")
_MAILCHIMP_ZIP = re.compile(r"(?=.*[0-9])[0-9A-Za-z][0-9A-Za-z -]{1,9}")
_MAILCHIMP_COUNTRY = re.compile(r"[A-Za-z]{2}")


def split_address(value: str) -> dict[str, str]:
    """The parts of an address as street, house_number, address_extra,
    postcode, city, region and country (only those found); never raises."""
    if len(value) > LONGEST_ADDRESS:
        return {"street": normalise.text(value)}
    mailchimp = _mailchimp_fields(value)
    if mailchimp is not None:
        return _from_mailchimp(mailchimp)
    lines = [line for line in map(normalise.text, _LINE_BREAKS.split(value)) if line]
    if not lines:
        return {}
    return _from_lines(lines) or {"street": normalise.text(value)}


def format_address(parts: dict[str, str]) -> str:
    """One line in the German form ``split_address`` reads back into the same parts."""
    line = " ".join(filter(None, (parts.get("street"), parts.get("house_number"))))
    if parts.get("address_extra"):
        line += " / " + parts["address_extra"]
    place = " ".join(filter(None, (parts.get("postcode"), parts.get("city"))))
    return ", ".join(filter(None, (line, place, parts.get("region"), parts.get("country"))))


def _mailchimp_fields(value: str) -> list[str] | None:
    """Mailchimp's six fields (address1, address2, city, state, zip, country), if it is that form."""
    if "\n" in value or "\r" in value:
        return None
    fields = [normalise.text(field) for field in value.strip().split("  ")]
    if len(fields) == 5:
        fields.append("")
    if len(fields) != 6 or not fields[0]:
        return None
    zip_code, country = fields[4], fields[5]
    if (zip_code and not _MAILCHIMP_ZIP.fullmatch(zip_code)) or (country and not _MAILCHIMP_COUNTRY.fullmatch(country)):
        return None
    return fields


def _from_mailchimp(fields: list[str]) -> dict[str, str]:
    address1, address2, city, region, postcode, country = fields
    found = _street_line(address1)
    found["address_extra"] = ", ".join(filter(None, (found.get("address_extra"), address2)))
    found |= {"city": city, "region": region, "postcode": postcode, "country": country}
    return {key: text for key, text in found.items() if text}


def _from_lines(lines: list[str]) -> dict[str, str] | None:
    """The parts of an address given as its lines, or None if they make no sense."""
    found: dict[str, str] = {}
    if len(lines) > 1 and lines[-1].casefold() in COUNTRIES:
        found["country"] = lines.pop()
    if len(lines) == 1:
        lines = _split_single_line(lines[0])
    at = _postal_line(lines)
    if at is None:
        return _without_postcode(lines, found)
    postal = _postal(lines[at])
    before, after = lines[:at], lines[at + 1 :]
    if "city" not in postal:
        if len(before) < 2:
            return None
        postal["city"] = before.pop()
    prefix_country = postal.pop("country", None)
    if prefix_country:
        found.setdefault("country", prefix_country)
    if after:
        postal["region"] = ", ".join(after)
    return _with_street(before, found | postal)


def _without_postcode(lines: list[str], found: dict[str, str]) -> dict[str, str] | None:
    """A street line alone, or a street line and a city; anything longer is not understood."""
    if len(lines) == 1:
        return found | _street_line(lines[0])
    if len(lines) == 2 and _is_place(lines[1]) and not any(ch.isdigit() for ch in lines[1]):
        return found | _street_line(lines[0]) | {"city": lines[1]}
    return None


def _with_street(before: list[str], found: dict[str, str]) -> dict[str, str]:
    """``found`` with the street line (the first) and the extra lines between it and the postcode."""
    if not before:
        return found
    street = _street_line(before[0])
    extras = [street.pop("address_extra", ""), *before[1:]]
    extra = ", ".join(filter(None, extras))
    return street | ({"address_extra": extra} if extra else {}) | found


def _split_single_line(line: str) -> list[str]:
    """``Musterstraße 12 10115 Berlin`` written without a comma, as two lines."""
    if _postal(line) is not None:
        return [line]
    match = _SINGLE_LINE.fullmatch(line)
    return [match["line"], match["postal"]] if match else [line]


def _postal_line(lines: list[str]) -> int | None:
    """The index of the last line holding a postcode; the first line only if it is the only one."""
    for index in range(len(lines) - 1, -1, -1):
        if (index > 0 or len(lines) == 1) and _postal(lines[index]) is not None:
            return index
    return None


def _postal(line: str) -> dict[str, str] | None:
    """Postcode, city and region of a postal line (German, Austrian, Swiss, British or US form)."""
    match = _DACH_POSTAL.fullmatch(line)
    if match and (match["prefix"] is None or match["prefix"] in POSTCODE_PREFIXES):
        found = {"postcode": match["postcode"], "city": match["city"]}
        return found | ({"country": POSTCODE_PREFIXES[match["prefix"]]} if match["prefix"] else {})
    match = _UK_POSTAL.fullmatch(line)
    if match:
        return {"postcode": match["postcode"], "city": match["city"]}
    match = _US_POSTAL.fullmatch(line)
    if match:
        return {"postcode": match["postcode"], "region": match["region"]}
    return {"postcode": line} if _POSTCODE_ALONE.fullmatch(line) else None


def _street_line(line: str) -> dict[str, str]:
    """Street, house number and what follows the number (``5 / 2. OG``) of a street line.

    British and US lines put the number first (``12 High Street``); German,
    Austrian and Swiss ones after the street, where a number such as
    ``1/3/5`` names the staircase and door as well.
    """
    match = _NUMBER_FIRST.fullmatch(line) if line[:1].isdigit() else None
    if match:
        return {"street": match["street"], "house_number": match["number"]}
    match = _NUMBER_LAST.fullmatch(line)
    if match is None:
        return {"street": line}
    found = {"street": match["street"], "house_number": match["number"]}
    return found | ({"address_extra": match["extra"]} if match["extra"] else {})


def _is_place(line: str) -> bool:
    return any(character.isalpha() for character in line)
