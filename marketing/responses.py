"""What recipients did with a campaign, from the report the mail tool exports: opened, clicked, replied,
unsubscribed, bounced.

Mail tools export a campaign's activity a list at a time: Mailchimp's report lists ("Opened", "Clicked",
"Unsubscribed", each exported with the contact's fields) and the account export's ``granular_activity/opens``
and ``…/clicks`` files (one row per open or click with its time), CleverReach's and Brevo's recipient exports
of a report (openers, clickers, unsubscribed, bounces). So a file says one kind of response for every row: the
staff member picks it, or the file's name says it (``opens``, ``clicked``, ``unsubscribed``, …), or a column
names the event of each row (``Event``, ``Aktion``). Each row names the recipient by email and may carry the
time; without one, the response counts from when the campaign was sent.

A row counts only for a recipient of this campaign: someone it was sent to (kept when it was sent; for a
campaign sent before that was kept, a member of its snapshot outside the holdout, not taken out). One row per
person and kind is kept, with the first time and how many rows the file had, so importing the same report
again changes nothing. An unsubscribe is also recorded as the withdrawal of consent for the campaign's purpose
and channel, on every record that holds that email: an objection the mail tool received is never lost because
the next campaign came from Kundenbild. A bounce changes no consent (the address may work again); it only says
the message did not arrive.

A file whose layout does not fit (no email column, no kind) is refused whole; a row that cannot be used is
skipped and named by its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from cdp import audit
from cdp.errors import N_, FormatError, ImportRejected, InvalidValue, Message, lines_by_reason
from cdp.ingest import columns
from cdp.ingest.files import read_table
from cdp.ingest.values import moment
from cdp.store.database import Store
from consent import repository
from marketing import store as marketing_store
from marketing.campaigns import interaction_time

KINDS = ("opened", "clicked", "replied", "unsubscribed", "bounced")
COLUMNS = {
    "email": ("email", "e-mail", "email address", "e-mail-adresse", "emailadresse", "mail", "recipient", "empfänger"),
    "time": ("timestamp", "time", "date", "datum", "zeitpunkt", "event time", "event date", "opened at", "clicked at",
             "unsub time", "bounce time", "geöffnet am", "geklickt am", "abgemeldet am", "zeitstempel", "stamp"),
    "event": ("event", "activity", "aktion", "aktivität", "ereignis", "event type", "type"),
}  # fmt: skip
KNOWN = columns.lookup(COLUMNS)
WORDS = {
    "opened": ("opened", "open", "opens", "openers", "opener", "geöffnet", "öffnung", "öffnungen", "geoeffnet",
               "oeffnungen"),
    "clicked": ("clicked", "click", "clicks", "clickers", "clicker", "geklickt", "klick", "klicks"),
    "replied": ("replied", "reply", "replies", "beantwortet", "antwort", "antworten"),
    "unsubscribed": ("unsubscribed", "unsubscribe", "unsubscribes", "unsub", "abgemeldet", "abmeldung",
                     "abmeldungen", "austragung", "ausgetragen"),
    "bounced": ("bounced", "bounce", "bounces", "hard bounce", "soft bounce", "hardbounce", "softbounce",
                "hardbounces", "softbounces", "hard bounces", "soft bounces", "unzustellbar"),
}  # fmt: skip
KIND_OF_WORD = {word: kind for kind, words in WORDS.items() for word in words}
UNSUBSCRIBED_PROOF = "unsubscribed in the mail tool's campaign report"


@dataclass(frozen=True)
class ResponsesImport:
    """What an import did: responses newly recorded and already known, by kind; withdrawals of consent recorded;
    rows skipped as ``(line, reason)`` in line order."""

    recorded: dict[str, int]
    unchanged: int
    withdrawals: int
    skipped: list[tuple[int, Message]]

    def summary(self) -> list[Message]:
        counts = ", ".join(f"{kind} {count}" for kind, count in self.recorded.items() if count) or "0"
        skipped = len(self.skipped)
        template = (
            N_("Recorded responses: {counts}; {unchanged} known already; {skipped} row skipped.")
            if skipped == 1
            else N_("Recorded responses: {counts}; {unchanged} known already; {skipped} rows skipped.")
        )
        shown = [Message(template, counts=counts, unchanged=self.unchanged, skipped=skipped)]  # fmt: skip
        if self.withdrawals:
            shown.append(Message(N_("Consent withdrawn on {count} record(s) of people who unsubscribed."),
                                 count=self.withdrawals))  # fmt: skip
        return shown + self.skipped_lines()

    def skipped_lines(self) -> list[Message]:
        """A line per reason a row was skipped, naming its lines."""
        return lines_by_reason(self.skipped)


def kind_in_name(path: Path) -> str | None:
    """The kind of response a file's name or folder says (``granular_activity/opens/….csv``, ``clickers.csv``)."""
    for part in reversed(PurePosixPath(str(path).replace("\\", "/")).parts):
        for word in re.split(r"[^a-zäöü]+", part.lower()):
            if word in KIND_OF_WORD:
                return KIND_OF_WORD[word]
    return None


def import_responses(
    store: Store, campaign_id: int, path: Path, data: bytes, kind: str | None, actor: str
) -> ResponsesImport:
    """Record the responses a report file of the campaign lists (see the module's docstring). ``kind`` says
    what every row is; without it the file's event column or its name must say it. Audited."""
    if kind is not None and kind not in KINDS:
        raise InvalidValue("kind", N_("expected one of {choices}"), choices=", ".join(KINDS))
    try:
        table = read_table(path, data)
    except FormatError as error:
        raise ImportRejected(str(path), [(error.line, error.reason)]) from None
    mapping = {name: column for column, name in columns.first_columns(table.columns, KNOWN, {}).items()}
    if "email" not in mapping:
        found = Message(N_("found no email column among the columns {columns}"), columns=", ".join(table.columns))
        raise ImportRejected(str(path), [(1, found)])
    kind = kind or (None if "event" in mapping else kind_in_name(path))
    if kind is None and "event" not in mapping:
        problem = Message(N_("the file does not say what its rows are: choose opened, clicked, replied, "
                             "unsubscribed or bounced"))  # fmt: skip
        raise ImportRejected(str(path), [(None, problem)])
    rows, skipped = _rows(table.rows, mapping, kind)
    return _record(store, campaign_id, path, rows, skipped, actor)


def _rows(lines, mapping: dict[str, str], kind: str | None) -> tuple[list, list[tuple[int, Message]]]:
    """``(line, email, kind, time or None)`` of each usable row, and the skipped rows with their reasons."""
    rows, skipped = [], []
    for line, values in lines:
        email = values.get(mapping["email"], "").strip().lower()
        row_kind = kind or KIND_OF_WORD.get(" ".join(values.get(mapping["event"], "").lower().split()))
        if "@" not in email:
            skipped.append((line, Message(N_("no email address"))))
            continue
        if row_kind is None:
            skipped.append((line, Message(N_("an event Kundenbild does not count"))))
            continue
        written = values.get(mapping.get("time", ""), "").strip()
        try:
            at = moment(written) if written else None
        except InvalidValue as error:
            skipped.append((line, error.message))
            continue
        rows.append((line, email, row_kind, at))
    return rows, skipped


def _record(store: Store, campaign_id: int, path: Path, rows: list, skipped: list, actor: str) -> ResponsesImport:
    digests = {email: store.personal.digest("email", email) for _, email, _, _ in rows}
    with store.write() as tx:
        found = marketing_store.load_campaign(tx, campaign_id)
        if found.sent_at is None:
            problem = Message(N_("the campaign was not sent yet: export its recipients first"))
            raise ImportRejected(str(path), [(None, problem)])
        sent = interaction_time(found.sent_at)
        earliest = (datetime.fromisoformat(sent) - timedelta(days=1)).isoformat()
        members = {member.profile_id: member for member in marketing_store.members(tx, found.snapshot_id)}
        sent_to = set(marketing_store.profiles_with(tx, campaign_id, "sent"))
        records = repository.records_with_email(tx, list(set(digests.values())))
        profile_of = marketing_store.profiles_of_records(tx, [one for ids in records.values() for one in ids])
        responses: dict[tuple[int, str], list] = {}
        withdrawals: dict[tuple[int, str], tuple] = {}  # a person listed twice withdraws once
        for line, email, kind, at in rows:
            holders = records.get(digests[email], [])
            people = [members[profile_of[one]] for one in holders if profile_of.get(one) in members]
            recipient = next((one for one in people if not one.holdout and one.excluded_at is None), None)
            if recipient is None or (sent_to and recipient.profile_id not in sent_to):
                skipped.append((line, Message(_not_a_recipient(people, recipient))))
                continue
            if at is not None and at < earliest:
                skipped.append((line, Message(N_("before the campaign was sent: is this another campaign's report?"))))
                continue
            at = max(at or sent, sent)  # a time written in local time may read a little before the send
            first, times = responses.get((recipient.anchor, kind), (at, 0))
            responses[(recipient.anchor, kind)] = [min(first, at), times + 1]
            if kind == "unsubscribed":
                proof = {"file": path.name, "campaign": campaign_id, "reason": UNSUBSCRIBED_PROOF}
                withdrawals.update({(one, at): (one, found.purpose, found.channel, "withdrawn", "consent", "import",
                                                 at, proof) for one in holders})  # fmt: skip
        recorded, unchanged = marketing_store.add_responses(tx, campaign_id, responses)
        fresh = repository.new_events_only(tx, list(withdrawals.values()))
        repository.add_events(store, tx, fresh, actor)
        counts = {**recorded, "unchanged": unchanged, "skipped": len(skipped), "withdrawn": len(fresh)}
        audit.record(tx, actor, "campaign.responses_imported", "campaign", campaign_id, counts)
    return ResponsesImport(recorded, unchanged, len(fresh), sorted(skipped, key=lambda problem: problem[0] or 0))


def _not_a_recipient(members: list, recipient) -> str:
    """Why a row names nobody the campaign was written to."""
    if not members:
        return N_("no recipient of this campaign has this email")
    if recipient is not None:
        return N_("it was not sent to them (no consent or no address when it was sent)")
    if any(member.excluded_at is None for member in members):
        return N_("in the holdout: it was not written to")
    return N_("taken out of the snapshot: it was not written to")
