"""Consent from the files newsletter tools export (Mailchimp, CleverReach, Brevo, a shop's own list).

Each row names a person by email and says subscribed or not, usually with
the double-opt-in confirmation time. Rows become consent events (origin
``import``) on the records that hold that email, with the proof the file
carries (opt-in and confirmation times and addresses, text version, form)
and the file's name, all sealed, since a file name may name a person.
Importing the same file again adds nothing.

Each tool's export is taken as the tool writes it:

- Mailchimp's audience export is three files; the status is in the name.
  ``subscribed_members_export_…`` grants at CONFIRM_TIME (else OPTIN_TIME),
  ``unsubscribed_…`` withdraws at UNSUB_TIME, and ``cleaned_…`` (addresses
  that bounced) withdraws at CLEAN_TIME with the reason ``cleaned``: the
  address can no longer be written to, so nothing may be sent on the old
  consent, and a new grant must come from the person.
- CleverReach: Unix times, 0 for never. ``deactivated`` (when not before
  ``activated``) withdraws, ``activated`` grants; a row never activated has
  no confirmed opt-in and records nothing.
- Brevo: the channel's ``…_BLACKLISTED`` withdraws at MODIFIED_TIME;
  otherwise ``OPT_IN`` or ``DOUBLE_OPT-IN`` grants consent by email at
  ADDED_TIME (the earlier time, so that a grant never outranks a withdrawal
  made elsewhere in between).
- Any other list: a status column (or ``--status`` for every row) and the
  times of the confirmation and of the change.

A file the tool's layout does not fit (broken quoting, a row of the wrong
length, no email column, no status) is refused whole. A row that cannot be
recorded (an email no contact has, an unreadable time or status) is skipped
and named by its line, unless ``strict``, which refuses the whole file
instead. A consent without its time is no proof, so such a row is never
recorded without it. Nothing is ever written of a refused file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cdp import normalise
from cdp.errors import N_, FormatError, ImportRejected, InvalidValue, Message, lines_by_reason
from cdp.ingest import columns
from cdp.ingest.files import read_table
from cdp.ingest.pipeline import read_bytes
from cdp.ingest.values import moment
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

# Mailchimp's file names: subscribed_members_export_<hash>.csv and the like (not nonsubscribed_…).
MAILCHIMP_FILE = re.compile(r"(subscribed|unsubscribed|cleaned)_members_export", re.IGNORECASE)
MAILCHIMP_ACTION = {"subscribed": "granted", "unsubscribed": "withdrawn", "cleaned": "withdrawn"}
BREVO_BLACKLIST = {"email": "email blacklisted", "sms": "sms blacklisted"}
NO_TIME = N_("each row needs the time of the opt-in or of the change")

Reader = Callable[[dict[str, str]], dict]


@dataclass(frozen=True)
class ConsentImport:
    """What an import did: events recorded, events that were there already, rows skipped with their reasons.

    ``skipped`` holds ``(line, reason)`` pairs in line order; a reason never
    repeats a value of the row.
    """

    recorded: int
    unchanged: int
    skipped: list[tuple[int, Message]]

    def summary(self, purpose: str, channel: str) -> list[Message]:
        """The report to show: one line of counts, then a line per reason naming the rows it skipped."""
        events = (
            Message(N_("{count} consent event"), count=self.recorded)
            if self.recorded == 1
            else Message(N_("{count} consent events"), count=self.recorded)
        )
        rows = len(self.skipped)
        skipped = (
            Message(N_("{count} row skipped"), count=rows)
            if rows == 1
            else Message(N_("{count} rows skipped"), count=rows)
        )
        shown = [
            Message(
                N_("Recorded {events} (purpose {purpose}, channel {channel}); {unchanged} unchanged; {skipped}."),
                events=events, purpose=purpose, channel=channel, unchanged=self.unchanged, skipped=skipped,
            )
        ]  # fmt: skip
        return shown + lines_by_reason(self.skipped)


class _NothingToRecord(Exception):
    """A row that says no consent either way (never activated, neither opted in nor blacklisted)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = Message(reason)


def import_consent(
    store: Store,
    path: Path,
    purpose: str,
    channel: str,
    actor: str,
    status: str | None = None,
    *,
    strict: bool = False,
) -> ConsentImport:
    """Import one export file (``import_consent_data`` on its bytes)."""
    return import_consent_data(store, path, read_bytes(path), purpose, channel, actor, status, strict=strict)


def import_consent_data(
    store: Store,
    path: Path,
    data: bytes,
    purpose: str,
    channel: str,
    actor: str,
    status: str | None = None,
    *,
    strict: bool = False,
) -> ConsentImport:
    """Import one export, the bytes ``data`` of a file called ``path``; ``status`` (granted/withdrawn) applies to
    every row when the file says none itself.

    When the file says the status itself, ``status`` must agree with it, or
    the file is refused. ``strict``: a row that cannot be recorded refuses
    the whole file instead of being skipped.
    """
    ledger.check(purpose, channel, status or "granted", "consent")
    try:
        table = read_table(path, data)
    except FormatError as error:
        raise ImportRejected(str(path), [(error.line, error.reason)]) from None
    read = _reader(path, table.columns, channel, status)
    rows, problems, empty = [], [], []
    for line, values in table.rows:
        try:
            rows.append((line, read(values)))
        except InvalidValue as error:
            problems.append((line, error.message))
        except _NothingToRecord as nothing:
            empty.append((line, nothing.reason))
    _check_status(path, rows, status)
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
            proof = {**row["proof"], "file": path.name}
            events += [(record_id, purpose, channel, row["action"], "consent", "import", row["at"], proof)
                       for record_id in records]  # fmt: skip
        if strict and problems:
            raise ImportRejected(str(path), sorted(problems, key=_by_line))
        fresh = repository.new_events_only(tx, events)
        repository.add_events(store, tx, fresh, actor)
    return ConsentImport(len(fresh), len(events) - len(fresh), sorted(problems + empty, key=_by_line))


def _by_line(problem: tuple[int | None, str]) -> int:
    return problem[0] or 0


def _check_status(path: Path, rows: list[tuple[int, dict]], status: str | None) -> None:
    """Refuse ``--status`` where the file says otherwise: it must never turn a list of withdrawals into grants."""
    for line, row in rows:
        if status and row["stated"] and row["action"] != status:
            problem = Message(
                N_("--status {status} contradicts the status the file gives, first on line {line}; leave out --status"),
                status=status,
                line=line,
            )
            raise ImportRejected(str(path), [(None, problem)])


def _mapping(headers: list[str]) -> dict[str, str]:
    """``{field: column}``: each field's first column."""
    return {name: column for column, name in columns.first_columns(headers, KNOWN, {}).items()}


def _reader(path: Path, headers: list[str], channel: str, status: str | None) -> Reader:
    """The reader of one row for the tool whose export this is; ``ImportRejected`` if its layout does not fit."""
    mapping = _mapping(headers)
    keys: dict[str, str] = {}
    for header in headers:
        keys.setdefault(columns.header_key(header), header)
    if "email" not in mapping:
        _refuse_missing(path, headers, Message(N_("email column")))
    email = mapping["email"]
    if "email blacklisted" in keys:
        blacklist = keys.get(BREVO_BLACKLIST.get(channel, ""))
        if blacklist is None:
            problem = Message(N_("a Brevo export says nothing about consent by {channel}"), channel=channel)
            raise ImportRejected(str(path), [(1, problem)])
        return _brevo(email, keys, blacklist, channel)
    if {"activated", "registered", "deactivated"} <= keys.keys() and "status" not in mapping:
        return _cleverreach(email, keys)
    named = MAILCHIMP_FILE.match(path.name)
    if named or ({"optin time", "confirm time"} <= keys.keys() and "status" not in mapping):
        kind = named[1].lower() if named else "cleaned" if "clean time" in keys else None
        kind = kind or ("unsubscribed" if "unsub time" in keys else None)
        if kind is None and status is None:
            problem = Message(
                N_("found no status: a Mailchimp export says it in its name (subscribed_, unsubscribed_ or "
                   "cleaned_members_export_…); give --status")
            )  # fmt: skip
            raise ImportRejected(str(path), [(1, problem)])
        return _mailchimp(email, keys, kind, status)
    if "status" not in mapping and status is None:
        _refuse_missing(path, headers, Message(N_("status column (or give --status)")))
    return _generic(mapping, status)


def _refuse_missing(path: Path, headers: list[str], missing: Message) -> None:
    found = Message(N_("found no {missing} among the columns {columns}"), missing=missing, columns=", ".join(headers))
    raise ImportRejected(str(path), [(1, found)])


def _generic(mapping: dict[str, str], status: str | None) -> Reader:
    def read(values: dict[str, str]) -> dict:
        stated_word = values.get(mapping.get("status", ""), "").strip()
        stated = _action(stated_word) if stated_word or status is None else None
        action = stated or status
        confirmed = _time(values, mapping.get("confirmed_at"))
        changed = _time(values, mapping.get("changed_at"))
        at = (changed if action == "withdrawn" else confirmed) or changed or confirmed
        proof = {"confirmed_at": confirmed, "text_version": _text(values, mapping.get("text_version")),
                 "form": _text(values, mapping.get("form"))}  # fmt: skip
        return _row(values[mapping["email"]], action, stated, at, proof)

    return read


def _mailchimp(email: str, keys: dict[str, str], kind: str | None, status: str | None) -> Reader:
    def read(values: dict[str, str]) -> dict:
        opt_in, confirmed = _time(values, keys.get("optin time")), _time(values, keys.get("confirm time"))
        unsubscribed, cleaned = _time(values, keys.get("unsub time")), _time(values, keys.get("clean time"))
        stated = MAILCHIMP_ACTION.get(kind or "")
        action = stated or status
        if action == "withdrawn":
            at = cleaned if kind == "cleaned" else unsubscribed or cleaned
        else:
            at = confirmed or opt_in
        proof = {
            "opt_in_at": opt_in, "opt_in_ip": _text(values, keys.get("optin ip")),
            "confirmed_at": confirmed, "confirm_ip": _text(values, keys.get("confirm ip")),
            "unsubscribed_at": unsubscribed, "cleaned_at": cleaned,
            "reason": "cleaned" if kind == "cleaned" else None,
        }  # fmt: skip
        return _row(values[email], action, stated, at, proof)

    return read


def _cleverreach(email: str, keys: dict[str, str]) -> Reader:
    def read(values: dict[str, str]) -> dict:
        activated, deactivated = _time(values, keys["activated"]), _time(values, keys["deactivated"])
        registered = _time(values, keys["registered"])
        if deactivated and (activated is None or deactivated >= activated):
            action, at = "withdrawn", deactivated
        elif activated:
            action, at = "granted", activated
        else:
            raise _NothingToRecord(N_("never activated (no confirmed opt-in): nothing to record"))
        proof = {"registered_at": registered, "confirmed_at": activated, "deactivated_at": deactivated,
                 "form": _text(values, keys.get("source"))}  # fmt: skip
        return _row(values[email], action, action, at, proof)

    return read


def _brevo(email: str, keys: dict[str, str], blacklist: str, channel: str) -> Reader:
    def read(values: dict[str, str]) -> dict:
        added, modified = _time(values, keys.get("added time")), _time(values, keys.get("modified time"))
        double_opt_in = _yes(values, keys.get("double opt in"))
        opted_in = _yes(values, keys.get("opt in")) or double_opt_in
        if _yes(values, blacklist):
            action, at = "withdrawn", modified
        elif opted_in and channel == "email":
            action, at = "granted", added
        else:
            raise _NothingToRecord(N_("no opt-in for this channel and not blacklisted: nothing to record"))
        proof = {"added_at": added, "modified_at": modified, "double_opt_in": "yes" if double_opt_in else "no"}
        return _row(values[email], action, action, at, proof)

    return read


def _row(email: str, action: str, stated: str | None, at: str | None, proof: dict) -> dict:
    """A row's event; ``stated`` is the status the file itself gives (``None``: it came from ``--status``)."""
    key = normalise.email_key(normalise.email(email))
    if at is None:
        raise InvalidValue("date", NO_TIME)
    return {"email": key, "action": action, "stated": stated, "at": at,
            "proof": {name: value for name, value in proof.items() if value}}  # fmt: skip


def _action(value: str) -> str:
    word = value.strip().casefold()
    if word in GRANTED:
        return "granted"
    if word in WITHDRAWN:
        return "withdrawn"
    raise InvalidValue("status", N_("expected subscribed/unsubscribed (or angemeldet/abgemeldet, yes/no)"))


def _yes(values: dict[str, str], column: str | None) -> bool:
    """A Yes/No column (empty or missing: no)."""
    word = values.get(column or "", "").strip().casefold()
    if not word or word in WITHDRAWN:
        return False
    if word in GRANTED:
        return True
    raise InvalidValue(column or "", N_("expected Yes or No"))


def _time(values: dict[str, str], column: str | None) -> str | None:
    """The time in ``column`` as ISO text (``cdp.ingest.values.moment``); ``None`` when empty or 0 (not set)."""
    value = values.get(column or "", "").strip()
    if value in ("", "0"):
        return None
    return moment(value, column or "date")


def _text(values: dict[str, str], column: str | None) -> str:
    return normalise.text(values.get(column or "", ""))
