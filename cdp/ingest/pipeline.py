"""Importing a file: recognise it, read, map, normalise, then write all or nothing.

The export is recognised by its header (``formats.known``) unless the caller
names the kind or the format; the whole file is read and every row
normalised before anything is written. Structural breakage refuses the file
(``ImportRejected`` lists the lines and reasons) and the store is untouched.
A value that cannot be read refuses nothing: the record lands without that
field, the raw value is sealed in the record, and the result counts such
values per column with their lines; rows that say nothing about anyone, or
interactions whose contact is not found, are left out and listed. ``strict``
turns each of these into a refusal of the whole file.

Writing happens in one unit of work. A record is known by its source and its
source record id (kept only as a keyed hash); a row without an id gets one
from its first identifier (email, handle, customer number, phone), so a
re-export of the same people updates them. Importing the same file twice
adds nothing, and a changed record is updated with the time each changed
field was seen.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, insert, select

from cdp import audit, logs, records, suppression
from cdp.clock import now
from cdp.errors import N_, CdpError, FollowUpFailed, FormatError, ImportRejected, InvalidValue, Message
from cdp.ingest import interactions
from cdp.ingest.fields import AUTO_ID_FIELDS, Contact
from cdp.ingest.files import SOCIAL_SUFFIXES, Row, Table, decode, opened_csv, read_table, records_table, scan_file
from cdp.ingest.formats import archives
from cdp.ingest.layout import Layout, Problems, check_kind, fields_of, read_layout
from cdp.ingest.rows import Normalised, Skipped, column_of, normalise_rows
from cdp.parallel import map_chunks, map_stream
from cdp.profiles.search import SearchIndex
from cdp.store.database import Store, as_values, insert_values, next_id
from cdp.store.personal import Place
from cdp.store.schema import identifier, import_run, profile, search_token, source_record
from cdp.store.sql import IDS, for_ids

Progress = Callable[[int], None]
# Called after a contact import commits, with the ids of the new records
# (identity resolution, wired in by the layer that assembles the program).
AfterImport = Callable[[Store, list[int], str], object]
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
    kind: str = "contacts"
    format_name: str | None = None  # the tool's export it was recognised as
    unreadable: dict[str, list[int]] = field(default_factory=dict)  # column -> lines whose value was left out
    skipped: list[tuple[int, str]] = field(default_factory=list)  # rows left out: line, reason


@dataclass
class Preview:
    """What an import of a file would read, shown before it runs."""

    format_key: str | None
    format_name: str | None
    kind: str
    columns: list[str]
    mapping: dict[str, str]
    fields: tuple[str, ...]
    sample: list[Row]


@dataclass
class Prepared:
    """A normalised row, ready to be written."""

    line: int
    record_id: str
    contact: Contact
    extra: dict[str, str]
    unreadable: dict[str, str] = field(default_factory=dict)  # column -> raw value, sealed with the record
    digest: bytes = b""
    content_mac: bytes = b""
    auto_content: str = ""  # for a derived id: the content, to tell two people with one email apart


def import_file(
    store: Store,
    path: Path,
    source: str,
    *,
    kind: str | None = None,
    format_key: str | None = None,
    overrides: dict[str, str] | None = None,
    strict: bool = False,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    after_import: AfterImport | None = None,
) -> ImportResult:
    """Import the records in the file at ``path``.

    Large files are normalised in worker processes; only a single-threaded
    caller such as the CLI may use this.
    """
    if path.suffix.lower() in (".csv", ".tsv", ".txt") and _size(path) > STREAM_ABOVE:
        return _import_streamed(
            store, path, source, kind=kind, format_key=format_key, overrides=overrides or {}, strict=strict,
            region=region, actor=actor, progress=progress, after_import=after_import,
        )  # fmt: skip
    data = read_bytes(path)
    return import_data(
        store, str(path), data, source, kind=kind, format_key=format_key, overrides=overrides, strict=strict,
        region=region, actor=actor, progress=progress, processes=True, after_import=after_import,
    )  # fmt: skip


def import_data(
    store: Store,
    name: str,
    data: bytes,
    source: str,
    *,
    kind: str | None = None,
    format_key: str | None = None,
    overrides: dict[str, str] | None = None,
    strict: bool = False,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    processes: bool = False,
    after_import: AfterImport | None = None,
) -> ImportResult:
    """Import ``data``, the bytes of a file called ``name``.

    ``kind`` is ``contacts``, ``purchases`` or ``messages``, and
    ``format_key`` one of ``formats.known``; both are recognised when not
    given. ``processes`` lets normalisation fork worker processes (never in
    a threaded server). ``after_import`` runs once the records are
    committed, with the ids of the records created or changed.
    """
    check_source_name(source)
    table = _read(name, data)
    return import_table(
        store, name, table, hashlib.sha256(data).hexdigest(), source, kind=kind, format_key=format_key,
        overrides=overrides, strict=strict, region=region, actor=actor, progress=progress, processes=processes,
        after_import=after_import,
    )  # fmt: skip


def preview(
    name: str,
    data: bytes,
    *,
    kind: str | None = None,
    format_key: str | None = None,
    overrides: dict[str, str] | None = None,
    rows: int = 5,
) -> Preview:
    """The recognised export, the mapping and the first ``rows`` rows of a file; nothing is written."""
    table = _read(name, data)
    layout, shaped = read_layout(table, kind, format_key, overrides or {}, name)
    columns = list(dict.fromkeys(column for _, row in shaped for column in row)) or table.columns
    fields = fields_of(layout.kind)
    return Preview(
        layout.export.key if layout.export else layout.export_key, layout.format_name, layout.kind, columns,
        layout.mapping, fields, shaped[:rows],
    )  # fmt: skip


def import_records(
    store: Store, records: list[dict], source: str, *, kind: str, region: str, actor: str, after_import: AfterImport
) -> ImportResult:
    """Import records pushed through the API (JSON objects, numbered from 1 as ``record`` N); all or none."""
    check_source_name(source)
    check_kind("request", kind)
    digest = hashlib.sha256(json.dumps(records, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    table = records_table(list(enumerate(records, start=1)), "api")
    return import_table(
        store, "request", table, digest, source, kind=kind, strict=True, region=region, actor=actor,
        after_import=after_import,
    )  # fmt: skip


def import_table(
    store: Store,
    name: str,
    table: Table,
    digest: str,
    source: str,
    *,
    kind: str | None = None,
    format_key: str | None = None,
    overrides: dict[str, str] | None = None,
    strict: bool = False,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    processes: bool = False,
    after_import: AfterImport | None = None,
) -> ImportResult:
    """Import a table read from the file (or request) ``name``, whose bytes hash to ``digest``: the one pipeline."""
    layout, rows = read_layout(table, kind, format_key, overrides or {}, name)
    run = {"kind": layout.kind, "format": table.format, "file_digest": digest, "started_at": now(), "actor": actor}
    if layout.kind == "contacts":
        prepared, outcome = prepare(store, rows, layout, source, region, name, strict, progress, processes)
        result = _write(store, source, prepared, run)
        _describe(result, layout, outcome)
        touched = result.new_record_ids + result.changed_record_ids
        if after_import is not None and touched:
            _follow_up(after_import, store, touched, actor, result)
        return result
    prepared_interactions, outcome = prepare_interactions(store, rows, layout, name, strict)
    result = _write_interactions(store, source, prepared_interactions, run, name, strict, outcome)
    return _describe(result, layout, outcome)


def _read(name: str, data: bytes) -> Table:
    try:
        if Path(name).suffix.lower() == ".zip":
            raise FormatError(
                None, N_("a zip archive holds several files: import it with 'cdp import', or its files one by one")
            )
        if Path(name).suffix.lower() in SOCIAL_SUFFIXES:
            return archives.read_social(Path(name).name, decode(data)[0])
        return read_table(Path(name), data)
    except FormatError as error:
        raise ImportRejected(name, [(error.line, error.reason)]) from None


def import_archive(
    store: Store,
    name: str,
    data: bytes,
    source: str,
    *,
    strict: bool = False,
    region: str = "DE",
    actor: str = "cli",
    progress: Progress | None = None,
    after_import: AfterImport | None = None,
) -> ArchiveImport:
    """Import each file of a zip delivery (LinkedIn, Mailchimp, X, Facebook, Instagram) that Kundenbild can use.

    The files are imported one after the other, contacts before what refers
    to them; each is all or nothing on its own, and a refused file stops the
    files after it (``ArchiveImport.refused``).
    """
    check_source_name(source)
    contents = archive_contents(name, data)
    outcome = ArchiveImport(skipped=contents.skipped)
    for member, member_data in contents.usable:
        where = f"{name}: {member}"
        try:
            result = import_data(
                store, where, member_data, source, strict=strict, region=region, actor=actor, progress=progress,
                after_import=after_import,
            )  # fmt: skip
        except ImportRejected as refused:
            outcome.refused = (member, refused)
            break
        outcome.imported.append((member, result))
    return outcome


def archive_contents(name: str, data: bytes) -> archives.ArchiveContents:
    """The files of a zip delivery Kundenbild can use, in the order they are imported; nothing is written."""
    try:
        return archives.archive_members(name, data)
    except FormatError as error:
        raise ImportRejected(name, [(error.line, error.reason)]) from None


@dataclass
class ArchiveImport:
    """What importing a zip delivery did: each file imported, the first refused, the files not used."""

    imported: list[tuple[str, ImportResult]] = field(default_factory=list)
    refused: tuple[str, ImportRejected] | None = None
    skipped: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What reading the rows left out: values per column, and whole rows."""

    unreadable: dict[str, list[int]] = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _describe(result: ImportResult, layout: Layout, outcome: Outcome) -> ImportResult:
    result.kind = layout.kind
    result.format_name = layout.format_name
    result.unreadable = outcome.unreadable
    result.skipped = sorted(outcome.skipped + result.skipped, key=lambda item: item[0])
    return result


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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_bytes says why


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


def prepare(
    store: Store,
    rows: list[Row],
    layout: Layout,
    source: str,
    region: str,
    where: str,
    strict: bool = False,
    progress: Progress | None = None,
    processes: bool = False,
) -> tuple[list[Prepared], Outcome]:
    """Normalise every row; collect every problem before rejecting (or, unless ``strict``, leaving out)."""
    _check_mapping(layout, where)
    normalise = partial(normalise_rows, layout=layout, region=region, strict=strict)
    normalised = map_chunks(normalise, rows, progress, processes)
    problems: Problems = [] if rows else [(None, Message(N_("the file holds no records")))]
    outcome = Outcome()
    prepared = _sorted_out(store, normalised, problems, outcome)
    problems.extend(_duplicates(store, prepared))
    if problems:
        raise ImportRejected(where, problems)
    _hash_and_count(store, source, prepared, outcome)
    return _drop_repeats(prepared), outcome


def _check_mapping(layout: Layout, where: str) -> None:
    if not set(layout.mapping.values()) - {"source_record_id", ""}:
        nothing = Message(N_("no column maps to a contact field (see --map and 'cdp import --help')"))
        raise ImportRejected(where, [(1, nothing)])


def _sorted_out(
    store: Store, normalised: list[tuple[int, Normalised | Skipped | str]], problems: Problems, outcome: Outcome
) -> list[Prepared]:
    """The rows ready to write; problems and rows left out go to ``problems`` and ``outcome``."""
    prepared = []
    for line, result in normalised:
        if isinstance(result, Skipped):
            outcome.skipped.append((line, result.reason))
        elif isinstance(result, str):
            problems.append((line, result))
        else:
            prepared.append(_with_digests(store, line, result))
    return prepared


def _hash_and_count(store: Store, source: str, prepared: list[Prepared], outcome: Outcome) -> None:
    for row in prepared:
        row.digest = store.personal.digest(f"record:{source}", row.record_id)
        for column in row.unreadable:
            outcome.unreadable.setdefault(column, []).append(row.line)


def _with_digests(store: Store, line: int, normalised: Normalised) -> Prepared:
    record_id = normalised.record_id
    auto_content = ""
    if not record_id:
        record_id, auto_content = _derived_id(store, normalised), normalised.content
    prepared = Prepared(line, record_id, normalised.contact, normalised.extra, normalised.unreadable)
    prepared.content_mac = store.personal.digest("content", normalised.content)
    prepared.auto_content = auto_content
    return prepared


def _derived_id(store: Store, normalised: Normalised) -> str:
    """A record id for a row without one: from its first identifier, so that a re-export updates the record."""
    fields = normalised.contact.fields
    for name in AUTO_ID_FIELDS:
        if name in fields:
            return "auto-" + store.personal.digest("auto-id", f"{name}:{fields[name]}").hex()[:20]
    return _content_id(store, normalised.content)


def _content_id(store: Store, content: str) -> str:
    return "auto-" + store.personal.digest("auto-id", content).hex()[:20]


def _duplicates(store: Store, prepared: list[Prepared]) -> Problems:
    """Rows that repeat an id with other content; a derived id then falls back to the row's content."""
    first_seen: dict[str, Prepared] = {}
    problems: Problems = []
    for row in prepared:
        earlier = first_seen.setdefault(row.record_id, row)
        if earlier is row or earlier.content_mac == row.content_mac:
            continue
        if row.auto_content:
            # Two people sharing one email (a couple, an office): each keeps a record of their own.
            row.record_id = _content_id(store, row.auto_content)
            first_seen.setdefault(row.record_id, row)
            continue
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
            _apply(store, connection, plan, rows, stamp, result)
            _log_run(connection, result, run)
        committed = True
    finally:
        # Keys made before the unit of work took them over (it may never have begun) go here.
        if key_ids and not committed:
            store.personal.discard_keys(key_ids)
    return result


def _apply(store: Store, connection: Connection, plan: _Plan, rows: list[Prepared], stamp: str, result: ImportResult):
    """Insert the plan's new records and update the known ones that changed; counted in ``result``."""
    result.suppressed += len(plan.held_back)
    for table in (profile, source_record, identifier, search_token):
        insert_values(connection, table, *plan.tables[table.name])
    result.new_record_ids += [record[0] for record in plan.tables[source_record.name][1]]
    result.created += len(plan.new_rows)
    for row in rows:
        if row.digest in plan.existing:
            changed = _update_existing(store, connection, row, plan.existing[row.digest], stamp)
            result.updated += changed
            result.unchanged += not changed
            if changed:
                result.changed_record_ids.append(plan.existing[row.digest]["id"])


STREAM_ABOVE = 4 * 2**20  # bytes (about 40,000 contacts): larger delimited files are written in chunks
STREAM_CHUNK = 5_000  # rows


def _import_streamed(
    store: Store,
    path: Path,
    source: str,
    *,
    kind: str | None,
    format_key: str | None,
    overrides: dict[str, str],
    strict: bool,
    region: str,
    actor: str,
    progress: Progress | None,
    after_import: AfterImport | None,
) -> ImportResult:
    """Import a large delimited file without holding it whole: read, normalise and write a chunk at a time.

    The chunks are written in one unit of work, so the import is still all
    or nothing: a problem anywhere rolls back every chunk before it. Files
    whose export needs all rows at once (line items, conversations) and
    interaction files are read whole, as small files are.
    """
    where = str(path)
    check_source_name(source)
    try:
        digest, encoding = scan_file(path)
        with opened_csv(path, encoding) as (header, rows):
            table = Table("csv", encoding, header, [])
            layout, _ = read_layout(table, kind, format_key, overrides, where)
            if layout.kind != "contacts" or (layout.export and layout.export.reshape):
                table.rows = list(rows)
                return import_table(
                    store, where, table, digest, source, kind=kind, format_key=format_key, overrides=overrides,
                    strict=strict, region=region, actor=actor, progress=progress, after_import=after_import,
                )  # fmt: skip
            run = {"kind": "contacts", "format": "csv", "file_digest": digest, "started_at": now(), "actor": actor}
            result, outcome = _write_streamed(store, source, rows, layout, region, strict, where, run, progress)
    except FormatError as error:
        raise ImportRejected(where, [(error.line, error.reason)]) from None
    _describe(result, layout, outcome)
    touched = result.new_record_ids + result.changed_record_ids
    if after_import is not None and touched:
        _follow_up(after_import, store, touched, actor, result)
    return result


def _write_streamed(
    store: Store,
    source: str,
    rows: Iterator[Row],
    layout: Layout,
    region: str,
    strict: bool,
    where: str,
    run: dict,
    progress: Progress | None,
) -> tuple[ImportResult, Outcome]:
    """Normalise and write ``rows`` chunk by chunk in one unit of work (workers normalise the next chunks)."""
    _check_mapping(layout, where)
    result, outcome, problems = ImportResult(source=source, rows=0), Outcome(), []
    written: set[int] = set()  # short digests of the records this import wrote, to find repeats across chunks
    read = 0
    stamp = now()
    normalise = partial(normalise_rows, layout=layout, region=region, strict=strict)
    # The default page cache, not the bulk one: memory stays flat however long the file.
    with store.write() as connection:
        for chunk, normalised in map_stream(normalise, _batches(rows, STREAM_CHUNK)):
            read += len(chunk)
            prepared = _sorted_out(store, normalised, problems, outcome)
            problems.extend(_duplicates(store, prepared))
            if progress:
                progress(len(chunk))
            if problems:
                continue  # nothing more is written, but every problem is still listed
            _hash_and_count(store, source, prepared, outcome)
            fresh = _not_written_before(store, connection, source, _drop_repeats(prepared), written, problems)
            _write_chunk(store, connection, source, fresh, stamp, result)
            written.update(_short(row.digest) for row in fresh)
        if not read:
            problems.append((None, Message(N_("the file holds no records"))))
        if problems:
            raise ImportRejected(where, problems)
        _log_run(connection, result, run)
    return result, outcome


def _write_chunk(
    store: Store, connection: Connection, source: str, rows: list[Prepared], stamp: str, result: ImportResult
) -> None:
    """One chunk's plan, made and applied under the lock, and let go before the next is made."""
    key_ids: list[bytes] = []
    plan = _plan(store, connection, source, rows, stamp, key_ids)
    store.keys_follow(connection, key_ids)
    _apply(store, connection, plan, rows, stamp, result)
    result.rows += len(rows)
    store.personal.forget(key_ids)


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _short(digest: bytes) -> int:
    return int.from_bytes(digest[:8])


def _not_written_before(
    store: Store, connection: Connection, source: str, rows: list[Prepared], written: set[int], problems: Problems
) -> list[Prepared]:
    """The rows of a chunk less those that repeat a record an earlier chunk wrote; a conflict is a problem."""
    again = [row for row in rows if _short(row.digest) in written]
    if not again:
        return rows
    earlier = _existing(connection, source, [row.digest for row in again])
    repeats = set()
    for row in again:
        old = earlier.get(row.digest)
        if old is None:
            continue  # two digests that share their first eight bytes
        if bytes(old["content_mac"]) == row.content_mac:
            repeats.add(id(row))
        elif row.auto_content:
            row.record_id = _content_id(store, row.auto_content)
            row.digest = store.personal.digest(f"record:{source}", row.record_id)
        else:
            problems.append((row.line, Message(N_("the same record id as an earlier line, with different content"))))
    return [row for row in rows if id(row) not in repeats]


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
    """The rows of each table for new records, with the ids that come next in ``connection``'s store.

    Rows are made as value tuples in the order of their columns (what ``as_values`` would make of dicts).
    """
    first_profile = next_id(connection, profile)
    first_record = next_id(connection, source_record)
    identifier_id = next_id(connection, identifier)
    profiles, records, identifiers, terms = [], [], [], []
    index = SearchIndex(store.personal)
    seal = store.personal.seal
    for offset, (row, key_id) in enumerate(zip(rows, key_ids, strict=True)):
        profile_id, record_id = first_profile + offset, first_record + offset
        fields = row.contact.fields
        profiles.append({"id": profile_id, "created_at": stamp, "updated_at": stamp})
        sealed = seal(key_id, Place("source_record", "payload", record_id), _payload(row, dict.fromkeys(fields, stamp)))
        records.append((record_id, source, row.digest, profile_id, key_id, row.content_mac, sealed, stamp, stamp))
        for entry in _identifier_rows(store, row, record_id, profile_id):
            identifiers.append((*entry, identifier_id))
            identifier_id += 1
        terms += [(digest, record_id) for digest in index.digests(fields)]
    terms.sort(key=lambda term: term[0])  # by digest (a stable sort, as before)
    record_columns = [
        "id", "source", "record_digest", "profile_id", "key_id", "content_mac", "payload", "imported_at", "updated_at"
    ]  # fmt: skip
    return {
        profile.name: as_values(profiles),
        source_record.name: (record_columns, records),
        identifier.name: (["source_record_id", "profile_id", "kind", "digest", "id"], identifiers),
        search_token.name: (["digest", "source_record_id"], terms),
    }


def _identifier_rows(store: Store, row: Prepared, record_id: int, profile_id: int) -> list[tuple]:
    """``(source_record_id, profile_id, kind, digest)`` for each of the row's identifiers."""
    digest = store.personal.digest
    return [(record_id, profile_id, kind, digest(kind, value)) for kind, value in row.contact.identifiers]


def _identifier_digests(store: Store, row: Prepared) -> list[bytes]:
    return [store.personal.digest(kind, value) for kind, value in row.contact.identifiers]


def _payload(row: Prepared, seen: dict[str, str]) -> dict:
    payload = {"id": row.record_id, "fields": row.contact.fields, "seen": seen, "extra": row.extra}
    if row.unreadable:
        payload["unreadable"] = row.unreadable
    return payload


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
    store: Store, rows: list[Row], layout: Layout, where: str, strict: bool
) -> tuple[list[interactions.PreparedInteraction], Outcome]:
    """Normalise every interaction row; collect every problem before rejecting (or, unless ``strict``, leaving out)."""
    mapping = layout.mapping
    problems: Problems = []
    if not set(mapping.values()) & set(interactions.REFERENCES):
        problems.append((1, Message(N_("no column names the contact (contact_id, contact_email, … see --map)"))))
    if "occurred_at" not in mapping.values():
        problems.append((1, Message(N_("no column maps to {field} (see --map)"), field="occurred_at")))
    if problems:
        raise ImportRejected(where, problems)
    prepared, outcome = [], Outcome()
    for line, row in rows:
        raw = {mapping[column]: value for column, value in row.items() if mapping.get(column)}
        try:
            references, interaction_id, columns, details = interactions.normalise_row(layout.kind, raw)
        except InvalidValue as error:
            reason = Message(N_("{field}: {reason}"), field=column_of(error.field, mapping), reason=error.reason)
            (problems if strict else outcome.skipped).append((line, reason))
            continue
        if layout.keep_extras:
            details["extra"] = {column: value for column, value in row.items() if column not in mapping and value}
        if not interaction_id:
            content = json.dumps([references, columns, details], sort_keys=True, ensure_ascii=False)
            interaction_id = "auto-" + store.personal.digest("auto-id", content).hex()[:20]
        prepared.append(interactions.PreparedInteraction(line, references, interaction_id, columns, details))
    if not rows:
        problems.append((None, Message(N_("the file holds no records"))))
    if problems:
        raise ImportRejected(where, problems)
    return prepared, outcome


def _write_interactions(
    store: Store,
    source: str,
    rows: list[interactions.PreparedInteraction],
    run: dict,
    where: str,
    strict: bool,
    outcome: Outcome,
) -> ImportResult:
    result = ImportResult(source=source, rows=len(rows) + len(outcome.skipped))
    with store.write() as connection:
        unlinked = interactions.link(connection, store, source, rows)
        erased = suppression.suppressed_lines(
            connection,
            {row.line: [store.personal.digest(f"record:{source}", value) for name, value in row.references
                        if name == "contact_id"] for row in rows if row.line in unlinked},
        )  # fmt: skip
        missing = [(line, reason) for line, reason in unlinked.items() if line not in erased]
        if missing and (strict or len(missing) == len(rows)):
            raise ImportRejected(where, missing)
        result.suppressed = len(erased)
        result.skipped = missing
        rows = [row for row in rows if row.contact is not None]
        result.created, result.unchanged = interactions.write(store, connection, source, rows, now())
        _log_run(connection, result, run)
    return result
