"""The products a purchase names: a catalogue of product names, and which purchase holds which.

A purchase keeps its details sealed with the person's data; the names of the products it names are the
business's own catalogue, not personal data, so they are kept once each in ``product`` and each purchase is
linked to its products in ``purchase_product``. That is what lets marketing count in SQL which products are
bought together (``marketing.offers``) without opening anyone's purchases. An erasure deletes the purchases
and with them their links; a purchase kept under a legal hold loses its details and its links
(``cdp.records.purge``); a name no purchase links to any more leaves the catalogue (a trigger, migration
0014), so that a product made for one person goes with their erasure.

Exports name several products in one cell: Shopify's line items as the import joins them (``A; B``),
WooCommerce's ``2× A, 1× B``. ``names`` splits such a cell into the names, without the quantities.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, insert, select

from cdp import normalise
from cdp.store.database import Store
from cdp.store.personal import Place
from cdp.store.schema import interaction, product, purchase_product, source_record

_ITEMS = re.compile(r"\s*;\s*|,\s+(?=\d+\s*[×x]\s)")
_QUANTITY = re.compile(r"^\d+\s*[×x]\s+")
MAX_NAME = 200


def names(cell: str) -> list[str]:
    """The product names of one purchase's product cell, each once, in order."""
    found: dict[str, str] = {}
    for item in _ITEMS.split(normalise.text(cell)):
        name = _QUANTITY.sub("", item).strip()[:MAX_NAME]
        if name:
            found.setdefault(key(name), name)
    return list(found.values())


def key(name: str) -> str:
    """What makes two spellings one product: case, accents, umlaut spellings and spacing do not count."""
    return " ".join(normalise.fold(name).split())


def link(tx: Connection, purchases: dict[int, list[str]]) -> int:
    """Link each purchase (by interaction id) to its products, adding names the catalogue lacks; returns links."""
    wanted: dict[str, str] = {}
    for names_of in purchases.values():
        for name in names_of:
            wanted.setdefault(key(name), name)  # the first spelling names the product
    if not wanted:
        return 0
    ids = _ids(tx, list(wanted))
    missing = [{"name": name, "key": folded} for folded, name in wanted.items() if folded not in ids]
    if missing:
        tx.execute(insert(product), missing)
        ids = _ids(tx, list(wanted))
    rows = [{"interaction_id": interaction_id, "product_id": product_id}
            for interaction_id, names_of in purchases.items()
            for product_id in dict.fromkeys(ids[key(name)] for name in names_of)]  # fmt: skip
    tx.execute(insert(purchase_product), rows)
    return len(rows)


def _ids(tx: Connection, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    query = select(product.c.key, product.c.id)
    for start in range(0, len(keys), 5000):
        found.update(tuple(row) for row in tx.execute(query.where(product.c.key.in_(keys[start : start + 5000]))))
    return found


def backfill(store: Store, batch: int = 5000) -> tuple[int, int]:
    """Link the purchases stored before products were kept (they have details but no link): their details are
    opened and their products linked, a batch per unit of work. Returns ``(purchases linked, links)``."""
    done = links = 0
    last = 0
    while True:
        with store.write() as tx:
            rows = tx.execute(_unlinked().where(interaction.c.id > last).limit(batch)).all()
            if not rows:
                return done, links
            last = rows[-1].id
            named = {}
            for row in rows:
                details = store.personal.open(bytes(row.key_id), Place("interaction", "payload", row.id),
                                              bytes(row.payload))  # fmt: skip
                cell = (details or {}).get("product")
                if cell:
                    named[row.id] = names("; ".join(map(str, cell)) if isinstance(cell, list) else str(cell))
            links += link(tx, {purchase: found for purchase, found in named.items() if found})
            done += sum(1 for value in named.values() if value)


def _unlinked():
    """Purchases with details and no product link, in id order."""
    linked = select(purchase_product.c.interaction_id).where(purchase_product.c.interaction_id == interaction.c.id)
    return (
        select(interaction.c.id, interaction.c.payload, source_record.c.key_id)
        .join(source_record, source_record.c.id == interaction.c.source_record_id)
        .where(interaction.c.kind == "purchase", interaction.c.payload != b"", ~linked.exists())
        .order_by(interaction.c.id)
    )
