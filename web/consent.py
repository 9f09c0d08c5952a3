"""Consent on the profile page: what this person allows now, its history, and recording a change.

A change is a new event with its legal basis and the staff member's reason;
nothing is edited. htmx swaps the consent section; without JavaScript the
form posts and returns to the profile.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cdp.errors import N_, InvalidValue
from cdp.profiles import unified as profiles
from cdp.staff.roles import ALL_STAFF
from consent import ledger
from web import errors
from web.access import allow
from web.context import actor, is_htmx, store

blueprint = Blueprint("consent", __name__)


def panel(profile_id: int, error: str | None = None) -> dict:
    """What ``_consent.html`` needs."""
    events = ledger.history(store(), profile_id)
    return {
        "profile_id": profile_id,
        "events": events,
        "state": sorted(ledger.current(events).items()),
        "purposes": ledger.purposes(),
        "channels": ledger.CHANNELS,
        "bases": ledger.BASES,
        "consent_error": error,
    }


@blueprint.post("/profiles/<int:profile_id>/consent")
@allow(*ALL_STAFF)
def record(profile_id: int):
    profiles.visible(store(), profile_id, g.user.role)
    form = request.form
    error = None
    if not form.get("reason", "").strip():
        error = InvalidValue("reason", N_("say why this is recorded")).render(_)
    else:
        try:
            ledger.record(store(), profile_id, form.get("purpose", ""), form.get("channel", ""), form.get("action", ""),
                          actor=actor(), origin="staff", basis=form.get("basis", "consent"),
                          proof={"reason": form["reason"].strip()})  # fmt: skip
        except InvalidValue as invalid:
            error = invalid.render(_)
    if is_htmx():
        return render_template("_consent.html", **panel(profile_id, error)), 422 if error else 200
    if error:
        return errors.respond(422, error)
    return redirect(url_for("profiles.show", profile_id=profile_id) + "#consent")
