"""Reading the files people export into rows of text.

``read_table`` recognises the format by its extension (``.csv``/``.txt``/
``.tsv``, ``.vcf``, ``.jsonl``/``.ndjson``; ``.js``/``.json`` and ``.zip`` are
left to ``formats.archives``), decodes the bytes (UTF-8 with or
without BOM, UTF-16 with BOM as Excel writes it, else Windows-1252) and yields
rows with their line numbers. Anything it cannot read is a ``FormatError``
naming the line.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cdp.errors import N_, FormatError
from cdp.ingest.formats.vcard import read_vcards

Row = tuple[int, dict[str, str]]
_DELIMITERS = ",;\t|"


@dataclass
class Table:
    """A file's columns and rows; ``canonical`` when columns are field names already.

    ``export`` is the key of the tool's export the file was recognised as
    (see ``cdp.ingest.formats.known``), ``kind`` what it holds when the
    reader knows it (contacts, purchases, messages).
    """

    format: str
    encoding: str
    columns: list[str]
    rows: list[Row]
    canonical: bool = False
    export: str | None = None
    kind: str | None = None


def read_table(path: Path, data: bytes) -> Table:
    """Parse ``data`` (the bytes of ``path``) by the file's extension."""
    suffix = path.suffix.lower()
    text, encoding = decode(data)
    if suffix == ".vcf":
        rows = list(read_vcards(text))
        columns = list(dict.fromkeys(name for _, fields in rows for name in fields))
        return Table("vcard", encoding, columns, rows, canonical=True)
    if suffix in (".jsonl", ".ndjson"):
        columns, rows = read_json_lines(text)
        return Table("jsonl", encoding, columns, rows)
    if suffix in (".csv", ".tsv", ".txt"):
        columns, rows = read_csv(text)
        return Table("csv", encoding, columns, rows)
    raise FormatError(
        None,
        N_("unknown file type '{suffix}': expected .csv, .tsv, .txt, .vcf, .jsonl, .json, .js or .zip"),
        suffix=suffix,
    )


SOCIAL_SUFFIXES = (".js", ".json")


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read with."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FormatError(line, N_("contains NUL bytes: not a text file (or UTF-16 without a byte-order mark)"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if any(byte >= 0x80 for byte in data[: error.start]):
            raise FormatError(
                _line_at(data, error.start), N_("invalid UTF-8 in a file that is otherwise UTF-8")
            ) from None
    return _strict(data, "cp1252"), "cp1252"


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise FormatError(
            _line_at(data, error.start), N_("bytes that are not valid {encoding} text"), encoding=encoding
        ) from None


def _line_at(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line most often (comma on a tie)."""
    counts = {delimiter: _count_unquoted(header_line, delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_unquoted(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


_META_LINE = re.compile(r'"?(EXTF|DTVF)"?;')


def preamble_lines(text: str) -> int:
    """How many lines before the header are not part of the table.

    DATEV files start with one meta line (``"EXTF";700;…``) before the
    column names; LinkedIn's Connections.csv with a ``Notes:`` paragraph
    that ends at the first empty line.
    """
    lines = text.split("\n", 50)
    if _META_LINE.match(lines[0]):
        return 1
    if lines[0].strip() == "Notes:":
        for number, line in enumerate(lines[1:-1], start=1):
            if not line.strip():
                return number + 1
    return 0


def read_csv(text: str) -> tuple[list[str], list[Row]]:
    """Header and rows of a delimited text; every row must match the header."""
    header, rows = csv_rows(io.StringIO(text, newline=""))
    return header, list(rows)


def csv_rows(stream: Iterable[str]) -> tuple[list[str], Iterator[Row]]:
    """The header of a delimited text read line by line, and its rows as they are read.

    Lines before the header (see ``preamble_lines``) are skipped; line
    numbers still count them, so that they match what an editor shows. A
    row that does not match the header raises ``FormatError`` when it is reached.
    """
    lines = iter(stream)
    head = list(itertools.islice(lines, 50))
    skipped = preamble_lines("".join(head))
    reader = csv.reader(
        itertools.chain(head[skipped:], lines), delimiter=sniff_delimiter("".join(head[skipped : skipped + 1])),
        strict=True,
    )  # fmt: skip
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise FormatError(None, N_("the file is empty")) from None
    except csv.Error as error:
        raise FormatError(skipped + 1, N_("broken quoting in the header ({error})"), error=error) from None
    if skipped:
        header = _numbered_repeats(header)
    _check_header(header, skipped + 1)
    return header, _rows(reader, header, skipped)


def _rows(reader, header: list[str], skipped: int) -> Iterator[Row]:
    start = reader.line_num + 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                if len(values) != len(header):
                    raise FormatError(
                        skipped + start,
                        N_("has {fields} fields, the header has {header}"),
                        fields=len(values),
                        header=len(header),
                    )
                yield skipped + start, dict(zip(header, values, strict=True))
            start = reader.line_num + 1
    except csv.Error as error:
        raise FormatError(skipped + start, N_("broken quoting ({error})"), error=error) from None


def scan_file(path: Path) -> tuple[str, str]:
    """The SHA-256 of the file at ``path`` and the encoding to read it with, by the rules of ``decode``.

    It reads the file once, a block at a time, so that a large file is never
    held whole; ``FormatError`` names the line of bytes that cannot be text.
    """
    digest = hashlib.sha256()
    encoding = ""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, non_ascii = 0, False
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
            if not encoding:
                encoding = _encoding_by_bom(block)
            if b"\x00" in block and encoding != "utf-16":
                line = lines + block[: block.index(b"\x00")].count(b"\n") + 1
                raise FormatError(line, N_("contains NUL bytes: not a text file (or UTF-16 without a byte-order mark)"))
            if encoding in ("utf-8", "utf-8-sig"):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    if non_ascii or not block[: error.start].isascii():
                        raise FormatError(
                            lines + block[: error.start].count(b"\n") + 1,
                            N_("invalid UTF-8 in a file that is otherwise UTF-8"),
                        ) from None
                    encoding = "cp1252"
            non_ascii = non_ascii or not block.isascii()
            lines += block.count(b"\n")
    return digest.hexdigest(), encoding or "utf-8"


def _encoding_by_bom(block: bytes) -> str:
    if block.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


@contextmanager
def opened_csv(path: Path, encoding: str) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """The header and rows of the delimited file at ``path``, read as they are needed."""
    with path.open(encoding=encoding, newline="") as stream:
        try:
            yield csv_rows(stream)
        except UnicodeDecodeError:
            raise FormatError(None, N_("bytes that are not valid {encoding} text"), encoding=encoding) from None


def _numbered_repeats(header: list[str]) -> list[str]:
    """DATEV names its unused columns all ``Leerfeld``: the repeats become ``Leerfeld 2``, ``Leerfeld 3``…"""
    seen: dict[str, int] = {}
    numbered = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        numbered.append(f"{name} {seen[name]}" if seen[name] > 1 else name)
    return numbered


def _check_header(header: list[str], line: int = 1) -> None:
    if not any(header):
        raise FormatError(line, N_("the header line is empty"))
    for position, name in enumerate(header, start=1):
        if not name:
            raise FormatError(line, N_("column {position} has no name in the header"), position=position)
    first_position: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in first_position:
            # Positions only: a file without a header would put a person's
            # values here, and messages never repeat values.
            raise FormatError(
                line,
                N_("columns {first} and {second} have the same name in the header"),
                first=first_position[name],
                second=position,
            )
        first_position[name] = position


def read_json_lines(text: str) -> tuple[list[str], list[Row]]:
    """One JSON object per line; nested values are kept as JSON text."""
    rows: list[Row] = []
    # Only \n ends a line: str.splitlines would also split on U+2028 and other
    # separators that JSON strings may hold raw.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        record = load_json(line, number)
        if not isinstance(record, dict):
            raise FormatError(number, N_("each line must hold one JSON object"))
        rows.append((number, record))
    if not rows:
        raise FormatError(None, N_("the file holds no records"))
    table = records_table(rows, "jsonl")
    return table.columns, table.rows


def records_table(records: list[tuple[int, dict]], format: str) -> Table:
    """JSON objects, each with its line (or place in a request), as a table; nested values kept as JSON text."""
    rows = [(number, {str(key): _as_text(value) for key, value in record.items()}) for number, record in records]
    columns = list(dict.fromkeys(name for _, fields in rows for name in fields))
    return Table(format, "utf-8", columns, rows)


def load_json(text: str, line: int | None = None) -> object:
    """``text`` parsed as JSON, or a ``FormatError`` naming ``line`` for what Kundenbild cannot take:
    broken JSON, nesting deeper than Python can follow, numbers of more than 4,300 digits, and
    strings with a lone UTF-16 surrogate (no character at all, so it cannot be stored)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            line, N_("not valid JSON ({error} at column {column})"), error=error.msg, column=error.colno
        ) from None
    except RecursionError:
        raise FormatError(line, N_("JSON nested too deeply")) from None
    except ValueError:
        raise FormatError(line, N_("a number with too many digits (at most 4,300)")) from None
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise FormatError(
            line, N_("a string holds a lone UTF-16 surrogate (such as \\ud800), which is no character")
        ) from None
    except RecursionError:
        raise FormatError(line, N_("JSON nested too deeply")) from None
    return value


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
