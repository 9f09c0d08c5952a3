"""The JSON API under /api/v1 for integrations, with bearer tokens.

Records pushed here go through the one import pipeline, as a table of their
own (``cdp.ingest.pipeline.import_records``), so they are normalised,
checked all-or-nothing and sealed like a file's rows.
"""

from __future__ import annotations

import math

from flask import Blueprint, Flask, abort, g, jsonify, request
from flask_babel import gettext as _

from cdp.errors import FollowUpFailed, FormatError, ImportRejected, render
from cdp.ingest.files import load_json
from cdp.ingest.pipeline import ImportResult, import_records
from cdp.profiles import unified as profiles
from cdp.staff.roles import ALL_STAFF, CUSTOMER_WORK
from consent import segments
from web.access import allow, public
from web.context import region, store, wiring
from web.openapi import SPEC

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 200
MAX_PAGE = 10**9


def exempt_from_csrf(app: Flask) -> None:
    """The API authenticates with bearer tokens only, so CSRF does not apply."""
    app.extensions["csrf"].exempt(blueprint)


@blueprint.get("/openapi.json")
@public
def openapi():
    return jsonify(SPEC)


@blueprint.get("/profiles")
@allow(*ALL_STAFF)
def list_profiles():
    number = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 50, type=int)
    if not 1 <= number <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        abort(400, description=f"page must be 1 to {MAX_PAGE} and per_page between 1 and {MAX_PER_PAGE}.")
    items, total = profiles.export_page(store(), number, per_page, role=g.user.role, actor=g.user.name)
    return jsonify(
        {
            "items": [_summary(profile) for profile in items],
            "page": number,
            "per_page": per_page,
            "total": total,
            "pages": max(1, math.ceil(total / per_page)),
        }
    )


@blueprint.get("/profiles/<int:profile_id>")
@allow(*ALL_STAFF)
def get_profile(profile_id: int):
    profile = profiles.read_for(store(), profile_id, g.user.name, g.user.role)
    return jsonify(
        {
            **_summary(profile),
            "fields": {name: observed.value for name, observed in profile.fields.items()},
            "sources": [{"source": ref.source, "id": ref.source_record_id} for ref in profile.sources],
        }
    )


@blueprint.get("/audience")
@allow(*CUSTOMER_WORK)
def audience():
    """Who may be contacted for a purpose by a channel, with how many were left out and why."""
    purpose, channel = request.args.get("purpose", ""), request.args.get("channel", "")
    rows, gate = segments.contacts(store(), purpose, channel, g.user.name)
    return jsonify({"purpose": purpose, "channel": channel, "contacts": rows, "left_out": gate.left_out})


@blueprint.post("/contacts")
@allow(*CUSTOMER_WORK)
def push_contacts():
    return _ingest("contacts")


@blueprint.post("/purchases")
@allow(*CUSTOMER_WORK)
def push_purchases():
    return _ingest("purchases")


def _ingest(kind: str):
    try:
        body = load_json(request.get_data(as_text=True))
    except FormatError as error:
        reason = error.reason.render(_)
        abort(400, description=_("The body is not JSON Kundenbild can take: %(reason)s.", reason=reason))
    source = request.args.get("source", "")
    if not isinstance(body, dict) or not isinstance(body.get("records"), list) or not body["records"]:
        abort(400, description='The body must be JSON like {"records": [{...}, ...]}.')
    if not all(isinstance(record, dict) for record in body["records"]):
        abort(400, description="Each record must be a JSON object.")
    try:
        result = import_records(
            store(),
            body["records"],
            source,
            kind=kind,
            region=region(),
            actor=g.user.name,
            after_import=wiring().after_import,
        )
    except ImportRejected as rejected:
        problems = [{"record": line, "problem": render(reason, _)} for line, reason in rejected.problems]
        return jsonify({"error": {"status": 422, "message": _("Nothing was imported."), "problems": problems}}), 422
    except FollowUpFailed as failed:
        return jsonify({**_counts(failed.result), "follow_up": failed.render(_)}), 201
    return jsonify(_counts(result)), 201


def _counts(result: ImportResult) -> dict:
    """What a push did; records of people erased on request are held back, and counted."""
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    counts["held_back"] = result.suppressed
    if result.suppressed:
        counts["held_back_reason"] = (
            "These records belong to people erased on request (their identifiers are on the suppression list); "
            "nothing of them was stored."
        )
    return counts


def _summary(profile: profiles.Profile) -> dict:
    return {
        "id": profile.id,
        "name": profile.display_name,
        "status": profile.status,
        "address_form": profile.address_form,
        "updated_at": profile.updated_at,
    }
