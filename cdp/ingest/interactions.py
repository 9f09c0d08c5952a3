"""Interactions: purchases, messages, posts and tickets, tied to a contact.

An interaction file names the contact it belongs to as the tool wrote it:
by that contact's record id in the same source (``contact_id``), by email,
customer number, phone number, a network handle or profile URL, or by the
display name (``contact_*``). The contact is looked for in the same source
first, then in every source; a reference that fits two people links to
neither. Free text and product details are sealed with the contact's data
key; amounts, currencies, channels and times stay readable for reports
because on their own they identify no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from cdp import normalise, products
from cdp.errors import N_, InvalidValue, Message
from cdp.ingest import columns, values
from cdp.profiles.search import SearchIndex
from cdp.store.database import Store, next_id
from cdp.store.personal import Place
from cdp.store.schema import identifier, interaction, source_record
from cdp.store.sql import IDS, for_ids

KINDS = ("purchases", "messages")

# How a row names its contact, in the order they are tried; ``contact_id`` is the record id in the same source.
REFERENCES = (
    "contact_id",
    "contact_email",
    "contact_customer_number",
    *(f"contact_{network}" for network in normalise.NETWORKS),
    "contact_phone",
    "contact_name",
)
PURCHASE_FIELDS = (
    *REFERENCES,
    "interaction_id",
    "occurred_at",
    "amount",
    "currency",
    "product",
    "quantity",
    "comment",
)
MESSAGE_FIELDS = (*REFERENCES, "interaction_id", "occurred_at", "type", "channel", "direction", "subject", "text")
FIELDS = {"purchases": PURCHASE_FIELDS, "messages": MESSAGE_FIELDS}

CHANNELS = ("email", "phone", "letter", "shop", "chat", "ticket", *normalise.NETWORKS)
MESSAGE_TYPES = ("message", "post", "ticket")

_ALIASES: dict[str, tuple[str, ...]] = {
    "contact_id": ("kundennummer", "kunden id", "customer id", "customer number", "kontakt id", "contact", "author"),
    "contact_email": ("e-mail", "email", "e-mail-adresse", "email address", "kunden e-mail", "customer email"),
    "contact_customer_number": ("kd-nr", "kd nr", "kdnr"),
    "interaction_id": (
        "bestellnummer",
        "order id",
        "order number",
        "nachricht id",
        "message id",
        "post id",
        "ticket id",
    ),
    "occurred_at": ("datum", "bestelldatum", "date", "order date", "zeitpunkt", "time", "created at", "gesendet"),
    "amount": ("betrag", "summe", "gesamt", "amount", "total", "preis", "price"),
    "currency": ("waehrung", "währung", "currency"),
    "product": ("artikel", "produkt", "product", "item"),
    "quantity": ("menge", "anzahl", "quantity", "qty"),
    "comment": ("kommentar", "bemerkung", "comment", "note"),
    "type": ("art", "typ", "type"),
    "channel": ("kanal", "netzwerk", "channel", "network"),
    "direction": ("richtung", "direction"),
    "subject": ("betreff", "subject", "titel", "title"),
    "text": ("text", "nachricht", "inhalt", "message", "body", "post"),
}
_LOOKUP = columns.lookup(_ALIASES)


def map_columns(kind: str, headers: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """``{column: field}`` for an interaction file of ``kind``."""
    known = {key: name for key, name in (_LOOKUP | columns.lookup(dict.fromkeys(FIELDS[kind], ()))).items()
             if name in FIELDS[kind]}  # fmt: skip
    return columns.first_columns(headers, known, overrides)


Reference = tuple[str, str]  # (reference field, normalised value)


@dataclass
class PreparedInteraction:
    line: int
    references: list[Reference]
    interaction_id: str
    columns: dict
    details: dict
    contact: dict | None = None  # the contact record it links to, once found


def normalise_row(kind: str, raw: dict[str, str]) -> tuple[list[Reference], str, dict, dict]:
    """``(references, interaction_id, columns, sealed details)`` for one row.

    ``interaction_id`` is empty when the file has none; the caller derives one.
    """
    clean = {name: _clean(name, value) for name, value in raw.items()}
    clean = {name: value for name, value in clean.items() if value}
    references = [(name, _reference(name, clean.pop(name))) for name in REFERENCES if name in clean]
    if not references:
        raise InvalidValue("contact_id", N_("names no contact (record id, email, customer number, handle or name)"))
    if "occurred_at" not in clean:
        raise InvalidValue("occurred_at", N_("is empty but required"))
    columns = {"occurred_at": values.moment(clean.pop("occurred_at"))}
    if kind == "purchases":
        columns |= _purchase_columns(clean)
    else:
        columns |= _message_columns(clean)
    interaction_id = clean.pop("interaction_id", "")
    return references, interaction_id, columns, clean


def _reference(name: str, value: str) -> str:
    if name == "contact_email":
        return normalise.email_key(normalise.email(value))
    if name == "contact_phone":
        return values.phone(value)
    if name == "contact_customer_number":
        return values.unprotected(value).upper()
    network = name.removeprefix("contact_")
    if network in normalise.NETWORKS:
        return normalise.handle(network, value)
    return values.unprotected(value) if name == "contact_id" else value


FREE_TEXT_FIELDS = ("text", "subject", "comment", "product")


def _clean(name: str, value: str) -> str:
    return normalise.free_text(value) if name in FREE_TEXT_FIELDS else normalise.text(value)


def _purchase_columns(clean: dict[str, str]) -> dict:
    if "amount" not in clean:
        raise InvalidValue("amount", N_("is empty but required"))
    currency = clean.pop("currency", "EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise InvalidValue("currency", N_("expected a three-letter currency code such as EUR"))
    return {"amount_minor": values.amount_minor(clean.pop("amount")), "currency": currency, "channel": "shop"}


def _message_columns(clean: dict[str, str]) -> dict:
    channel = clean.pop("channel", "").lower()
    if channel == "twitter":
        channel = "x"
    if channel not in CHANNELS:
        raise InvalidValue("channel", N_("expected one of {choices}"), choices=", ".join(CHANNELS))
    message_type = clean.pop("type", "post" if channel in normalise.NETWORKS else "message").lower()
    if message_type not in MESSAGE_TYPES:
        raise InvalidValue("type", N_("expected message, post or ticket"))
    direction = clean.get("direction", "in").lower()
    if direction not in ("in", "out"):
        raise InvalidValue("direction", N_("expected in or out"))
    clean["direction"] = direction
    return {"kind": message_type, "channel": channel}


def link(connection: Connection, store: Store, source: str, rows: list[PreparedInteraction]) -> dict[int, str]:
    """Find each row's contact (``row.contact``); ``{line: reason}`` for rows that find none."""
    by_id = _by_record_id(
        connection, store, source, {v for row in rows for n, v in row.references if n == "contact_id"}
    )
    found: dict[Reference, dict | str] = {}
    unlinked: dict[int, str] = {}
    for row in rows:
        reason = Message(N_("no contact with this contact_id in source '{source}'; import the contacts first"),
                         source=source)  # fmt: skip
        for reference in row.references:
            if reference[0] == "contact_id":
                contact = by_id.get(reference[1])
            else:
                if reference not in found:
                    found[reference] = _by_reference(connection, store, source, reference)
                contact = found[reference] if isinstance(found[reference], dict) else None
                reason = found[reference] if isinstance(found[reference], str) else reason
            if contact is not None:
                row.contact = contact
                break
        else:
            unlinked[row.line] = reason
    return unlinked


_RECORD_COLUMNS = (source_record.c.id, source_record.c.profile_id, source_record.c.key_id, source_record.c.source)


def _by_record_id(connection: Connection, store: Store, source: str, contact_ids: set[str]) -> dict[str, dict]:
    """The contact records (id, profile, key) for the given ids in ``source``."""
    by_digest = {store.personal.digest(f"record:{source}", contact_id): contact_id for contact_id in contact_ids}
    query = select(*_RECORD_COLUMNS, source_record.c.record_digest).where(
        source_record.c.source == source, source_record.c.record_digest.in_(IDS)
    )
    return {by_digest[bytes(row.record_digest)]: dict(row._mapping) for row in for_ids(connection, query, by_digest)}


def _by_reference(connection: Connection, store: Store, source: str, reference: Reference) -> dict | str:
    """The one contact record a reference names, preferring ``source``; else the reason there is none."""
    name, value = reference
    if name == "contact_name":
        candidates = _by_name(connection, store, value)
    else:
        kind = name.removeprefix("contact_")
        query = (
            select(*_RECORD_COLUMNS)
            .join(identifier, identifier.c.source_record_id == source_record.c.id)
            .where(identifier.c.kind == kind, identifier.c.digest == store.personal.digest(kind, value))
            .order_by(source_record.c.id)
        )
        candidates = [dict(row._mapping) for row in connection.execute(query)]
    if not candidates:
        return Message(N_("no contact found by {reference}; import the contacts first"), reference=_label(name))
    same_source = [candidate for candidate in candidates if candidate["source"] == source]
    if len({candidate["profile_id"] for candidate in same_source or candidates}) > 1:
        return Message(N_("{reference} fits more than one person; linked to no one"), reference=_label(name))
    return (same_source or candidates)[0]


def _by_name(connection: Connection, store: Store, name: str) -> list[dict]:
    """The records whose first and last name are ``name`` (folded), found through the search index."""
    wanted = normalise.fold(" ".join(name.split()))
    profiles = SearchIndex(store.personal).find(connection, name, "DE", limit=50)
    if not profiles:
        return []
    query = select(*_RECORD_COLUMNS, source_record.c.payload).where(source_record.c.profile_id.in_(profiles))
    matches = []
    for row in connection.execute(query.order_by(source_record.c.id)):
        payload = store.personal.open(bytes(row.key_id), Place("source_record", "payload", row.id), bytes(row.payload))
        fields = (payload or {}).get("fields", {})
        full = " ".join(part for part in (fields.get("first_name"), fields.get("last_name")) if part)
        if full and normalise.fold(full) == wanted:
            matches.append({key: row._mapping[key] for key in ("id", "profile_id", "key_id", "source")})
    return matches


def _label(reference: str) -> str:
    labels = {"contact_email": N_("email"), "contact_customer_number": N_("customer number"),
              "contact_phone": N_("phone number"), "contact_name": N_("name")}  # fmt: skip
    return Message(labels[reference]) if reference in labels else reference.removeprefix("contact_")


def write(
    store: Store, connection: Connection, source: str, rows: list[PreparedInteraction], stamp: str
) -> tuple[int, int]:
    """Insert the interactions not yet stored; ``(created, unchanged)``. Every row has its ``contact``."""
    known = _known_digests(connection, list({row.contact["id"] for row in rows}))
    new_id = next_id(connection, interaction)
    new_rows, named = [], {}
    for row in rows:
        contact = row.contact
        digest = store.personal.digest(f"interaction:{source}", row.interaction_id)
        if (contact["id"], digest) in known:
            continue
        known.add((contact["id"], digest))
        place = Place("interaction", "payload", new_id)
        details = {"id": row.interaction_id, **row.details}
        new_rows.append(
            {
                "id": new_id,
                "source_record_id": contact["id"],
                "profile_id": contact["profile_id"],
                "kind": row.columns.get("kind", "purchase"),
                "record_digest": digest,
                "occurred_at": row.columns["occurred_at"],
                "channel": row.columns.get("channel"),
                "amount_minor": row.columns.get("amount_minor"),
                "currency": row.columns.get("currency"),
                "payload": store.personal.seal(bytes(contact["key_id"]), place, details),
                "imported_at": stamp,
            }
        )
        if new_rows[-1]["kind"] == "purchase" and row.details.get("product"):
            cell = row.details["product"]
            named[new_id] = products.names("; ".join(map(str, cell)) if isinstance(cell, list) else str(cell))
        new_id += 1
    if new_rows:
        connection.execute(insert(interaction), new_rows)
        products.link(connection, named)
    return len(new_rows), len(rows) - len(new_rows)


def _known_digests(connection: Connection, record_ids: list[int]) -> set[tuple[int, bytes]]:
    query = select(interaction.c.source_record_id, interaction.c.record_digest).where(
        interaction.c.source_record_id.in_(IDS)
    )
    return {(row[0], bytes(row[1])) for row in for_ids(connection, query, record_ids)}
