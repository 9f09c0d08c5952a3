"""The files the sources export: ``Row``, ``DemoFile`` and ``encode`` (CSV, vCard 3.0, JSON Lines)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    """One record in a file, with the person it was derived from."""

    person: int
    values: dict[str, str]


@dataclass
class DemoFile:
    """One export: how it is named, imported and encoded, and its rows."""

    name: str
    source: str
    kind: str
    rows: list[Row]
    columns: tuple[str, ...] = ()
    overrides: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"


def encode(file: DemoFile) -> bytes:
    """The bytes of ``file`` as its source would export it."""
    if file.name.endswith(".vcf"):
        return _vcards(file.rows)
    if file.name.endswith(".jsonl"):
        return "".join(json.dumps(row.values, ensure_ascii=False) + "\n" for row in file.rows).encode()
    return _csv(file.columns, file.rows, file.delimiter).encode(file.encoding)


def _csv(columns: Sequence[str], rows: list[Row], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([row.values.get(column, "") for column in columns] for row in rows)
    return buffer.getvalue()


def _vcards(rows: list[Row]) -> bytes:
    lines = []
    for row in rows:
        lines += ["BEGIN:VCARD", "VERSION:3.0"]
        lines += [_fold(f"{name}:{value}") for name, value in row.values.items()]
        lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode()


def _fold(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets, as RFC 6350 asks, never inside a character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += width
    return "\r\n".join([*pieces, current])
