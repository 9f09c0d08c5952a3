"""Sample exports of third-party tools, imported as the tools write them: what lands, and with generic mapping only.

Every sample export in ``tests/fixtures/exports`` (CSV, vCard, X ``.js``,
Meta ``.json``) goes into a fresh encrypted store (SQLCipher, as ``cdp init``
makes it) through ``cdp.ingest.pipeline.import_file`` with no ``--map``,
after the contact files it refers to. Per file the table shows the export
recognised, the kind, rows read, records or interactions created, the
interactions linked to the contact ``expected.json`` names, values left
empty (unreadable), rows left out, the canonical fields that landed in the
records the file created (for interaction files: which contact reference
linked them), what importing the file again left unchanged, and the
milliseconds of the first import. The newsletter tools' files (Mailchimp,
CleverReach, Brevo) then go through consent import (purpose ``newsletter``,
channel ``email``): events recorded / unchanged / rows skipped. A LinkedIn
zip and a Mailchimp audience zip, built in memory from the fixtures, go
through ``import_archive``.

The peer on the same data is the same importer with format recognition
switched off: ``cdp.ingest.formats.known.detect`` patched to find nothing in
this process, for the file and the contact files it needs, so only the
generic column mapping is left. The X and Meta readers know their files
themselves (not through ``detect``), so those rows are the same in both.

A file "imports as exported" when it is not refused, creates every record or
interaction ``expected.json`` lists, lands the values listed for its people,
links each interaction to the right contact, leaves no value empty and no
row out, and changes nothing when imported again.

    .venv/bin/python bench/import_formats.py
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from cdp.config import Paths
from cdp.errors import ImportRejected
from cdp.ingest import interactions
from cdp.ingest.formats import known
from cdp.ingest.pipeline import ImportResult, import_archive, import_file
from cdp.store.database import Store, create_store
from cdp.store.keys import MasterKey
from cdp.store.personal import Place
from cdp.store.schema import interaction, source_record
from consent.imports import import_consent

EXPORTS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
# Which value of an expected link names the contact, most specific first; else its email.
LINK_KEYS = ("linkedin", "customer_number", "instagram")
CONSENT_FILES = [name for name, item in EXPECTED.items() if item["kind"] == "consent"]
LINKEDIN_FILES = ["linkedin/Connections.csv", "linkedin/messages.csv"]
MAILCHIMP_FILES = [name for name in EXPECTED if name.startswith("mailchimp/")]
ZIPS = {
    "linkedin.zip (Connections.csv + messages.csv)": ("linkedin", LINKEDIN_FILES),
    "mailchimp audience zip (3 member files)": ("mailchimp", MAILCHIMP_FILES),
}


@dataclass
class Outcome:
    """What one import (of a file, or of a zip's files) did, and why it is not "as exported" if it is not."""

    format_name: str = "—"
    kind: str = "—"
    rows: int = 0
    created: int = 0
    empty: Counter = field(default_factory=Counter)  # column -> values left empty
    left_out: int = 0
    fields: set[str] = field(default_factory=set)
    linked: tuple[int, int] | None = None  # (linked to the expected contact, expected)
    references: Counter = field(default_factory=Counter)  # contact reference that linked each interaction
    unchanged: int = 0
    ms: float = 0.0
    consent: str = "—"
    refused: str | None = None
    problems: list[str] = field(default_factory=list)


class LinkTracer:
    """Wraps ``interactions.link`` to note which reference found each interaction's contact.

    The link tries a row's references in order and keeps the first that finds
    a contact, so the first of them that finds it alone is the one used. The
    time this costs is kept apart, so the import's milliseconds leave it out.
    """

    def __init__(self) -> None:
        self.used: Counter = Counter()
        self.overhead = 0.0
        self._link = interactions.link

    def link(self, connection, store, source, rows):
        unlinked = self._link(connection, store, source, rows)
        started = time.perf_counter()
        for row in rows:
            if row.contact is not None:
                self.used[self._reference_of(connection, store, source, row)] += 1
        self.overhead += time.perf_counter() - started
        return unlinked

    def _reference_of(self, connection, store, source, row) -> str:
        for reference in row.references:
            alone = dataclasses.replace(row, references=[reference], contact=None)
            self._link(connection, store, source, [alone])
            if alone.contact is not None and alone.contact["id"] == row.contact["id"]:
                return reference[0].removeprefix("contact_")
        return "?"

    @contextmanager
    def tracing(self) -> Iterator[LinkTracer]:
        with mock.patch.object(interactions, "link", self.link):
            yield self


@contextmanager
def recognition(enabled: bool) -> Iterator[None]:
    """Format recognition as shipped, or switched off (``known.detect`` finds nothing)."""
    if enabled:
        yield
        return
    with mock.patch.object(known, "detect", lambda headers, kind=None: None):
        yield


@contextmanager
def fresh_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(Paths(Path(folder)), MasterKey(raw=os.urandom(32)))
        try:
            yield store
        finally:
            store.close()


def source_of(name: str) -> str:
    return name.split("/")[0]


def opened_fields(store: Store, ids: list[int] | None = None) -> dict[int, dict]:
    """The decrypted fields of the store's source records (of ``ids`` when given), by record id."""
    query = source_record.select()
    if ids is not None:
        query = query.where(source_record.c.id.in_(ids))
    with store.read() as connection:
        rows = connection.execute(query).all()
    fields = {}
    for row in rows:
        payload = store.personal.open(bytes(row.key_id), Place("source_record", "payload", row.id), bytes(row.payload))
        fields[row.id] = (payload or {}).get("fields", {})
    return fields


def linked_contacts(store: Store) -> list[dict]:
    """The fields of the contact record each stored interaction is tied to."""
    by_id = opened_fields(store)
    with store.read() as connection:
        rows = connection.execute(interaction.select()).all()
    return [by_id[row.source_record_id] for row in rows]


def first_reason(error: ImportRejected) -> str:
    line, reason = error.problems[0]
    text = str(reason) if len(str(reason)) <= 70 else str(reason)[:67] + "…"
    return f"line {line}: {text}" if line else text


def bring_needs(store: Store, name: str) -> str | None:
    """Import the contact files ``name`` refers to; the first refusal, if any."""
    for needed in EXPECTED[name].get("needs", []):
        try:
            import_file(store, EXPORTS / needed, source_of(needed))
        except ImportRejected as error:
            return f"{needed} refused: {first_reason(error)}"
    return None


def describe(store: Store, results: list[ImportResult], names: list[str], outcome: Outcome) -> Outcome:
    """Fill ``outcome`` from the results of the first import and check it against ``expected.json``."""
    outcome.format_name = " + ".join(dict.fromkeys(result.format_name or "none" for result in results))
    outcome.kind = " + ".join(dict.fromkeys(result.kind for result in results))
    outcome.rows = sum(result.rows for result in results)
    outcome.created = sum(result.created for result in results)
    outcome.left_out = sum(len(result.skipped) for result in results)
    for result in results:
        outcome.empty.update({column: len(lines) for column, lines in result.unreadable.items()})
    created_ids = [record_id for result in results for record_id in result.new_record_ids]
    records = list(opened_fields(store, created_ids).values()) if created_ids else []
    outcome.fields = {name for record in records for name, value in record.items() if value not in (None, "")}
    check_contacts(records, [name for name in names if EXPECTED[name]["kind"] in ("contacts", "consent")], outcome)
    check_links(store, [name for name in names if EXPECTED[name]["kind"] in ("purchases", "messages")], outcome)
    if outcome.empty:
        outcome.problems.append(f"{sum(outcome.empty.values())} values empty")
    if outcome.left_out:
        outcome.problems.append(f"{outcome.left_out} rows left out")
    return outcome


def check_contacts(records: list[dict], names: list[str], outcome: Outcome) -> None:
    if not names:
        return
    expected = sum(EXPECTED[name]["rows"] for name in names)
    if len(records) != expected:
        outcome.problems.append(f"{len(records)} of {expected} records")
    differ: set[str] = set()
    for person in (person for name in names for person in EXPECTED[name]["people"]):
        found = [record for record in records if all(record.get(k) == v for k, v in person["match"].items())]
        if len(found) != 1:
            differ.add(next(iter(person["match"].values())) + " not found once")
            continue
        differ |= {key for key, value in person["fields"].items() if found[0].get(key) != value}
    if differ:
        outcome.problems.append("differs: " + ", ".join(sorted(differ)))


def check_links(store: Store, names: list[str], outcome: Outcome) -> None:
    if not names:
        return
    wanted: Counter = Counter()
    for link in (link for name in names for link in EXPECTED[name]["links"]):
        items = link.get("orders") or link.get("belege") or link.get("tickets") or []
        key = next((key for key in LINK_KEYS if key in link), "email")
        wanted[(key, link[key])] += len(items) or link.get("messages", 1)
    linked = linked_contacts(store)
    found = Counter({(key, value): sum(fields.get(key) == value for fields in linked) for key, value in wanted})
    right = sum(min(found[pair], count) for pair, count in wanted.items())
    outcome.linked = (right, sum(wanted.values()))
    if right != outcome.linked[1] or len(linked) != outcome.linked[1]:
        outcome.problems.append(f"{right} of {outcome.linked[1]} linked right ({len(linked)} stored)")


def again(results: list[ImportResult], outcome: Outcome) -> None:
    """Note what importing once more did: everything unchanged, or not."""
    outcome.unchanged = sum(result.unchanged for result in results)
    if any(result.created or result.updated for result in results):
        outcome.problems.append("re-import changed records")


def consent_of(store: Store, name: str) -> str:
    try:
        done = import_consent(store, EXPORTS / name, "newsletter", "email", "bench")
    except ImportRejected as error:
        return f"refused: {first_reason(error)}"
    return f"{done.recorded}/{done.unchanged}/{len(done.skipped)}"


def run_file(name: str, recognise: bool) -> Outcome:
    """Import one sample export (after the contacts it needs) into a fresh store."""
    outcome = Outcome()
    with fresh_store() as store, recognition(recognise):
        outcome.refused = bring_needs(store, name)
        if outcome.refused:
            outcome.problems.append("refused")
            return outcome
        with LinkTracer().tracing() as tracer:
            started = time.perf_counter()
            try:
                result = import_file(store, EXPORTS / name, source_of(name))
            except ImportRejected as error:
                outcome.refused = first_reason(error)
                outcome.problems.append("refused")
                return outcome
            outcome.ms = (time.perf_counter() - started - tracer.overhead) * 1000
        outcome.references = tracer.used
        describe(store, [result], [name], outcome)
        if outcome.format_name == "none":
            outcome.format_name = "none (vCard)" if name.endswith(".vcf") else "none (generic column mapping)"
        if recognise and name in CONSENT_FILES:
            outcome.consent = consent_of(store, name)
        again([import_file(store, EXPORTS / name, source_of(name))], outcome)
    return outcome


def zip_of(names: list[str]) -> bytes:
    """A zip delivery holding the fixture files ``names`` (each under its own file name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(Path(name).name, (EXPORTS / name).read_bytes())
    return buffer.getvalue()


def run_zip(label: str, source: str, names: list[str], recognise: bool) -> Outcome:
    """Import a zip built from ``names`` through ``import_archive`` into a fresh store."""
    outcome = Outcome()
    data = zip_of(names)
    with fresh_store() as store, recognition(recognise), LinkTracer().tracing() as tracer:
        started = time.perf_counter()
        try:
            done = import_archive(store, label, data, source)
        except ImportRejected as error:
            outcome.refused = first_reason(error)
        else:
            outcome.ms = (time.perf_counter() - started - tracer.overhead) * 1000
            if done.refused:
                member, error = done.refused
                outcome.refused = f"{member}: {first_reason(error)}"
            outcome.references = Counter(tracer.used)
            describe(store, [result for _, result in done.imported], names, outcome)
            again([result for _, result in import_archive(store, label, data, source).imported], outcome)
    if outcome.refused:
        outcome.problems.insert(0, "refused")
    return outcome


def landed(outcome: Outcome) -> str:
    """The fields that landed, or for interactions which contact reference linked them."""
    parts = [", ".join(sorted(outcome.fields))] if outcome.fields else []
    if outcome.references:
        parts.append("linked to: " + ", ".join(f"{name} ({count})" for name, count in outcome.references.most_common()))
    elif outcome.linked is not None:
        parts.append("linked to: nothing")
    return "; ".join(parts) or "—"


def verdict(outcome: Outcome) -> str:
    return "yes" if not outcome.problems else "no: " + "; ".join(outcome.problems)


def generic_summary(outcome: Outcome) -> str:
    if outcome.refused:
        return f"refused ({outcome.refused})"
    done = f"read as {outcome.kind}: {outcome.created} created"
    if outcome.left_out:
        done += f", {outcome.left_out} rows left out"
    if outcome.fields:
        done += f", {len(outcome.fields)} fields landed"
    if outcome.linked is not None and outcome.kind != "contacts":
        done += f", linked {outcome.linked[0]}/{outcome.linked[1]}"
    return done


def row(name: str, tool: str, shipped: Outcome, generic: Outcome) -> str:
    if shipped.refused:
        main = [shipped.format_name, shipped.kind, "—", "—", "—", "—", "—", f"refused: {shipped.refused}", "—", "—"]
    else:
        empty = sum(shipped.empty.values())
        main = [
            shipped.format_name, shipped.kind, str(shipped.rows), str(shipped.created),
            f"{shipped.linked[0]}/{shipped.linked[1]}" if shipped.linked else "—",
            f"{empty} ({', '.join(shipped.empty)})" if empty else "0", str(shipped.left_out), landed(shipped),
            str(shipped.unchanged), f"{shipped.ms:.0f}",
        ]  # fmt: skip
    cells = [name, tool, *main, shipped.consent, verdict(shipped), generic_summary(generic), verdict(generic)]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


HEADER = (
    "file", "tool", "recognised as", "kind", "rows read", "created", "linked / expected", "values left empty",
    "rows left out", "fields landed / linked to", "re-import unchanged", "ms", "consent recorded/unchanged/skipped",
    "as exported", "generic mapping only: result", "generic mapping only: as exported",
)  # fmt: skip


def main() -> None:
    print("Sample exports in tests/fixtures/exports imported as exported (no --map), each into a fresh encrypted store")
    print()
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    ok = generic_ok = 0
    for name, item in EXPECTED.items():
        shipped, generic = run_file(name, recognise=True), run_file(name, recognise=False)
        ok += not shipped.problems
        generic_ok += not generic.problems
        print(row(name, item["tool"], shipped, generic))
    for label, (source, names) in ZIPS.items():
        tool = EXPECTED[names[0]]["tool"]
        shipped, generic = run_zip(label, source, names, True), run_zip(label, source, names, False)
        print(row(f"{label}, via import_archive", tool, shipped, generic))
    print()
    total = len(EXPECTED)
    print(f"{ok} of {total} sample exports import as exported (generic mapping only: {generic_ok} of {total})")


if __name__ == "__main__":
    main()
