"""Data-subject requests (Art. 15-22 GDPR): intake, identity, deadlines, and carrying them out.

A request is opened by staff with the requester's details as they came (an
email, a letter). Kundenbild proposes the profiles that match those details;
the DPO confirms which are the requester's and records how the requester's
identity was verified. Only then can the request be carried out: an access
archive, an erasure, a restriction, an objection. Every step is audited.

Each step that changes a request is one unit of work: it reads the request
(is it open, verified, with confirmed profiles?) and writes the change and
its audit entry under the same write lock, so that nothing can close or
change the request in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from cdp import config
from cdp.errors import N_, InvalidValue, NotFound
from cdp.ingest.pipeline import AfterImport
from cdp.profiles import unified as profiles
from cdp.store.database import Store
from consent import deadlines, erasure, ledger, repository, retention
from consent.errors import RequestNotReady

KINDS = ("access", "portability", "erasure", "rectification", "restriction", "objection")
REQUESTER_FIELDS = ("name", "email", "phone", "handle", "address", "language", "note")
VERIFICATION = ("known_email", "id_document", "postal_address", "in_person", "other")


@dataclass(frozen=True)
class Request:
    id: int
    kind: str
    received_on: date
    due_on: date
    extension_reason: str | None
    status: str
    requester: dict
    verified_how: str | None
    verified_by: str | None
    verified_at: str | None
    opened_by: str
    closed_at: str | None
    outcome: str | None
    subjects: list[int]

    def urgency(self, today: date) -> str:
        return "closed" if self.status == "closed" else deadlines.urgency(self.due_on, today)


def open_request(store: Store, kind: str, requester: dict, received_on: date, actor: str) -> int:
    """Record a new request; its deadline is one month from receipt."""
    if kind not in KINDS:
        raise InvalidValue("kind", N_("expected one of {choices}"), choices=", ".join(KINDS))
    if received_on > date.today():
        raise InvalidValue("received_on", N_("a request cannot be received in the future"))
    details = {name: str(value).strip() for name, value in requester.items() if name in REQUESTER_FIELDS and value}
    if not any(details.get(name) for name in ("name", "email", "phone", "handle")):
        raise InvalidValue("requester", N_("give at least a name, an email, a phone number or a handle"))
    with store.write() as tx:
        return repository.add_request(store, tx, kind, details, received_on, deadlines.due(received_on), actor)


def load(store: Store, request_id: int) -> Request:
    with store.read() as tx:
        return _load(store, tx, request_id)


def _load(store: Store, tx: Connection, request_id: int) -> Request:
    return Request(**repository.request(store, tx, request_id))


def inbox(store: Store, include_closed: bool = False) -> list[Request]:
    """Open requests, the most urgent first; closed ones after, the latest closed first."""
    with store.read() as tx:
        found = [Request(**row) for row in repository.requests(store, tx, include_closed)]
    waiting = sorted((request for request in found if request.status == "open"), key=lambda request: request.due_on)
    done = sorted((request for request in found if request.status != "open"),
                  key=lambda request: request.closed_at or "", reverse=True)  # fmt: skip
    return waiting + done


def candidates(store: Store, request_id: int) -> list[profiles.Profile]:
    """Profiles that match the requester's email, phone, handle or name, for the DPO to confirm.

    ``cdp.profiles.unified.search`` reads in units of its own, after the request's.
    """
    details = load(store, request_id).requester
    region = config.default_region()
    found: dict[int, profiles.Profile] = {}
    for name in ("email", "phone", "handle", "name"):
        if details.get(name):
            for profile in profiles.search(store, details[name], region, limit=10):
                found.setdefault(profile.id, profile)
    return list(found.values())


def confirm_subject(store: Store, request_id: int, profile_id: int, actor: str) -> None:
    with store.write() as tx:
        _open(store, tx, request_id)
        if not repository.profile_exists(tx, profile_id):
            raise NotFound(N_("There is no profile {profile_id}."), profile_id=profile_id)
        repository.add_subject(tx, request_id, profile_id, actor)


def verify(store: Store, request_id: int, how: str, actor: str) -> None:
    """Record how the requester's identity was checked, and by whom."""
    if how not in VERIFICATION:
        raise InvalidValue("how", N_("expected one of {choices}"), choices=", ".join(VERIFICATION))
    with store.write() as tx:
        _open(store, tx, request_id)
        repository.set_verified(tx, request_id, how, actor)


def extend(store: Store, request_id: int, reason: str, actor: str) -> date:
    """Extend the deadline by two further months (Art. 12(3)), with the reason recorded."""
    with store.write() as tx:
        request = _open(store, tx, request_id)
        if request.extension_reason:
            raise InvalidValue("extension", N_("this request was already extended"))
        if not reason.strip():
            raise InvalidValue("reason", N_("an extension needs its reason"))
        due_on = deadlines.extended(request.received_on)
        repository.set_extension(tx, request_id, due_on, reason.strip(), actor)
    return due_on


def close(store: Store, request_id: int, outcome: str, actor: str) -> None:
    with store.write() as tx:
        _open(store, tx, request_id)
        repository.close_request(tx, request_id, outcome.strip() or "done", actor)


def ready(store: Store, request_id: int) -> Request:
    """The request, if it may be carried out: open, verified, with confirmed profiles."""
    with store.read() as tx:
        return _ready(store, tx, request_id)


def _ready(store: Store, tx: Connection, request_id: int) -> Request:
    request = _open(store, tx, request_id)
    if not request.verified_how:
        raise RequestNotReady(
            N_("Request {request_id}: the requester's identity has not been verified yet."), request_id=request_id
        )
    if not request.subjects:
        raise RequestNotReady(
            N_("Request {request_id}: no profile has been confirmed as the requester's yet."), request_id=request_id
        )
    return request


def erase(store: Store, request_id: int, actor: str) -> list[erasure.Erased]:
    """Erase every confirmed profile; purchases under the tax retention period stay restricted.

    The requester's details on this request and on every earlier request
    about these profiles go too (their keys are destroyed): what stays is
    the record of the request, without personal data. All of it is one unit
    of work, from the check that the request is ready to its closing: if any
    part fails, nothing is erased and the request stays open.
    """
    with store.write() as tx:
        request = _ready(store, tx, request_id)
        in_force = retention.rules_in(tx)
        keep = retention.due_before(in_force, "purchases")
        reason = retention.hold_reason(in_force)
        done = [
            erasure.purge_profile(store, tx, profile_id, actor, keep_purchases_since=keep, request_id=request_id)
            for profile_id in request.subjects
            if repository.profile_exists(tx, profile_id)
        ]
        repository.forget_requesters(store, tx, request.subjects, actor)
        kept = sum(result.purchases_kept for result in done)
        outcome = f"erased {len(done)} profile(s)" + (f"; {kept} purchase(s) kept restricted: {reason}" if kept else "")
        repository.close_request(tx, request_id, outcome, actor)
    return done


def restrict(store: Store, request_id: int, actor: str, lift: bool = False) -> None:
    """Art. 18: keep the data but stop all processing but storage (or lift that); all profiles or none."""
    with store.write() as tx:
        request = _ready(store, tx, request_id)
        for profile_id in request.subjects:
            repository.set_restricted(tx, profile_id, not lift, actor, request_id)


def object_to_marketing(store: Store, request_id: int, actor: str) -> int:
    """Art. 21(2): suppress direct marketing for the confirmed profiles at once; all profiles or none."""
    with store.write() as tx:
        request = _ready(store, tx, request_id)
        return sum(ledger.object_to_marketing(store, tx, profile_id, actor) for profile_id in request.subjects)


def _open(store: Store, tx: Connection, request_id: int) -> Request:
    request = _load(store, tx, request_id)
    if request.status != "open":
        raise RequestNotReady(N_("Request {request_id} is closed."), request_id=request_id)
    return request


def record_export(store: Store, request_id: int, actor: str) -> None:
    """Audit that the access archive of a request was handed out."""
    with store.write() as tx:
        repository.audit_request(tx, request_id, actor, "dsr.exported")


def rectify(store: Store, request_id: int, name: str, value: str, actor: str, after_change: AfterImport) -> int:
    """Art. 16: correct a field in every source record of the confirmed profiles; how many records changed.

    One unit of work, from the check that the request is ready to the last
    profile. ``after_change`` (identity resolution, as after an import) then
    sees the changed records.
    """
    region = config.default_region()
    with store.write() as tx:
        request = _ready(store, tx, request_id)
        changed = [
            record_id
            for profile_id in request.subjects
            for record_id in profiles.rectify(store, tx, profile_id, name, value, actor, region)
        ]
    if changed:
        after_change(store, changed, actor)
    return len(changed)


def record_of(store: Store, request_id: int) -> dict:
    """What a supervisory authority may ask for: the request's facts and every audited step (no personal data)."""
    with store.read() as tx:
        request = _load(store, tx, request_id)
        steps = repository.audit_of_request(tx, request_id, request.subjects)
    return {
        "request": request.id,
        "kind": request.kind,
        "received_on": request.received_on.isoformat(),
        "due_on": request.due_on.isoformat(),
        "extension_reason": request.extension_reason,
        "status": request.status,
        "verified": {"how": request.verified_how, "by": request.verified_by, "at": request.verified_at},
        "profiles": request.subjects,
        "closed_at": request.closed_at,
        "outcome": request.outcome,
        "steps": steps,
    }
