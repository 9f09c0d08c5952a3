"""Importing a file of contacts: read, map, normalise, then write all or nothing.

The whole file is read and every row normalised before anything is written;
if any row fails, ``ImportRejected`` lists the lines and reasons and the store
is untouched. Writing happens in one unit of work. A record is known by its
source and its source record id (kept only as a keyed hash); importing the
same file twice adds nothing, and a changed record is updated with the time
each changed field was seen.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, insert, select

from cdp import audit, logs, records, suppression
from cdp.clock import now
from cdp.errors import N_, CdpError, FollowUpFailed, FormatError, ImportRejected, InvalidValue, Message
from cdp.ingest import interactions
from cdp.ingest.columns import FULL_NAME, map_columns, split_full_name
from cdp.ingest.fields import CONTACT_FIELDS, Contact, normalise_contact
from cdp.ingest.files import Table, read_table, records_table
from cdp.parallel import map_chunks
from cdp.profiles.search import SearchIndex
from cdp.store.database import Store, as_values, insert_values, next_id
from cdp.store.personal import Place
from cdp.store.schema import identifier, import_run, profile, search_token, source_record
from cdp.store.sql import IDS, for_ids

Progress = Callable[[int], None]
# Called after a contact import commits, with the ids of the new records
# (identity resolution, wired in by the layer that assembles the program).
AfterImport = Callable[[Store, list[int], str], object]
KINDS = ("contacts", *interactions.KINDS)
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass
class ImportResult:
    """What one import did."""

    source: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    suppressed: int = 0  # rows of people erased on request, held back (see ``cdp.suppression``)
    new_record_ids: list[int] = field(default_factory=list)
    changed_record_ids: list[int] = field(default_factory=list)


@dataclass
class Prepared:
    """A normalised row, ready to be written."""

    line: int
    record_id: str
    contact: Contact
    extra: dict[str, str]
    digest: bytes = b""
    content_mac: bytes = b""


def import_file(
    store: Store,
    path: Path,
    source: str,
    *,
    kind: str = "contacts",
    overrides: dict[str, str] | None = None,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    after_import: AfterImport | None = None,
) -> ImportResult:
    """Import the records in the file at ``path``; all rows or none.

    Large files are normalised in worker processes; only a single-threaded
    caller such as the CLI may use this.
    """
    data = read_bytes(path)
    return import_data(
        store,
        str(path),
        data,
        source,
        kind=kind,
        overrides=overrides,
        region=region,
        actor=actor,
        progress=progress,
        processes=True,
        after_import=after_import,
    )


def import_data(
    store: Store,
    name: str,
    data: bytes,
    source: str,
    *,
    kind: str = "contacts",
    overrides: dict[str, str] | None = None,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    processes: bool = False,
    after_import: AfterImport | None = None,
) -> ImportResult:
    """Import ``data``, the bytes of a file called ``name``; all rows or none.

    ``kind`` is ``contacts`` (the default), ``purchases`` or ``messages``.
    ``processes`` lets normalisation fork worker processes (never in a
    threaded server). ``after_import`` runs once the records are committed, with the ids
    of the records created or changed.
    """
    check_source_name(source)
    _check_kind(name, kind)
    try:
        table = read_table(Path(name), data)
    except FormatError as error:
        raise ImportRejected(name, [(error.line, error.reason)]) from None
    return import_table(
        store, name, table, hashlib.sha256(data).hexdigest(), source, kind=kind, overrides=overrides, region=region,
        actor=actor, progress=progress, processes=processes, after_import=after_import,
    )  # fmt: skip


def import_records(
    store: Store, records: list[dict], source: str, *, kind: str, region: str, actor: str, after_import: AfterImport
) -> ImportResult:
    """Import records pushed through the API (JSON objects, numbered from 1 as ``record`` N); all or none."""
    check_source_name(source)
    _check_kind("request", kind)
    digest = hashlib.sha256(json.dumps(records, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    table = records_table(list(enumerate(records, start=1)), "api")
    return import_table(
        store, "request", table, digest, source, kind=kind, region=region, actor=actor, after_import=after_import
    )


def import_table(
    store: Store,
    name: str,
    table: Table,
    digest: str,
    source: str,
    *,
    kind: str = "contacts",
    overrides: dict[str, str] | None = None,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    processes: bool = False,
    after_import: AfterImport | None = None,
) -> ImportResult:
    """Import a table read from the file (or request) ``name``, whose bytes hash to ``digest``: the one pipeline."""
    run = {"kind": kind, "format": table.format, "file_digest": digest, "started_at": now(), "actor": actor}
    if kind == "contacts":
        prepared = prepare(store, table, source, overrides or {}, region, name, progress, processes)
        result = _write(store, source, prepared, run)
        touched = result.new_record_ids + result.changed_record_ids
        if after_import is not None and touched:
            _follow_up(after_import, store, touched, actor, result)
        return result
    rows = prepare_interactions(store, table, kind, overrides or {}, name)
    return _write_interactions(store, source, rows, run, name)


def _check_kind(name: str, kind: str) -> None:
    if kind not in KINDS:
        unknown = Message(N_("unknown kind '{kind}': expected one of {choices}"), kind=kind, choices=", ".join(KINDS))
        raise ImportRejected(name, [(None, unknown)])


def _follow_up(after_import: AfterImport, store: Store, touched: list[int], actor: str, result: ImportResult) -> None:
    """Run the work after a committed import; a failure there never reads as a failed import."""
    try:
        after_import(store, touched, actor)
    except CdpError:
        raise FollowUpFailed(result) from None
    except Exception as error:
        logs.crash(error)
        raise FollowUpFailed(result) from None


def check_source_name(source: str) -> None:
    if not SOURCE_NAME.fullmatch(source):
        rule = Message(N_("a source name is 1–40 lower-case letters, digits, '-' or '_', such as 'webshop'"))
        raise ImportRejected(source, [(None, rule)])


def read_bytes(path: Path) -> bytes:
    """The bytes of an import file, or ``ImportRejected`` saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportRejected(str(path), [(None, Message(N_("no such file")))]) from None
    except IsADirectoryError:
        raise ImportRejected(str(path), [(None, Message(N_("is a folder, not a file")))]) from None
    except PermissionError:
        raise ImportRejected(str(path), [(None, Message(N_("cannot be read (permission denied)")))]) from None
    except OSError as error:
        cause = error.strerror or Message(N_("input/output error"))
        raise ImportRejected(str(path), [(None, Message(N_("cannot be read ({cause})"), cause=cause))]) from None


def resolve_mapping(table: Table, overrides: dict[str, str], where: str) -> dict[str, str]:
    """The column → field mapping, or ``ImportRejected`` for a bad ``--map``."""
    if table.canonical:
        return {name: name for name in table.columns if name in CONTACT_FIELDS}
    problems = _override_problems(table, overrides, CONTACT_FIELDS, "contacts")
    if problems:
        raise ImportRejected(where, problems)
    return map_columns(table.columns, overrides)


def _override_problems(
    table: Table, overrides: dict[str, str], fields: tuple[str, ...], kind: str
) -> list[tuple[int | None, str]]:
    """What is wrong with the ``--map`` options for a file of ``kind``."""
    problems: list[tuple[int | None, str]] = []
    for column, name in overrides.items():
        if column not in table.columns:
            problems.append(
                (None, Message(N_("--map names the column '{column}', which the file does not have"), column=column))
            )
        if name not in fields:
            problems.append(
                (None, Message(N_("--map names the field '{field}', which {kind} do not have"), field=name, kind=kind))
            )
    return problems


def prepare(
    store: Store,
    table: Table,
    source: str,
    overrides: dict[str, str],
    region: str,
    where: str,
    progress: Progress | None = None,
    processes: bool = False,
) -> list[Prepared]:
    """Normalise every row; collect every problem before rejecting."""
    mapping = resolve_mapping(table, overrides, where)
    if not set(mapping.values()) - {"source_record_id"}:
        nothing = Message(N_("no column maps to a contact field (see --map and 'cdp import --help')"))
        raise ImportRejected(where, [(1, nothing)])
    normalise = partial(_normalise_rows, mapping=mapping, region=region)
    normalised = map_chunks(normalise, table.rows, progress, processes)
    problems: list[tuple[int | None, str]] = [
        (line, outcome) for line, outcome in normalised if isinstance(outcome, str)
    ]
    if not table.rows:
        problems.append((None, Message(N_("the file holds no records"))))
    prepared = [_with_digests(store, line, outcome) for line, outcome in normalised if not isinstance(outcome, str)]
    problems.extend(_duplicates(prepared))
    if problems:
        raise ImportRejected(where, problems)
    for row in prepared:
        row.digest = store.personal.digest(f"record:{source}", row.record_id)
    return _drop_repeats(prepared)


Normalised = tuple[str, Contact, dict[str, str], str]


def _normalise_rows(
    rows: list[tuple[int, dict[str, str]]], mapping: dict[str, str], region: str
) -> list[tuple[int, Normalised | str]]:
    """Each row normalised, or the reason it cannot be (runs in a worker)."""
    results: list[tuple[int, Normalised | str]] = []
    for line, values in rows:
        try:
            results.append((line, _normalise_row(values, mapping, region)))
        except InvalidValue as error:
            results.append(
                (line, Message(N_("{field}: {reason}"), field=_column_of(error.field, mapping), reason=error.reason))
            )
    return results


def _normalise_row(values: dict[str, str], mapping: dict[str, str], region: str) -> Normalised:
    raw: dict[str, str] = {}
    extra: dict[str, str] = {}
    for column, value in values.items():
        name = mapping.get(column)
        if name == FULL_NAME:
            raw.update(split_full_name(value))
        elif name:
            raw[name] = value
        elif value.strip():
            extra[column] = value.strip()
    record_id = raw.pop("source_record_id", "").strip()
    contact = normalise_contact(raw, region)
    content = json.dumps([contact.fields, extra], sort_keys=True, ensure_ascii=False)
    return record_id, contact, extra, content


def _with_digests(store: Store, line: int, normalised: Normalised) -> Prepared:
    record_id, contact, extra, content = normalised
    if not record_id:
        record_id = "auto-" + store.personal.digest("auto-id", content).hex()[:20]
    prepared = Prepared(line, record_id, contact, extra)
    prepared.content_mac = store.personal.digest("content", content)
    return prepared


def _column_of(field_name: str, mapping: dict[str, str]) -> str:
    for column, name in mapping.items():
        if name == field_name or (name == FULL_NAME and field_name in ("first_name", "last_name")):
            return Message(N_("column '{column}'"), column=column)
    return Message(N_("row")) if field_name == "row" else Message(N_("field {field}"), field=field_name)


def _duplicates(prepared: list[Prepared]) -> list[tuple[int | None, str]]:
    first_seen: dict[str, Prepared] = {}
    problems: list[tuple[int | None, str]] = []
    for row in prepared:
        earlier = first_seen.setdefault(row.record_id, row)
        if earlier is not row and earlier.content_mac != row.content_mac:
            problems.append(
                (row.line, Message(N_("the same record id as line {line}, with different content"), line=earlier.line))
            )
    return problems


def _drop_repeats(prepared: list[Prepared]) -> list[Prepared]:
    unique: dict[bytes, Prepared] = {}
    for row in prepared:
        unique.setdefault(row.digest, row)
    return list(unique.values())


@dataclass
class _Plan:
    """The rows an import inserts, sealed and hashed for the ids they will get.

    It is made before the write lock is taken, so that the lock is held only
    for the inserts; ``basis`` is what the plan assumed of the store (the next
    ids, the records already there, the suppression list), checked again
    under the lock.
    """

    basis: tuple
    existing: dict[bytes, dict]
    held_back: set[int]
    new_rows: list[Prepared]
    tables: dict[str, tuple[list[str], list[tuple]]]  # table name -> columns, value tuples


def _write(store: Store, source: str, rows: list[Prepared], run: dict) -> ImportResult:
    """Write every row, the import run and its audit entry in one unit of work.

    The new records are sealed and hashed first, outside the write lock, for
    the ids they will get; if another writer changed what that assumed in the
    meantime, they are made again under the lock. Data keys for new records
    are created in the vault (its own file) and follow the unit of work: kept
    if it commits, discarded if it fails (``Store.keys_follow``).
    """
    result = ImportResult(source=source, rows=len(rows))
    key_ids: list[bytes] = []
    committed = False
    stamp = now()
    try:
        with store.read() as connection:
            plan = _plan(store, connection, source, rows, stamp, key_ids)
        with store.write(bulk=True) as connection:
            if _basis(connection, source, rows) != plan.basis:
                plan = _plan(store, connection, source, rows, stamp, key_ids)
            store.keys_follow(connection, key_ids)
            result.suppressed = len(plan.held_back)
            for table in (profile, source_record, identifier, search_token):
                insert_values(connection, table, *plan.tables[table.name])
            result.new_record_ids = [record[0] for record in plan.tables[source_record.name][1]]
            result.created = len(plan.new_rows)
            for row in rows:
                if row.digest in plan.existing:
                    changed = _update_existing(store, connection, row, plan.existing[row.digest], stamp)
                    result.updated += changed
                    result.unchanged += not changed
                    if changed:
                        result.changed_record_ids.append(plan.existing[row.digest]["id"])
            _log_run(connection, result, run)
        committed = True
    finally:
        # Keys made before the unit of work took them over (it may never have begun) go here.
        if key_ids and not committed:
            store.personal.discard_keys(key_ids)
    return result


def _plan(
    store: Store, connection: Connection, source: str, rows: list[Prepared], stamp: str, key_ids: list[bytes]
) -> _Plan:
    """Seal and hash the new records for the ids they get next; ``key_ids`` collects the data keys made."""
    existing = _existing(connection, source, [row.digest for row in rows])
    held_back = suppression.suppressed_lines(
        connection,
        {row.line: [row.digest, *_identifier_digests(store, row)] for row in rows if row.digest not in existing},
    )
    # In digest order, new records extend the unique index instead of
    # landing all over it, which keeps large imports fast.
    new_rows = sorted(
        (row for row in rows if row.digest not in existing and row.line not in held_back), key=lambda row: row.digest
    )
    if len(key_ids) != len(new_rows):
        store.personal.discard_keys(key_ids)
        key_ids[:] = store.personal.new_keys(len(new_rows))
    tables = _new_rows(store, connection, source, new_rows, key_ids, stamp)
    return _Plan(_basis(connection, source, rows), existing, held_back, new_rows, tables)


def _basis(connection: Connection, source: str, rows: list[Prepared]) -> tuple:
    """What a plan depends on: the next ids, the records of the source already there, the suppression list."""
    counts = connection.exec_driver_sql(
        "SELECT (SELECT count(*) FROM source_record), (SELECT count(*) FROM suppression)"
    ).one()
    ids = tuple(next_id(connection, table) for table in (profile, source_record, identifier))
    return (*ids, *counts, frozenset(_existing(connection, source, [row.digest for row in rows])))


def _existing(connection: Connection, source: str, digests: list[bytes]) -> dict[bytes, dict]:
    query = select(source_record).where(source_record.c.source == source, source_record.c.record_digest.in_(IDS))
    return {bytes(row.record_digest): dict(row._mapping) for row in for_ids(connection, query, digests)}


def _new_rows(
    store: Store, connection: Connection, source: str, rows: list[Prepared], key_ids: list[bytes], stamp: str
) -> dict[str, tuple[list[str], list[tuple]]]:
    """The rows of each table for new records, with the ids that come next in ``connection``'s store."""
    first_profile = next_id(connection, profile)
    first_record = next_id(connection, source_record)
    first_identifier = next_id(connection, identifier)
    profiles, records, identifiers, terms = [], [], [], []
    index = SearchIndex(store.personal)
    for offset, (row, key_id) in enumerate(zip(rows, key_ids, strict=True)):
        profile_id, record_id = first_profile + offset, first_record + offset
        profiles.append({"id": profile_id, "created_at": stamp, "updated_at": stamp})
        payload = _payload(row, {name: stamp for name in row.contact.fields})
        records.append(
            {
                "id": record_id,
                "source": source,
                "record_digest": row.digest,
                "profile_id": profile_id,
                "key_id": key_id,
                "content_mac": row.content_mac,
                "payload": store.personal.seal(key_id, Place("source_record", "payload", record_id), payload),
                "imported_at": stamp,
                "updated_at": stamp,
            }
        )
        identifiers += _identifier_rows(store, row, record_id, profile_id)
        terms += index.rows(record_id, row.contact.fields)
    for number, entry in enumerate(identifiers):
        entry["id"] = first_identifier + number
    return {
        profile.name: as_values(profiles),
        source_record.name: as_values(records),
        identifier.name: as_values(identifiers),
        search_token.name: as_values(sorted(terms, key=lambda term: term["digest"])),
    }


def _identifier_rows(store: Store, row: Prepared, record_id: int, profile_id: int) -> list[dict]:
    return [
        {
            "source_record_id": record_id,
            "profile_id": profile_id,
            "kind": kind,
            "digest": store.personal.digest(kind, value),
        }
        for kind, value in row.contact.identifiers
    ]


def _identifier_digests(store: Store, row: Prepared) -> list[bytes]:
    return [store.personal.digest(kind, value) for kind, value in row.contact.identifiers]


def _payload(row: Prepared, seen: dict[str, str]) -> dict:
    return {"id": row.record_id, "fields": row.contact.fields, "seen": seen, "extra": row.extra}


def _update_existing(store: Store, connection: Connection, row: Prepared, old: dict, stamp: str) -> bool:
    """Update a known record if its content changed; True when it did."""
    if bytes(old["content_mac"]) == row.content_mac:
        return False
    place = Place("source_record", "payload", old["id"])
    before = store.personal.open(bytes(old["key_id"]), place, bytes(old["payload"])) or {"fields": {}, "seen": {}}
    seen = {
        name: before["seen"].get(name, stamp) if before["fields"].get(name) == value else stamp
        for name, value in row.contact.fields.items()
    }
    content = records.Content(_payload(row, seen), list(row.contact.identifiers), row.content_mac)
    records.replace_content(connection, store.personal, old, content, stamp, before["fields"])
    return True


def _log_run(connection: Connection, result: ImportResult, run: dict) -> None:
    run_id = connection.execute(
        insert(import_run).values(
            source=result.source,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            finished_at=now(),
            **run,
        )
    ).inserted_primary_key[0]
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    if result.suppressed:
        counts["suppressed"] = result.suppressed
    audit.record(connection, run["actor"], "import", "import_run", run_id, {"source": result.source, **counts})


def prepare_interactions(
    store: Store, table: Table, kind: str, overrides: dict[str, str], where: str
) -> list[interactions.PreparedInteraction]:
    """Normalise every interaction row; collect every problem before rejecting."""
    problems = _override_problems(table, overrides, interactions.FIELDS[kind], kind)
    mapping = interactions.map_columns(kind, table.columns, overrides)
    for required in ("contact_id", "occurred_at"):
        if required not in mapping.values():
            problems.append((1, Message(N_("no column maps to {field} (see --map)"), field=required)))
    if problems:
        raise ImportRejected(where, problems)
    rows = []
    for line, values in table.rows:
        raw = {mapping[column]: value for column, value in values.items() if column in mapping}
        try:
            contact_id, interaction_id, columns, details = interactions.normalise_row(kind, raw)
        except InvalidValue as error:
            problems.append(
                (line, Message(N_("{field}: {reason}"), field=_column_of(error.field, mapping), reason=error.reason))
            )
            continue
        details["extra"] = {column: value for column, value in values.items() if column not in mapping and value}
        if not interaction_id:
            content = json.dumps([contact_id, columns, details], sort_keys=True, ensure_ascii=False)
            interaction_id = "auto-" + store.personal.digest("auto-id", content).hex()[:20]
        rows.append(interactions.PreparedInteraction(line, contact_id, interaction_id, columns, details))
    if not table.rows:
        problems.append((None, Message(N_("the file holds no records"))))
    if problems:
        raise ImportRejected(where, problems)
    return rows


def _write_interactions(
    store: Store, source: str, rows: list[interactions.PreparedInteraction], run: dict, where: str
) -> ImportResult:
    result = ImportResult(source=source, rows=len(rows))
    with store.write() as connection:
        contacts = interactions.contacts_by_id(connection, store, source, {row.contact_id for row in rows})
        unknown = [row for row in rows if row.contact_id not in contacts]
        erased = suppression.suppressed_lines(
            connection, {row.line: [store.personal.digest(f"record:{source}", row.contact_id)] for row in unknown}
        )
        missing = [
            (
                row.line,
                Message(
                    N_("no contact with this contact_id in source '{source}'; import the contacts first"), source=source
                ),
            )
            for row in unknown
            if row.line not in erased
        ]
        if missing:
            raise ImportRejected(where, missing)
        result.suppressed = len(erased)
        rows = [row for row in rows if row.line not in erased]
        result.created, result.unchanged = interactions.write(store, connection, source, rows, contacts, now())
        _log_run(connection, result, run)
    return result
