"""One contact row as a file holds it, made into clean fields (this runs in the normalising workers).

Columns feed fields as the layout says; the first column with a value wins
(Outlook's business street, else the private one); a whole name or address
in one column is split; ``Herr Dr.`` is a salutation and a title;
``Musterstraße 12`` a street and a house number. A value that cannot be
read is, unless the import is strict, left out and kept apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdp.errors import N_, InvalidValue, Message
from cdp.ingest import values
from cdp.ingest.address import split_address
from cdp.ingest.columns import FULL_ADDRESS, FULL_NAME, split_full_name
from cdp.ingest.fields import Contact, normalise_contact
from cdp.ingest.files import Row
from cdp.ingest.layout import Layout


@dataclass
class Normalised:
    record_id: str
    contact: Contact
    extra: dict[str, str]
    unreadable: dict[str, str]
    content: str


@dataclass
class Skipped:
    reason: str


def normalise_rows(
    rows: list[Row], layout: Layout, region: str, strict: bool
) -> list[tuple[int, Normalised | Skipped | str]]:
    """Each row normalised, or the reason it cannot be: a problem (a ``str``) or a row left out (runs in a worker)."""
    results: list[tuple[int, Normalised | Skipped | str]] = []
    for line, row in rows:
        try:
            results.append((line, _normalise_row(row, layout, region, strict)))
        except InvalidValue as error:
            reason = Message(N_("{field}: {reason}"), field=column_of(error.field, layout.mapping), reason=error.reason)
            results.append((line, reason if strict or error.field != "row" else Skipped(reason)))
    return results


def _normalise_row(row: dict[str, str], layout: Layout, region: str, strict: bool) -> Normalised:
    raw, columns, extra = _raw_fields(row, layout)
    unreadable: dict[str, str] | None = None if strict else {}
    contact = normalise_contact(raw, region, unreadable)
    phone = contact.fields.get("phone")
    by_type = layout.export is not None and layout.export.phones_by_type
    if by_type and phone and "mobile" not in contact.fields and values.is_mobile(phone):
        contact.fields["mobile"] = contact.fields.pop("phone")
    if contact.fields.get("birth_date", "").startswith("--"):
        # A birthday without its year (Mailchimp) is no birth date to match people on.
        extra["birthday"] = contact.fields.pop("birth_date")
    by_column = {columns.get(name, name): value for name, value in (unreadable or {}).items()}
    record_id = contact.fields.pop("source_record_id", "")
    content = json.dumps([contact.fields, extra], sort_keys=True, ensure_ascii=False)
    return Normalised(record_id, contact, extra, by_column, content)


def _raw_fields(row: dict[str, str], layout: Layout) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """``(field -> raw text, field -> the column it came from, extras)``; the first column with a value wins."""
    raw: dict[str, str] = {}
    origin: dict[str, str] = {}
    extra: dict[str, str] = {}
    for column, value in row.items():
        name = layout.mapping.get(column)
        value = values.unprotected(value).strip()
        if not value or name == "":
            continue
        if name is None:
            if layout.keep_extras:
                extra[column] = value
            continue
        if name == FULL_NAME:
            parts = split_full_name(value)
        elif name == FULL_ADDRESS:
            parts = split_address(value)
        else:
            parts = {name: value}
        for part, text in parts.items():
            if part not in raw:
                raw[part], origin[part] = text, column
    _split_salutation(raw, origin)
    _split_house_number(raw, origin)
    return raw, origin, extra


def _split_salutation(raw: dict[str, str], origin: dict[str, str]) -> None:
    """``Herr Dr.`` in a salutation column: Herr is the salutation, Dr. the title."""
    if "salutation" not in raw:
        return
    salutation, title = values.salutation_and_title(raw.pop("salutation"))
    if salutation:
        raw["salutation"] = salutation
    if title and "title" not in raw:
        raw["title"], origin["title"] = title, origin["salutation"]


def _split_house_number(raw: dict[str, str], origin: dict[str, str]) -> None:
    """``Musterstraße 12`` in a street column without a house-number column: street and number apart.

    A second line in the street (vCard's ``Musterstraße 12\nHinterhaus``) is the address extra.
    """
    if "street" not in raw or "house_number" in raw:
        return
    first, _, more = raw["street"].partition("\n")
    parts = split_address(first)
    if set(parts) == {"street", "house_number"}:
        raw.update(parts)
        origin["house_number"] = origin["street"]
        if more.strip() and "address_extra" not in raw:
            raw["address_extra"], origin["address_extra"] = more.strip(), origin["street"]


def column_of(field_name: str, mapping: dict[str, str]) -> str:
    for column, name in mapping.items():
        if name == field_name or (name == FULL_NAME and field_name in ("first_name", "last_name")):
            return Message(N_("column '{column}'"), column=column)
    return Message(N_("row")) if field_name == "row" else Message(N_("field {field}"), field=field_name)
