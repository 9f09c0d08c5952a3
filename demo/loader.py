"""The demo put together: ``generate`` the people and their files, ``build_demo`` imports them, ``summary``.

``build_demo`` turns each source into the bytes of its usual file format, in memory, and imports them
through ``import_data`` like any upload; nothing is ever written to disk.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cdp.ingest.pipeline import AfterImport, ImportResult, import_data
from cdp.store.database import Store
from demo.activity import Activity
from demo.exports import DemoFile, Row, encode
from demo.people import Inventor, Person
from demo.population import invent_people
from demo.sources import Sources
from demo.words import TIMELINE_END


@dataclass
class Demo:
    """The invented people and the files their sources export about them."""

    persons: list[Person]
    files: list[DemoFile]

    def sources_of(self, person: int) -> set[str]:
        """The contact sources holding a record of ``person``."""
        return {
            file.source
            for file in self.files
            if file.kind == "contacts" and any(row.person == person for row in file.rows)
        }


def generate(people: int = 2000, seed: int = 7, region: str = "DE") -> Demo:
    """The people and every file the sources export about them, in import order."""
    inventor = Inventor(seed, region)
    persons = invent_people(inventor, people)
    exports = Sources(inventor, persons)
    webshop, social, support = exports.webshop(), exports.social(), exports.support()
    activity = Activity(inventor, exports)
    purchases = activity.purchases()
    files = [
        DemoFile("kunden.csv", "webshop", "contacts", webshop, _columns(webshop),
                 {"Kundennummer": "source_record_id"}),
        DemoFile("newsletter.csv", "newsletter", "contacts", exports.newsletter(),
                 _NEWSLETTER_COLUMNS, delimiter=";", encoding="cp1252"),
        DemoFile("xing-kontakte.vcf", "xing", "contacts", exports.xing()),
        DemoFile("Connections.csv", "linkedin", "contacts", exports.linkedin(), _LINKEDIN_COLUMNS,
                 {"URL": "linkedin"}),
        DemoFile("follower.jsonl", "social", "contacts", social),
        DemoFile("support-kontakte.csv", "support", "contacts", support, _columns(support),
                 {"Ticket contact id": "source_record_id"}),
        DemoFile("bestellungen.csv", "webshop", "purchases", purchases, _columns(purchases)),
        DemoFile("posts.jsonl", "social", "messages", activity.posts(social, persons)),
        DemoFile("tickets.csv", "support", "messages", activity.tickets(support, persons),
                 _TICKET_COLUMNS, {"Ticket contact id": "contact_id"}),
    ]  # fmt: skip
    return Demo(persons, [file for file in files if file.rows])


_NEWSLETTER_COLUMNS = ("E-Mail", "Vorname", "Nachname", "Sprache", "Anrede", "Ansprache", "Angemeldet am")
_LINKEDIN_COLUMNS = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On")
_TICKET_COLUMNS = ("Ticket ID", "Ticket contact id", "Created at", "Channel", "Type", "Subject", "Text")


def _columns(rows: list[Row]) -> tuple[str, ...]:
    return tuple(rows[0].values) if rows else ()


ImportConsent = Callable[[Store, Path, bytes, str, str, str], int]


def build_demo(
    store: Store,
    people: int = 2000,
    seed: int = 7,
    region: str = "DE",
    after_import: AfterImport | None = None,
    import_consent: ImportConsent | None = None,
) -> str:
    """Invent ``people`` persons and import them from several sources, and with ``import_consent`` (the
    consent area's, handed in) their newsletter opt-ins and withdrawals; return a short summary."""
    demo = generate(people, seed, region)
    results = [
        (file, import_data(store, file.name, encode(file), file.source, kind=file.kind,
                           overrides=file.overrides, region=region, actor="demo", after_import=after_import))
        for file in demo.files
    ]  # fmt: skip
    lines = [summary(demo, results)]
    for name, data in consent_files(demo, seed) if import_consent else []:
        recorded = import_consent(store, Path(name), data, "newsletter", "email", "demo")
        lines.append(f"Newsletter consent from {name}: {recorded} events recorded")
    return "\n".join(lines)


# What the demo's newsletter tool exports about its subscribers' consent: a German list with one row per
# subscriber, confirmed on the day they signed up, and a second of those who unsubscribed since.
WITHDRAWN_SHARE = 0.08


def consent_files(demo: Demo, seed: int = 7) -> list[tuple[str, bytes]]:
    """The newsletter tool's opt-in list and its list of unsubscribes, as ``(file name, bytes)``."""
    rng = random.Random(f"consent:{seed}")
    newsletter = next((file for file in demo.files if file.source == "newsletter"), None)
    if newsletter is None:
        return []
    confirmed, withdrawn = ["E-Mail;Status;Bestätigt am"], ["E-Mail;Status;Abgemeldet am"]
    for row in newsletter.rows:
        email, signed_up = row.values.get("E-Mail", ""), row.values.get("Angemeldet am", "")
        if not email or not signed_up:
            continue
        confirmed.append(f"{email};angemeldet;{signed_up}")
        if rng.random() < WITHDRAWN_SHARE:
            day = datetime.strptime(signed_up, "%d.%m.%Y").date() + timedelta(days=rng.randint(20, 400))
            withdrawn.append(f"{email};abgemeldet;{min(day, TIMELINE_END).strftime('%d.%m.%Y')}")
    return [("newsletter-anmeldungen.csv", "\r\n".join(confirmed).encode("utf-8")),
            ("newsletter-abmeldungen.csv", "\r\n".join(withdrawn).encode("utf-8"))]  # fmt: skip


def summary(demo: Demo, results: list[tuple[DemoFile, ImportResult]]) -> str:
    in_several = sum(1 for person in demo.persons if len(person.sources) > 1)
    households = len({person.household for person in demo.persons if person.household is not None})
    lines = [
        f"Invented {len(demo.persons)} people ({in_several} in two or more sources, {households} households).",
        "Contact records per source:",
    ]
    lines += [f"  {file.source:<11}{result.created:>6}" for file, result in results if file.kind == "contacts"]
    created: Counter[str] = Counter()
    for file, result in results:
        created[file.kind] += result.created
    lines.append(f"Purchases imported: {created['purchases']}")
    lines.append(f"Messages imported: {created['messages']} (social posts and support tickets)")
    return "\n".join(lines)
