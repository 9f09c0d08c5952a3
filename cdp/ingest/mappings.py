"""Saved column mappings: how the files of a source map their columns, offered again for its next file.

A mapping belongs to a source, a kind (contacts, purchases, messages) and a
layout: the key of the recognised export, or else a keyed hash of the
header, so that only a file laid out the same way is offered it as it is. It
holds the choices that differ from what Kundenbild maps by itself, as the
pipeline's ``overrides`` (``{column: field}``, ``""`` leaving a column out).

Column names say nothing about a person, except in a file without a header,
whose first row stands in their place: the mapping is sealed with a data key
of its own, and replacing it destroys the old key at commit, so no copy of
an old mapping stays readable, in a backup neither.

On the import page each column gets a *choice*: a field, ``EXTRA`` (kept
with the record as it is) or ``LEAVE_OUT``. ``choices`` turns a preview's
mapping and saved overrides into them, ``overrides`` turns them back into
what differs from the preview's own mapping.

``save``, ``find`` and ``layout_of`` run inside the caller's unit of work;
``remember`` and ``recall`` are the use cases that open one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from cdp import audit
from cdp.clock import now
from cdp.ingest.formats import known
from cdp.ingest.pipeline import Preview
from cdp.store.database import Store, next_id
from cdp.store.personal import Place
from cdp.store.schema import import_mapping

EXTRA = "~extra"
LEAVE_OUT = "~leave-out"


@dataclass(frozen=True)
class SavedMapping:
    """A saved mapping; ``exact`` when it was saved for this very layout, not another file of the source."""

    source: str
    kind: str
    layout: str
    overrides: dict[str, str]
    saved_by: str
    saved_at: str
    exact: bool = True


def layout_of(store: Store, format_key: str | None, columns: list[str]) -> str:
    """What a file's layout is known by: its export's key, else a keyed hash of its header (which may name people)."""
    if format_key:
        return f"format:{format_key}"
    return "columns:" + store.personal.digest("import-layout", "\x1f".join(columns)).hex()


def save(store: Store, tx: Connection, saved: SavedMapping) -> int:
    """Save (or replace) the mapping of ``saved.source``, kind and layout, audited; ``tx`` must be a write unit."""
    old = tx.execute(_where(select(import_mapping.c.id, import_mapping.c.key_id), saved)).first()
    if old is not None:
        store.destroy_at_commit(tx, [bytes(old.key_id)])
        tx.execute(delete(import_mapping).where(import_mapping.c.id == old.id))
    key_id = store.new_keys(tx, 1)[0]
    mapping_id = next_id(tx, import_mapping)
    sealed = store.personal.seal(key_id, Place("import_mapping", "mapping", mapping_id), saved.overrides)
    tx.execute(
        insert(import_mapping).values(
            id=mapping_id, source=saved.source, kind=saved.kind, layout=saved.layout, key_id=key_id, mapping=sealed,
            saved_by=saved.saved_by, saved_at=saved.saved_at,
        )
    )  # fmt: skip
    details = {"source": saved.source, "kind": saved.kind, "columns": len(saved.overrides), "replaced": bool(old)}
    audit.record(tx, saved.saved_by, "import_mapping.saved", "import_mapping", mapping_id, details)
    return mapping_id


def find(store: Store, tx: Connection, source: str, kind: str, layout: str) -> SavedMapping | None:
    """The mapping saved for this layout, else the newest one saved for the source and kind (not ``exact``)."""
    query = select(import_mapping).where(import_mapping.c.source == source, import_mapping.c.kind == kind)
    rows = tx.execute(query.order_by(import_mapping.c.saved_at.desc(), import_mapping.c.id.desc())).all()
    for row in sorted(rows, key=lambda row: row.layout != layout):
        overrides = store.personal.open(
            bytes(row.key_id), Place("import_mapping", "mapping", row.id), bytes(row.mapping)
        )
        if overrides is not None:
            return SavedMapping(source, kind, row.layout, overrides, row.saved_by, row.saved_at, row.layout == layout)
    return None


def _where(query, saved: SavedMapping):
    table = import_mapping.c
    return query.where(table.source == saved.source, table.kind == saved.kind, table.layout == saved.layout)


def remember(store: Store, source: str, kind: str, layout: str, overrides: dict[str, str], actor: str) -> SavedMapping:
    """Save ``overrides`` as the mapping of ``source`` for files of ``kind`` laid out as ``layout``."""
    saved = SavedMapping(source, kind, layout, dict(overrides), actor, now())
    with store.write() as tx:
        save(store, tx, saved)
    return saved


def recall(store: Store, source: str, kind: str, layout: str) -> SavedMapping | None:
    """The saved mapping to offer for a file of ``source`` (see ``find``), or ``None``."""
    with store.read() as tx:
        return find(store, tx, source, kind, layout)


def keeps_extras(preview: Preview) -> bool:
    """Whether columns that feed no field are kept with the record (some exports' are only dropped)."""
    export = known.BY_KEY.get(preview.format_key or "")
    return not (export and export.only_mapped)


def options(preview: Preview, column: str) -> list[str]:
    """The choices ``column`` offers: extra, leave out, a whole-name or whole-address split it has, every field.

    Only a column that feeds no field by itself may be kept as extra: the
    pipeline takes a field or a leaving out as override, nothing else.
    """
    own = preview.mapping.get(column)
    special = [own] if own and own not in preview.fields else []
    extra = [EXTRA] if own is None and keeps_extras(preview) else []
    return [*extra, LEAVE_OUT, *special, *preview.fields]


def choices(preview: Preview, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Each column's choice under the preview's own mapping, changed by those of ``overrides`` that still fit."""
    fitting = {
        column: name
        for column, name in (overrides or {}).items()
        if column in preview.columns and (name == "" or name in preview.fields)
    }
    chosen = {}
    for column in preview.columns:
        name = fitting.get(column, preview.mapping.get(column))
        if name is None:
            chosen[column] = EXTRA if keeps_extras(preview) else LEAVE_OUT
        else:
            chosen[column] = name or LEAVE_OUT
    return chosen


def overrides(preview: Preview, chosen: dict[str, str]) -> dict[str, str]:
    """The pipeline's ``overrides`` for ``chosen`` (column -> choice): what differs from the preview's own mapping.

    Raises ``ValueError`` for a choice the column does not offer.
    """
    own = choices(preview)
    found: dict[str, str] = {}
    for column, choice in chosen.items():
        if column not in own or choice not in options(preview, column):
            raise ValueError("a choice the column does not offer")
        if choice != own[column]:
            found[column] = "" if choice == LEAVE_OUT else choice
    return found
