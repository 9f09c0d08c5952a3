"""The canonical fields of a contact and how each one is normalised.

These are the names ``--map column=field`` takes. ``normalise_contact`` turns
one raw row (canonical field → text) into clean values plus identifiers,
raising ``InvalidValue`` for the first value it cannot accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cdp import normalise
from cdp.errors import N_, InvalidValue
from cdp.ingest import values

CONTACT_FIELDS = (
    "source_record_id",
    "first_name",
    "last_name",
    "title",
    "salutation",
    "gender",
    "birth_date",
    "email",
    "phone",
    "mobile",
    "street",
    "house_number",
    "address_extra",
    "postcode",
    "city",
    "region",
    "country",
    "company",
    "job_title",
    "customer_number",
    "facebook",
    "x",
    "xing",
    "linkedin",
    "instagram",
    "website",
    "language",
    "address_form",
)

# Fields that identify a person on their own and are indexed as keyed hashes.
IDENTIFIER_FIELDS = ("email", "phone", "mobile", "customer_number", *normalise.NETWORKS, "website")

# What a record id is derived from when the file has none, in this order (see ``pipeline``).
AUTO_ID_FIELDS = ("email", "linkedin", "xing", "x", "facebook", "instagram", "customer_number", "mobile", "phone")

# A row must carry at least one of these, or it says nothing about anyone.
NAMING_FIELDS = ("first_name", "last_name", *IDENTIFIER_FIELDS)


@dataclass
class Contact:
    """One normalised contact row: its fields and its lookup identifiers."""

    fields: dict[str, str]
    identifiers: list[tuple[str, str]] = field(default_factory=list)


def normalise_contact(raw: dict[str, str], region: str, unreadable: dict[str, str] | None = None) -> Contact:
    """Clean every field of ``raw``; ``InvalidValue`` names the first bad field.

    With ``unreadable``, a value that cannot be read is left out and kept
    there instead (field -> raw text); only a row that names no one raises.
    """
    clean: dict[str, str] = {}
    for name, value in raw.items():
        value = normalise.text(value)
        if not value:
            continue
        try:
            value = _normaliser(name, region)(value)
        except InvalidValue:
            if unreadable is None:
                raise
            unreadable[name] = value
            continue
        if value:
            clean[name] = value
    if clean.get("address_form") == "unknown":
        del clean["address_form"]
    if not any(name in clean for name in NAMING_FIELDS):
        raise InvalidValue("row", N_("no name and no identifier (email, phone, handle, customer number)"))
    return Contact(clean, _identifiers(clean))


def _identifiers(clean: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for name in IDENTIFIER_FIELDS:
        if name in clean:
            kind = "phone" if name == "mobile" else name
            value = normalise.email_key(clean[name]) if name == "email" else clean[name]
            found.append((kind, value))
    return list(dict.fromkeys(found))


def _normaliser(name: str, region: str) -> Callable[[str], str]:
    if name == "email":
        return normalise.email
    if name in ("phone", "mobile"):
        return lambda value: values.phone(value, region)
    if name in normalise.NETWORKS:
        return lambda value: normalise.handle(name, value)
    return _SIMPLE.get(name, _keep)


def _keep(value: str) -> str:
    return value


def _upper(value: str) -> str:
    return value.upper()


def _language(value: str) -> str:
    lowered = value.lower()
    names = {"deutsch": "de", "german": "de", "englisch": "en", "english": "en"}
    code = names.get(lowered, lowered.split("-")[0].split("_")[0])
    if len(code) != 2 or not code.isalpha():
        raise InvalidValue("language", N_("expected a language code such as de or en"))
    return code


_SIMPLE: dict[str, Callable[[str], str]] = {
    "birth_date": values.birthday,
    "website": normalise.website,
    "address_form": normalise.address_form,
    "language": _language,
    "customer_number": _upper,
}
