"""Consent from the files newsletter tools export (Mailchimp, CleverReach, Brevo, a shop's own list).

Each row names a person by email and says subscribed or not, usually with
the double-opt-in confirmation time. Rows become consent events (origin
``import``) on the records that hold that email, with the proof the file
carries (confirmation time, text version, form) and the file's name, all
sealed, since a file name may name a person. Like every import it
is all or nothing: an unknown email, status or date stops it with the line
named. Importing the same file again adds nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cdp import normalise
from cdp.errors import N_, FormatError, ImportRejected, InvalidValue, Message
from cdp.ingest import columns
from cdp.ingest.files import read_table
from cdp.ingest.pipeline import read_bytes
from cdp.store.database import Store
from consent import ledger, repository

COLUMNS = {
    "email": ("email", "e-mail", "email address", "e-mail-adresse", "emailadresse", "mail"),
    "status": ("status", "abonnementstatus", "newsletter", "subscribed", "opt-in", "optin"),
    "confirmed_at": ("confirm_time", "confirmed_at", "doi", "double_opt_in", "bestätigt am", "bestaetigt am",
                     "doi-bestätigung", "activated", "aktiviert am"),
    "changed_at": ("last_changed", "unsub_time", "changed_at", "abgemeldet am", "deactivated", "geändert am"),
    "text_version": ("text_version", "consent_text", "einwilligungstext", "textversion"),
    "form": ("form", "formular", "signup_source", "anmeldeformular"),
}  # fmt: skip
KNOWN = columns.lookup(COLUMNS)
GRANTED = {"subscribed", "angemeldet", "aktiv", "active", "yes", "ja", "1", "true", "opt-in", "confirmed", "bestätigt"}
WITHDRAWN = {"unsubscribed", "abgemeldet", "inaktiv", "inactive", "no", "nein", "0", "false", "opt-out", "cleaned",
             "abgelehnt", "gelöscht", "deleted"}  # fmt: skip


def import_consent(
    store: Store, path: Path, purpose: str, channel: str, actor: str, status: str | None = None
) -> dict[str, int]:
    """Import one export; ``status`` (granted/withdrawn) applies to every row when the file has no status column."""
    ledger.check(purpose, channel, status or "granted", "consent")
    try:
        table = read_table(path, read_bytes(path))
    except FormatError as error:
        raise ImportRejected(str(path), [(error.line, error.reason)]) from None
    mapping = _mapping(table.columns)
    if "email" not in mapping or ("status" not in mapping and status is None):
        missing = (
            Message(N_("email column")) if "email" not in mapping else Message(N_("status column (or give --status)"))
        )
        found = Message(
            N_("found no {missing} among the columns {columns}"), missing=missing, columns=", ".join(table.columns)
        )
        raise ImportRejected(str(path), [(1, found)])
    rows, problems = [], []
    for line, values in table.rows:
        try:
            rows.append((line, _event(values, mapping, status)))
        except InvalidValue as error:
            problems.append((line, error.message))
    digests = {row["email"]: store.personal.digest("email", row["email"]) for _, row in rows}
    # One unit of work: the records found, the events already there and the new ones agree.
    with store.write() as tx:
        found = repository.records_with_email(tx, list(digests.values()))
        events = []
        for line, row in rows:
            records = found.get(digests[row["email"]])
            if not records:
                problems.append((line, Message(N_("no contact has this email: import the contacts first"))))
                continue
            proof = {key: row[key] for key in ("confirmed_at", "text_version", "form") if row.get(key)}
            proof["file"] = path.name
            events += [(record_id, purpose, channel, row["action"], "consent", "import", row["at"], proof)
                       for record_id in records]  # fmt: skip
        if problems:
            raise ImportRejected(str(path), sorted(problems, key=lambda problem: problem[0] or 0))
        fresh = repository.new_events_only(tx, events)
        repository.add_events(store, tx, fresh, actor)
    return {"rows": len(rows), "events": len(fresh), "unchanged": len(events) - len(fresh)}


def _mapping(headers: list[str]) -> dict[str, str]:
    """``{field: column}``: each field's first column."""
    return {name: column for column, name in columns.first_columns(headers, KNOWN, {}).items()}


def _event(values: dict[str, str], mapping: dict[str, str], status: str | None) -> dict:
    email = normalise.email_key(normalise.email(values[mapping["email"]]))
    action = status or _action(values[mapping["status"]])
    confirmed = _moment(values.get(mapping.get("confirmed_at", ""), ""), "confirmed_at")
    changed = _moment(values.get(mapping.get("changed_at", ""), ""), "changed_at")
    at = (changed if action == "withdrawn" else confirmed) or changed or confirmed
    if at is None:
        raise InvalidValue("date", N_("each row needs the time of the opt-in or of the change"))
    return {"email": email, "action": action, "at": at, "confirmed_at": confirmed,
            "text_version": values.get(mapping.get("text_version", ""), "").strip(),
            "form": values.get(mapping.get("form", ""), "").strip()}  # fmt: skip


def _action(value: str) -> str:
    word = value.strip().casefold()
    if word in GRANTED:
        return "granted"
    if word in WITHDRAWN:
        return "withdrawn"
    raise InvalidValue("status", N_("expected subscribed/unsubscribed (or angemeldet/abgemeldet, yes/no)"))


def _moment(value: str, field: str) -> str | None:
    """An ISO timestamp from ``2024-03-05 10:22:33``, ISO 8601 or a plain date; ``None`` when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return normalise.parse_date(value, field).isoformat()
    return moment.isoformat(timespec="seconds")
