"""``cdp consent``, ``cdp dsr`` and ``cdp retention``: the DPO's work from the command line.

The same core code and the same audit entries as the web pages. The
requester's details of a new request are read from standard input (JSON, or
``name: value`` lines), never from arguments, so they stay out of shell
history and process lists.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from cdp import config, logs, spreadsheet
from cdp.cli import messages, opened_store, wiring
from cdp.errors import N_, InvalidValue
from cdp.store.database import Store
from consent import access, imports, ledger, retention, segments
from consent import dsr as subject_requests  # the name dsr is the command group below

ACTOR = "cli"


def store_of() -> Store:
    """The store, opened once per command and closed when it ends."""
    context = click.get_current_context()
    if "store" not in context.meta:
        context.meta["store"] = context.with_resource(opened_store())
    return context.meta["store"]


@click.group()
def consent() -> None:
    """Grant, withdraw and show consent (append-only ledger)."""


def _consent_options(command):
    command = click.option("--purpose", required=True, help="What for: see CDP_PURPOSES.")(command)
    command = click.option("--channel", required=True, type=click.Choice(ledger.CHANNELS))(command)
    command = click.option(
        "--basis", default="consent", show_default=True, type=click.Choice(ledger.BASES), help="Legal basis."
    )(command)
    return click.option("--reason", required=True, help="Why staff record this (kept as proof).")(command)


def _record_by_staff(action: str, profile_id: int, purpose: str, channel: str, basis: str, reason: str) -> None:
    ledger.record(store_of(), profile_id, purpose, channel, action, actor=ACTOR, origin="staff", basis=basis,
                  proof={"reason": reason})  # fmt: skip
    click.echo(f"Profile {profile_id}: {purpose} by {channel} {action} ({basis}).")


@consent.command(name="grant")
@click.argument("profile_id", type=int)
@_consent_options
def consent_grant(**change) -> None:
    """Record that PROFILE_ID granted consent (or that another legal basis applies)."""
    _record_by_staff("granted", **change)


@consent.command(name="withdraw")
@click.argument("profile_id", type=int)
@_consent_options
def consent_withdraw(**change) -> None:
    """Record that PROFILE_ID withdrew consent; exports leave them out from now on."""
    _record_by_staff("withdrawn", **change)


@consent.command(name="import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--purpose", required=True, help="What the list is for, such as newsletter (see CDP_PURPOSES).")
@click.option("--channel", required=True, type=click.Choice(ledger.CHANNELS))
@click.option(
    "--status",
    type=click.Choice(["granted", "withdrawn"]),
    default=None,
    help="For files that do not say the status themselves: what every row says.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the whole file if any row cannot be recorded (unknown email, unreadable time or status).",
)
def consent_import(file: Path, purpose: str, channel: str, status: str | None, strict: bool) -> None:
    """Import consent from a newsletter tool's export as the tool wrote it.

    Mailchimp (subscribed_, unsubscribed_ and cleaned_members_export_…:
    the status is in the name; cleaned addresses are withdrawn with the
    reason cleaned), CleverReach, Brevo, or any list with a status column
    (or --status). The opt-in and confirmation times are kept as proof.

    A row that cannot be recorded (no contact has its email, its time or
    status is unreadable) is skipped and named by its line; with --strict
    it refuses the whole file instead. A file that cannot be read as a
    whole is refused, and nothing is imported. Importing the same file
    again adds nothing.
    """
    result = imports.import_consent(store_of(), file, purpose, channel, ACTOR, status, strict=strict)
    logs.setup(config.paths().log_dir).info(
        "consent import purpose=%s channel=%s recorded=%d unchanged=%d skipped=%d",
        purpose,
        channel,
        result.recorded,
        result.unchanged,
        len(result.skipped),
    )
    gettext = messages(click.get_current_context())
    first, *reasons = result.summary(purpose, channel)
    click.echo(first.render(gettext))
    for reason in reasons:
        click.echo("  " + reason.render(gettext))


@consent.command(name="show")
@click.argument("profile_id", type=int)
def consent_show(profile_id: int) -> None:
    """The current consent of PROFILE_ID, then its whole history."""
    events = ledger.history(store_of(), profile_id)
    for (purpose, channel), event in sorted(ledger.current(events).items()):
        click.echo(f"{purpose:22} {channel:7} {event.action:9} {event.legal_basis}")
    click.echo("History:")
    for event in events:
        click.echo(f"  {event.effective_at}  {event.action:9} {event.purpose} / {event.channel}  "
                   f"{event.legal_basis}, {event.origin}, by {event.actor}")  # fmt: skip


@click.group()
def dsr() -> None:
    """Data-subject requests: open, confirm, verify, carry out, close."""


@dsr.command(name="open")
@click.option("--kind", required=True, type=click.Choice(subject_requests.KINDS))
@click.option("--received", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Date of receipt (default today).")
def dsr_open(kind: str, received) -> None:
    """Open a request; the requester's details come on standard input.

    Either JSON ({"name": …, "email": …}) or lines "email: …", "phone: …",
    "name: …", "handle: …", "address: …", "language: de|en", "note: …".
    """
    details = _read_requester(sys.stdin.read())
    received_on = received.date() if received else date.today()
    store = store_of()
    request_id = subject_requests.open_request(store, kind, details, received_on, ACTOR)
    request = subject_requests.load(store, request_id)
    click.echo(f"Opened request {request_id} ({kind}), due {request.due_on.isoformat()}.")
    _show_candidates(store, request_id)


def _read_requester(text: str) -> dict:
    text = text.strip()
    if text.startswith("{"):
        try:
            found = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidValue(
                "requester", N_("the JSON on standard input is broken at line {line}"), line=error.lineno
            ) from None
        if not isinstance(found, dict):
            raise InvalidValue("requester", N_("expected a JSON object"))
        return found
    details = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            name, colon, value = line.partition(":")
            if not colon:
                raise InvalidValue("requester", N_("line {line} is not 'name: value'"), line=number)
            details[name.strip().lower()] = value.strip()
    return details


def _show_candidates(store, request_id: int) -> None:
    found = subject_requests.candidates(store, request_id)
    if not found:
        click.echo("No matching profile found.")
    for profile in found:
        sources = ", ".join(sorted({ref.source for ref in profile.sources}))
        click.echo(f"  candidate profile {profile.id}: {profile.display_name} ({sources})")


@dsr.command(name="list")
@click.option("--all", "include_closed", is_flag=True, help="Closed requests too.")
def dsr_list(include_closed: bool) -> None:
    """Requests, the most urgent first."""
    today = date.today()
    for request in subject_requests.inbox(store_of(), include_closed):
        click.echo(f"{request.id:5}  {request.kind:13} received {request.received_on}  due {request.due_on}  "
                   f"{request.urgency(today)}")  # fmt: skip


@dsr.command(name="show")
@click.argument("request_id", type=int)
def dsr_show(request_id: int) -> None:
    """One request: requester, deadline, verification, confirmed profiles, candidates."""
    store = store_of()
    request = subject_requests.load(store, request_id)
    click.echo(f"Request {request.id}: {request.kind}, {request.status}, received {request.received_on}, "
               f"due {request.due_on} ({request.urgency(date.today())})")  # fmt: skip
    for name, value in request.requester.items():
        click.echo(f"  {name}: {value}")
    if request.extension_reason:
        click.echo(f"  extended: {request.extension_reason}")
    verified = f"{request.verified_how} by {request.verified_by}" if request.verified_how else "not yet"
    click.echo(f"  identity verified: {verified}")
    click.echo(f"  confirmed profiles: {', '.join(map(str, request.subjects)) or 'none'}")
    if request.outcome:
        click.echo(f"  outcome: {request.outcome}")
    if request.status == "open":
        _show_candidates(store, request_id)


@dsr.command(name="confirm")
@click.argument("request_id", type=int)
@click.argument("profile_id", type=int)
def dsr_confirm(request_id: int, profile_id: int) -> None:
    """Confirm that PROFILE_ID is the requester's."""
    subject_requests.confirm_subject(store_of(), request_id, profile_id, ACTOR)
    click.echo(f"Request {request_id}: profile {profile_id} confirmed.")


@dsr.command(name="verify")
@click.argument("request_id", type=int)
@click.option("--how", required=True, type=click.Choice(subject_requests.VERIFICATION))
def dsr_verify(request_id: int, how: str) -> None:
    """Record how the requester's identity was verified."""
    subject_requests.verify(store_of(), request_id, how, ACTOR)
    click.echo(f"Request {request_id}: identity verified ({how}).")


@dsr.command(name="extend")
@click.argument("request_id", type=int)
@click.option("--reason", required=True)
def dsr_extend(request_id: int, reason: str) -> None:
    """Extend the deadline by two months (Art. 12(3) GDPR)."""
    due_on = subject_requests.extend(store_of(), request_id, reason, ACTOR)
    click.echo(f"Request {request_id}: now due {due_on.isoformat()}.")


@dsr.command(name="export")
@click.argument("request_id", type=int)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def dsr_export(request_id: int, file: Path) -> None:
    """Write the access archive (JSON, CSV, HTML report) of the confirmed profiles to FILE (.zip)."""
    if file.exists():
        raise InvalidValue("file", N_("{file} exists already; choose a new file name"), file=file)
    store = store_of()
    request = subject_requests.ready(store, request_id)
    data = access.archive(store, request.subjects, request.requester.get("language", "de"), wiring().held_by_areas)
    file.write_bytes(data)
    subject_requests.record_export(store, request_id, ACTOR)
    click.echo(f"Wrote the archive of request {request_id} ({len(data):,} bytes) to {file}.")


@dsr.command(name="erase")
@click.argument("request_id", type=int)
@click.confirmation_option(prompt="Erase the confirmed profiles for good?")
def dsr_erase(request_id: int) -> None:
    """Erase the confirmed profiles (purchases under tax retention stay restricted) and close the request."""
    done = subject_requests.erase(store_of(), request_id, ACTOR)
    click.echo(f"Request {request_id}: erased {len(done)} profile(s), "
               f"{sum(item.records for item in done)} source record(s).")  # fmt: skip


@dsr.command(name="restrict")
@click.argument("request_id", type=int)
@click.option("--lift", is_flag=True, help="Lift the restriction again.")
def dsr_restrict(request_id: int, lift: bool) -> None:
    """Restrict processing of the confirmed profiles to storage (Art. 18)."""
    subject_requests.restrict(store_of(), request_id, ACTOR, lift)
    click.echo(f"Request {request_id}: processing {'no longer ' if lift else ''}restricted.")


@dsr.command(name="object")
@click.argument("request_id", type=int)
def dsr_object(request_id: int) -> None:
    """Objection to direct marketing (Art. 21(2)): suppressed at once on every channel."""
    count = subject_requests.object_to_marketing(store_of(), request_id, ACTOR)
    click.echo(f"Request {request_id}: {count} marketing consent(s) withdrawn.")


@dsr.command(name="rectify")
@click.argument("request_id", type=int)
@click.option("--field", "field_name", required=True, help="The field to correct, e.g. last_name.")
def dsr_rectify(request_id: int, field_name: str) -> None:
    """Correct a field in every source record of the confirmed profiles (value on standard input)."""
    value = sys.stdin.read().strip()
    changed = subject_requests.rectify(store_of(), request_id, field_name, value, ACTOR, wiring().after_import)
    click.echo(f"Request {request_id}: {field_name} corrected in {changed} source record(s).")


@dsr.command(name="close")
@click.argument("request_id", type=int)
@click.option("--outcome", required=True, help="What was done, in a few words.")
def dsr_close(request_id: int, outcome: str) -> None:
    """Close a request."""
    subject_requests.close(store_of(), request_id, outcome, ACTOR)
    click.echo(f"Request {request_id} closed.")


@dsr.command(name="record")
@click.argument("request_id", type=int)
def dsr_record(request_id: int) -> None:
    """The record of a request for a supervisory authority: every audited step, as JSON."""
    click.echo(json.dumps(subject_requests.record_of(store_of(), request_id), indent=2, ensure_ascii=False))


@click.command(name="contacts")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--purpose", required=True, help="What the contacts are for: see CDP_PURPOSES.")
@click.option("--channel", required=True, type=click.Choice(ledger.CHANNELS))
def export_contacts(file: Path, purpose: str, channel: str) -> None:
    """Write everyone who may be contacted for PURPOSE by CHANNEL to FILE (CSV).

    People without a valid basis (no consent, withdrawn, restricted) or
    without an address for the channel are left out, and counted.
    """
    if file.exists():
        raise InvalidValue("file", N_("{file} exists already; choose a new file name"), file=file)
    rows, audience = segments.contacts(store_of(), purpose, channel, ACTOR)
    columns = [*segments.COLUMNS, *segments.ADDRESS_OF[channel]]
    with file.open("w", newline="", encoding="utf-8") as handle:
        writer = spreadsheet.writer(handle)
        writer.writerow(columns)
        writer.writerows([row.get(column, "") for column in columns] for row in rows)
    left_out = ", ".join(f"{count} {reason}" for reason, count in sorted(audience.left_out.items()) if count)
    click.echo(f"Wrote {len(rows)} contact(s) to {file}; left out: {left_out or 'nobody'}.")


@click.group(name="retention")
def retention_group() -> None:
    """Retention rules and the run that applies them."""


@retention_group.command(name="rules")
def retention_rules() -> None:
    """The rules in force."""
    for rule in retention.rules(store_of()):
        click.echo(f"{rule.category:26} {rule.months:4} months  {rule.legal_reason}")


@retention_group.command(name="set")
@click.argument("category", type=click.Choice(retention.CATEGORIES))
@click.option("--months", required=True, type=int)
@click.option("--reason", required=True, help="The legal reason for this period.")
def retention_set(category: str, months: int, reason: str) -> None:
    """Change how long CATEGORY is kept."""
    retention.set_rule(store_of(), category, months, reason, ACTOR)
    click.echo(f"{category}: kept {months} months.")


@retention_group.command(name="run")
@click.option("--dry-run", is_flag=True, help="Only list what is due; change nothing.")
def retention_run(dry_run: bool) -> None:
    """Delete what the rules make due (safe to interrupt and run again)."""
    found = retention.run(store_of(), ACTOR, dry_run=dry_run)
    verb = "due" if dry_run else "deleted"
    for item in found:
        unit = "profile(s)" if item.category == "prospects_without_consent" else "item(s)"
        click.echo(f"{item.category:26} {len(item.ids):6} {unit} {verb} (before {item.cutoff})")
