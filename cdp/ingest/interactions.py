"""Interactions: purchases, messages, posts and tickets, tied to a contact.

An interaction file names the contact it belongs to by that contact's record
id in the same source (``contact_id``), so a shop's order export refers to
its own customer numbers. Free text and product details are sealed with the
contact's data key; amounts, currencies, channels and times stay readable for
reports because on their own they identify no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, insert, select

from cdp import normalise
from cdp.errors import N_, InvalidValue
from cdp.ingest import columns
from cdp.store.database import Store, next_id
from cdp.store.personal import Place
from cdp.store.schema import interaction, source_record
from cdp.store.sql import IDS, for_ids

KINDS = ("purchases", "messages")

PURCHASE_FIELDS = (
    "contact_id",
    "interaction_id",
    "occurred_at",
    "amount",
    "currency",
    "product",
    "quantity",
    "comment",
)
MESSAGE_FIELDS = ("contact_id", "interaction_id", "occurred_at", "type", "channel", "direction", "subject", "text")
FIELDS = {"purchases": PURCHASE_FIELDS, "messages": MESSAGE_FIELDS}

CHANNELS = ("email", "phone", "letter", "shop", "chat", "ticket", *normalise.NETWORKS)
MESSAGE_TYPES = ("message", "post", "ticket")

_ALIASES: dict[str, tuple[str, ...]] = {
    "contact_id": ("kundennummer", "kunden id", "customer id", "customer number", "kontakt id", "contact", "author"),
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


@dataclass
class PreparedInteraction:
    line: int
    contact_id: str
    interaction_id: str
    columns: dict
    details: dict


def normalise_row(kind: str, raw: dict[str, str]) -> tuple[str, str, dict, dict]:
    """``(contact_id, interaction_id, columns, sealed details)`` for one row.

    ``interaction_id`` is empty when the file has none; the caller derives one.
    """
    clean = {name: _clean(name, value) for name, value in raw.items()}
    clean = {name: value for name, value in clean.items() if value}
    for required in ("contact_id", "occurred_at"):
        if required not in clean:
            raise InvalidValue(required, N_("is empty but required"))
    columns = {"occurred_at": occurred_at(clean.pop("occurred_at"))}
    if kind == "purchases":
        columns |= _purchase_columns(clean)
    else:
        columns |= _message_columns(clean)
    contact_id = clean.pop("contact_id")
    interaction_id = clean.pop("interaction_id", "")
    return contact_id, interaction_id, columns, clean


FREE_TEXT_FIELDS = ("text", "subject", "comment", "product")


def _clean(name: str, value: str) -> str:
    return normalise.free_text(value) if name in FREE_TEXT_FIELDS else normalise.text(value)


def occurred_at(value: str) -> str:
    """A date, ``date time`` or ISO timestamp as ISO text to the second.

    Times with a zone are converted to UTC and stored without one, like the
    times without a zone, so that all of them sort correctly as text.
    """
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        pass
    else:
        if moment.tzinfo is not None:
            try:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:
                raise InvalidValue("occurred_at", N_("not a time that can be converted to UTC")) from None
        return moment.replace(microsecond=0).isoformat()
    date_part, _, time_part = value.partition(" ")
    day = normalise.parse_date(date_part, "occurred_at")
    try:
        moment = time.fromisoformat(time_part) if time_part else time(0, 0)
    except ValueError:
        raise InvalidValue("occurred_at", N_("not a time of day such as 14:30")) from None
    return datetime.combine(day, moment).replace(microsecond=0).isoformat()


def amount_minor(value: str) -> int:
    """``12,50`` / ``12.50`` / ``1.234,50`` / ``1,234.50`` as cents."""
    cleaned = re.sub(r"[\s€$£]|EUR|USD|CHF|GBP", "", value)
    if "," in cleaned and (cleaned.rfind(",") > cleaned.rfind(".")):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
        exact = amount.is_finite() and abs(amount) <= 10**9 and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise InvalidValue("amount", N_("not an amount such as 12,50 or 12.50")) from None
    if not exact:
        raise InvalidValue("amount", N_("not an amount with at most two decimals"))
    return int(amount * 100)


def _purchase_columns(clean: dict[str, str]) -> dict:
    if "amount" not in clean:
        raise InvalidValue("amount", N_("is empty but required"))
    currency = clean.pop("currency", "EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise InvalidValue("currency", N_("expected a three-letter currency code such as EUR"))
    return {"amount_minor": amount_minor(clean.pop("amount")), "currency": currency, "channel": "shop"}


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


def contacts_by_id(connection: Connection, store: Store, source: str, contact_ids: set[str]) -> dict[str, dict]:
    """The contact records (id, profile, key) for the given ids in ``source``."""
    by_digest = {store.personal.digest(f"record:{source}", contact_id): contact_id for contact_id in contact_ids}
    query = select(
        source_record.c.id, source_record.c.profile_id, source_record.c.key_id, source_record.c.record_digest
    ).where(source_record.c.source == source, source_record.c.record_digest.in_(IDS))
    return {by_digest[bytes(row.record_digest)]: dict(row._mapping) for row in for_ids(connection, query, by_digest)}


def write(
    store: Store,
    connection: Connection,
    source: str,
    rows: list[PreparedInteraction],
    contacts: dict[str, dict],
    stamp: str,
) -> tuple[int, int]:
    """Insert the interactions not yet stored; ``(created, unchanged)``.

    ``contacts`` is what ``contacts_by_id`` found for the rows' contact ids.
    """
    known = _known_digests(connection, [contact["id"] for contact in contacts.values()])
    new_id = next_id(connection, interaction)
    new_rows = []
    for row in rows:
        contact = contacts[row.contact_id]
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
        new_id += 1
    if new_rows:
        connection.execute(insert(interaction), new_rows)
    return len(new_rows), len(rows) - len(new_rows)


def _known_digests(connection: Connection, record_ids: list[int]) -> set[tuple[int, bytes]]:
    query = select(interaction.c.source_record_id, interaction.c.record_digest).where(
        interaction.c.source_record_id.in_(IDS)
    )
    return {(row[0], bytes(row[1])) for row in for_ids(connection, query, record_ids)}
