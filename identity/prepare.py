"""Every source record of a batch run, prepared a chunk at a time.

A batch run over a million records cannot hold each of them the way one new
record is held. ``cdp.records.map_records`` reads, decrypts and hands over the
records a chunk at a time (in worker processes, one per core, when allowed);
``prepare``, which ``map_records`` is handed and calls (in those workers:
the core never imports identity), turns a chunk into what the run needs and
lets the rest go:

* the match model's rows, as an Arrow table, which DuckDB reads without a copy;
* the fields the deterministic stage compares (names, birth date, address);
* the blocking keys, packed, when they are to be written anew.

Values that repeat across a store (a first name, a birth date, a city) are
held once in the parent process.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial

import pyarrow as pa

from cdp.records import Record, map_records
from cdp.store.database import Store
from identity import blocking_keys
from identity import model as match_model

# What the model reads of a record, and what the deterministic stage compares.
READ_FIELDS = ("first_name", "last_name", "birth_date", "street", "house_number", "postcode", "city", "email",
               "phone")  # fmt: skip
GUARDED_FIELDS = ("first_name", "last_name", "birth_date", "street", "house_number", "postcode", "city")


@dataclass(frozen=True)
class Chunk:
    """One chunk of records, prepared: model rows, guarded fields by record, packed blocking keys."""

    table: pa.Table
    records: list[tuple[int, int, tuple[str | None, ...]]]
    keys: bytes


@dataclass(frozen=True)
class Prepared:
    """Every record of the store, prepared."""

    records: dict[int, Record]
    table: pa.Table
    keys: list[bytes]


def prepare(store: Store, records: dict[int, Record], with_keys: bool) -> Chunk:
    """A chunk of records as a batch run holds them."""
    rows = [match_model.row(record) for record in records.values()]
    keys = b""
    if with_keys:
        keys = blocking_keys.packed(store.personal, {row["unique_id"]: match_model.blocking_keys(row) for row in rows})
    guarded = [
        (record.id, record.profile_id, tuple(record.fields.get(name) for name in GUARDED_FIELDS))
        for record in records.values()
    ]
    return Chunk(match_model.table(rows), guarded, keys)


def prepare_all(store: Store, with_keys: bool, processes: bool = False) -> Prepared:
    """Every record prepared (``with_keys``: with its blocking keys); ``processes`` as for
    ``cdp.records.map_records``."""
    tables: list[pa.Table] = []
    keys: list[bytes] = []
    records: dict[int, Record] = {}
    work = partial(prepare, with_keys=with_keys)
    for chunk in map_records(store, work, fields=READ_FIELDS, processes=processes):
        tables.append(chunk.table)
        keys.append(chunk.keys)
        for record_id, profile_id, values in chunk.records:
            fields = {name: sys.intern(value) for name, value in zip(GUARDED_FIELDS, values, strict=True) if value}
            records[record_id] = Record(record_id, profile_id, "", "", fields)
    table = pa.concat_tables(tables) if tables else match_model.table([])
    return Prepared(records, table, keys)
