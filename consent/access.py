"""Access and portability (Art. 15 and 20 GDPR): everything held about a person, in one archive.

The archive is built in memory and handed to the caller (a download, or a
file the DPO asked for): ``data.json`` with everything, CSV files per kind
for spreadsheets, and ``report.html``, a readable report in the person's
language. Nothing is spooled to disk on the way.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cdp import spreadsheet
from cdp.clock import now
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import ledger, retention

RECIPIENTS = {
    "de": "Keine Empfänger außerhalb des Unternehmens. Innerhalb: Vertrieb, Marketing, Datenschutz, Administration.",
    "en": "No recipients outside the company. Inside: sales, marketing, data protection, administration.",
}
PURPOSE_OF_STORE = {
    "de": "Kundenbetreuung, Verkauf und Marketing im Rahmen der erteilten Einwilligungen und Verträge.",
    "en": "Customer care, sales and marketing within the consents given and contracts made.",
}
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


HeldElsewhere = Callable[[Store, int], dict]


def collect(store: Store, profile_id: int, language: str = "de", elsewhere: HeldElsewhere | None = None) -> dict:
    """Everything held about one profile, as plain JSON-able data; ``elsewhere`` adds what the areas above
    consent hold about the person (marketing's lists and campaigns: ``Wiring.held_by_areas``)."""
    found = profiles.load(store, profile_id)
    events = ledger.history(store, profile_id)
    state = ledger.current(events)
    timeline = profiles.timeline(store, profile_id, 1, per_page=1_000_000)
    records = profiles.held_records(store, profile_id)
    return {
        "generated_at": now(),
        "language": language,
        "profile": {
            "id": found.id,
            "status": found.status,
            "created_at": found.created_at,
            "fields": {name: observed.value for name, observed in found.fields.items()},
            "salutation": {name: value for name, value in found.staff.items() if value},
        },
        "source_records": records,
        "interactions": [
            {
                "kind": item.kind,
                "occurred_at": item.occurred_at,
                "channel": item.channel,
                "amount_minor": item.amount_minor,
                "currency": item.currency,
                "source": item.source,
                "details": item.details or {},
            }
            for item in timeline.items
        ],
        "consent": {
            "current": [
                {"purpose": purpose, "channel": channel, "action": event.action, "legal_basis": event.legal_basis}
                for (purpose, channel), event in sorted(state.items())
            ],
            "history": [
                {
                    "purpose": event.purpose,
                    "channel": event.channel,
                    "action": event.action,
                    "legal_basis": event.legal_basis,
                    "origin": event.origin,
                    "effective_at": event.effective_at,
                    "proof": event.proof,
                }
                for event in events
            ],
        },
        "sources": sorted({record["source"] for record in records}),
        "purposes": {"of_processing": PURPOSE_OF_STORE[language], "consent_purposes": list(ledger.purposes())},
        "retention": [
            {"category": rule.category, "months": rule.months, "legal_reason": rule.legal_reason}
            for rule in retention.rules(store)
        ],
        "recipients": RECIPIENTS[language],
        **(elsewhere(store, profile_id) if elsewhere else {}),
    }


def archive(
    store: Store, profile_ids: list[int], language: str = "de", elsewhere: HeldElsewhere | None = None
) -> bytes:
    """A zip archive of ``collect`` for each profile: JSON, CSV and an HTML report."""
    language = language if language in RECIPIENTS else "de"
    people = [collect(store, profile_id, language, elsewhere) for profile_id in profile_ids]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(people, ensure_ascii=False, indent=2))
        for name, (header, rows) in _tables(people).items():
            zipped.writestr(name, spreadsheet.text(header, rows))
        zipped.writestr(
            "report.html", _TEMPLATES.get_template("report.html").render(people=people, de=language == "de")
        )
    return buffer.getvalue()


def _tables(people: list[dict]) -> dict[str, tuple[list[str], list[tuple]]]:
    """The archive's CSV files: name, header and rows."""
    records = [
        (person["profile"]["id"], record["source"], record["source_record_id"], name, value,
         record["seen"].get(name, record["updated_at"]))
        for person in people for record in person["source_records"]
        for name, value in {**record["fields"], **record["extra"]}.items()
    ]  # fmt: skip
    interactions = [
        (person["profile"]["id"], item["kind"], item["occurred_at"], item["channel"], item["amount_minor"],
         item["currency"], item["source"], json.dumps(item["details"], ensure_ascii=False))
        for person in people for item in person["interactions"]
    ]  # fmt: skip
    consent = [
        (person["profile"]["id"], event["purpose"], event["channel"], event["action"], event["legal_basis"],
         event["origin"], event["effective_at"])
        for person in people for event in person["consent"]["history"]
    ]  # fmt: skip
    campaigns = [
        (person["profile"]["id"], held["list"], held["group"], one["campaign"], one["purpose"], one["channel"],
         event["kind"], event["at"])
        for person in people for held in person.get("campaigns", []) for one in held["campaigns"]
        for event in one["recorded"]
    ]  # fmt: skip
    tables = {
        "records.csv": (["profile", "source", "source_record_id", "field", "value", "seen_at"], records),
        "interactions.csv": (
            ["profile", "kind", "occurred_at", "channel", "amount_minor", "currency", "source", "details"],
            interactions,
        ),
        "consent.csv": (["profile", "purpose", "channel", "action", "legal_basis", "origin", "effective_at"], consent),
    }
    if any("campaigns" in person for person in people):
        tables["campaigns.csv"] = (["profile", "list", "group", "campaign", "purpose", "channel", "recorded", "at"],
                                   campaigns)  # fmt: skip
    return tables
