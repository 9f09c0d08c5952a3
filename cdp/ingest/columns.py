"""Which column of a file feeds which canonical field.

Common German and English headers map by themselves (Vorname, Nachname,
E-Mail, PLZ, first name, surname, …); ``--map column=field`` overrides or
adds. A lone ``Name`` column without a first-name column holds whole names
and is split into first and last name.
"""

from __future__ import annotations

import re

from cdp.ingest.fields import CONTACT_FIELDS
from cdp.normalise import fold

FULL_NAME = "full_name"
FULL_ADDRESS = "full_address"  # a whole postal address in one column, split by ``address.split_address``

_ALIASES: dict[str, tuple[str, ...]] = {
    "source_record_id": ("id", "source record id", "record id", "kontakt id", "contact id", "uid"),
    "first_name": ("vorname", "first name", "firstname", "given name", "givenname", "forename", "rufname"),
    "last_name": ("nachname", "familienname", "surname", "last name", "lastname", "family name", "zuname"),
    "title": ("titel", "title", "akademischer titel"),
    "salutation": ("anrede", "salutation", "briefanrede"),
    "gender": ("geschlecht", "gender", "sex"),
    "birth_date": ("geburtsdatum", "geburtstag", "birth date", "birthdate", "date of birth", "dob", "birthday"),
    "email": ("e-mail", "email", "e-mail-adresse", "email address", "e-mail address", "mail", "emailadresse"),
    "phone": ("telefon", "telefonnummer", "tel", "phone", "phone number", "telephone", "festnetz"),
    "mobile": ("mobil", "mobiltelefon", "handy", "mobile", "mobile phone", "cell", "cell phone", "mobilnummer"),
    "street": ("strasse", "straße", "street", "address", "adresse", "street address", "anschrift"),
    "house_number": ("hausnummer", "hausnr", "house number", "nr", "number"),
    "address_extra": ("adresszusatz", "zusatz", "address 2", "address line 2", "c/o"),
    "postcode": ("plz", "postleitzahl", "postcode", "postal code", "zip", "zip code", "zipcode"),
    "city": ("ort", "stadt", "wohnort", "city", "town"),
    "region": ("bundesland", "region", "state", "county", "kanton"),
    "country": ("land", "country", "staat"),
    "company": ("firma", "unternehmen", "company", "organisation", "organization", "arbeitgeber"),
    "job_title": ("position", "job title", "jobtitle", "beruf", "funktion", "berufsbezeichnung"),
    "customer_number": (
        "kundennummer",
        "kundennr",
        "kunden-nr",
        "kd-nr",
        "kd-nr.",
        "kdnr",
        "customer number",
        "customer id",
        "customer no",
    ),
    "facebook": ("facebook", "facebook profil", "facebook profile"),
    "x": ("x", "twitter", "x handle", "twitter handle"),
    "xing": ("xing", "xing profil", "xing profile"),
    "linkedin": ("linkedin", "linkedin profil", "linkedin profile", "linkedin url"),
    "instagram": ("instagram", "instagram handle"),
    "website": ("website", "webseite", "homepage", "web", "url", "internetseite"),
    "language": ("sprache", "language", "korrespondenzsprache", "preferred language"),
    "address_form": ("du sie", "du/sie", "ansprache", "address form", "form of address", "duzen"),
}


def header_key(header: str) -> str:
    """A header as every mapper looks it up: folded, ``_`` and ``-`` as spaces, other punctuation dropped."""
    spaced = fold(header).replace("_", " ").replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9/ ]", "", spaced).split())


def lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """``{header key: field}`` for the spellings of each field, the field's own name among them."""
    found = {header_key(alias): name for name, spellings in aliases.items() for alias in spellings}
    found.update({header_key(name): name for name in aliases})
    return found


def first_columns(headers: list[str], known: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    """``{column: field}``: the overrides, then each field's first column by ``known`` (from ``lookup``)."""
    mapping = {header: overrides[header] for header in headers if header in overrides}
    for header in headers:
        name = known.get(header_key(header))
        if header not in mapping and name and name not in mapping.values():
            mapping[header] = name
    return mapping


_LOOKUP = lookup(_ALIASES) | {header_key(name): name for name in CONTACT_FIELDS}


def auto_field(header: str) -> str | None:
    """The canonical field a header names by itself, if any."""
    return _LOOKUP.get(header_key(header))


def map_columns(headers: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """``{column: field}`` for every column that feeds a field.

    Columns not in the result are kept as extra attributes. The caller has
    checked that ``overrides`` name existing columns and known fields.
    """
    mapping = first_columns(headers, _LOOKUP, overrides)
    named_name = [h for h in headers if header_key(h) == "name" and h not in mapping]
    if named_name and "first_name" not in mapping.values():
        mapping[named_name[0]] = FULL_NAME
    elif named_name and "last_name" not in mapping.values():
        mapping[named_name[0]] = "last_name"
    return mapping


def split_full_name(value: str) -> dict[str, str]:
    """``Mustermann, Max`` or ``Max Mustermann`` as first and last name."""
    value = value.strip()
    if "," in value:
        last, first = (part.strip() for part in value.split(",", 1))
    else:
        first, _, last = value.rpartition(" ")
    return {key: part for key, part in (("first_name", first), ("last_name", last)) if part}
