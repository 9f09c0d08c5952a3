"""How a table is read: what it holds, the export it comes from, which column feeds which field.

The layout is decided before any row is normalised, from the table's header,
the export recognised in it (``formats.known``) or named by the caller, and
the caller's ``--map`` overrides; both the import and its preview use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdp.errors import N_, ImportRejected, Message
from cdp.ingest import interactions
from cdp.ingest.columns import FULL_ADDRESS, FULL_NAME, map_columns
from cdp.ingest.fields import CONTACT_FIELDS
from cdp.ingest.files import Row, Table
from cdp.ingest.formats import known

KINDS = ("contacts", *interactions.KINDS)
# What a column of a contact file may feed: the fields, and a whole name or address to be split.
CONTACT_TARGETS = (*CONTACT_FIELDS, FULL_NAME, FULL_ADDRESS)
Problems = list[tuple[int | None, str]]


def fields_of(kind: str) -> tuple[str, ...]:
    """The fields a column of a file of ``kind`` may feed."""
    return CONTACT_TARGETS if kind == "contacts" else interactions.FIELDS[kind]


@dataclass
class Layout:
    """How a table is read: what it holds, the export it comes from, and which column feeds which field.

    ``mapping`` sends a column to a field, or to ``""`` to leave it out;
    other columns are kept as extra attributes unless ``keep_extras`` is off.
    """

    kind: str
    export: known.ExportFormat | None
    mapping: dict[str, str]
    keep_extras: bool = True
    export_key: str | None = None  # set by readers that know the export (social archives)

    @property
    def format_name(self) -> str | None:
        return self.export.name if self.export else known.ARCHIVE_NAMES.get(self.export_key or "")


def read_layout(
    table: Table, kind: str | None, format_key: str | None, overrides: dict[str, str], where: str
) -> tuple[Layout, list[Row]]:
    """The layout of ``table`` and its rows as that layout reads them (one per record)."""
    if kind is not None:
        check_kind(where, kind)
    export = export_of(table, kind, format_key, where)
    kind = kind or (export.kind if export else table.kind) or "contacts"
    rows = export.reshape(table.rows) if export and export.reshape else table.rows
    if export and export.defaults:
        rows = [(line, {**export.defaults, **row}) for line, row in rows]
    headers = list(dict.fromkeys(column for _, row in rows for column in row)) if rows else table.columns
    problems = override_problems(headers, overrides, fields_of(kind), kind)
    if problems:
        raise ImportRejected(where, problems)
    mapping = _mapping(table, export, kind, headers, overrides)
    keep_extras = not (export and export.only_mapped)
    return Layout(kind, export, mapping, keep_extras, table.export), rows


def _mapping(
    table: Table, export: known.ExportFormat | None, kind: str, headers: list[str], overrides: dict[str, str]
) -> dict[str, str]:
    """Columns named as fields feed them; then the export's own columns, or else the headers' usual names; then
    the overrides."""
    named = table.canonical or (export is not None and bool(export.defaults))
    mapping = {column: column for column in headers if column in fields_of(kind)} if named else {}
    feeding = {column: name for column, name in overrides.items() if name}
    if export:
        mapping |= known.mapping_of(export, headers)
    elif kind == "contacts" and not table.canonical:
        mapping |= map_columns(headers, feeding)
    elif not table.canonical:
        mapping |= interactions.map_columns(kind, headers, feeding)
    return mapping | overrides


def export_of(table: Table, kind: str | None, format_key: str | None, where: str) -> known.ExportFormat | None:
    """The export named by ``format_key``, else the one the header shows (none for readers that know theirs)."""
    if format_key is not None:
        if format_key not in known.BY_KEY:
            choices = ", ".join(known.BY_KEY)
            unknown = Message(N_("unknown format '{format}': expected one of {choices}"), format=format_key,
                              choices=choices)  # fmt: skip
            raise ImportRejected(where, [(None, unknown)])
        return known.BY_KEY[format_key]
    if table.canonical:
        return None
    return known.detect(table.columns, kind)


def check_kind(name: str, kind: str) -> None:
    if kind not in KINDS:
        unknown = Message(N_("unknown kind '{kind}': expected one of {choices}"), kind=kind, choices=", ".join(KINDS))
        raise ImportRejected(name, [(None, unknown)])


def override_problems(headers: list[str], overrides: dict[str, str], fields: tuple[str, ...], kind: str) -> Problems:
    """What is wrong with the ``--map`` options for a file of ``kind`` (an empty field leaves a column out)."""
    problems: Problems = []
    for column, name in overrides.items():
        if column not in headers:
            problems.append(
                (None, Message(N_("--map names the column '{column}', which the file does not have"), column=column))
            )
        if name and name not in fields:
            problems.append(
                (None, Message(N_("--map names the field '{field}', which {kind} do not have"), field=name, kind=kind))
            )
    return problems
