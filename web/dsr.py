"""The DPO's inbox of data-subject requests, and each request's page.

Every action is a plain form (POST with CSRF) that returns to the request's
page; the inbox is sorted by urgency with overdue requests marked. The same
core functions as ``cdp dsr`` carry the work out, with the same audit entries.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cdp.errors import N_, CdpError, InvalidValue
from cdp.staff.roles import DPO_WORK
from consent import access, dsr
from web.access import allow
from web.context import actor, store, wiring

blueprint = Blueprint("dsr", __name__, url_prefix="/dpo/requests")


@blueprint.get("")
@allow(*DPO_WORK)
def inbox():
    include_closed = request.args.get("all") == "1"
    return render_template(
        "dsr_inbox.html", requests=dsr.inbox(store(), include_closed), today=date.today(), all=include_closed
    )


@blueprint.get("/new")
@allow(*DPO_WORK)
def new():
    return render_template("dsr_new.html", kinds=dsr.KINDS, error=None, form={}, today=date.today())


@blueprint.post("/new")
@allow(*DPO_WORK)
def create():
    form = request.form
    try:
        received_on = date.fromisoformat(form.get("received_on") or date.today().isoformat())
        details = {name: form.get(name, "") for name in dsr.REQUESTER_FIELDS}
        request_id = dsr.open_request(store(), form.get("kind", ""), details, received_on, actor())
    except ValueError:
        return _form_error(InvalidValue("received_on", N_("expected a date")))
    except CdpError as error:
        return _form_error(error)
    return redirect(url_for("dsr.show", request_id=request_id))


def _form_error(error: CdpError):
    return render_template("dsr_new.html", kinds=dsr.KINDS, error=error.render(_), form=request.form,
                           today=date.today()), 422  # fmt: skip


@blueprint.get("/<int:request_id>")
@allow(*DPO_WORK)
def show(request_id: int):
    found = dsr.load(store(), request_id)
    candidates = dsr.candidates(store(), request_id) if found.status == "open" else []
    return render_template("dsr_request.html", request_=found, candidates=candidates, today=date.today(),
                           verification=dsr.VERIFICATION)  # fmt: skip


def _back(request_id: int):
    return redirect(url_for("dsr.show", request_id=request_id))


@blueprint.post("/<int:request_id>/confirm")
@allow(*DPO_WORK)
def confirm(request_id: int):
    profile_id = request.form.get("profile_id", type=int)
    if profile_id is None:
        abort(400)
    dsr.confirm_subject(store(), request_id, profile_id, actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/verify")
@allow(*DPO_WORK)
def verify(request_id: int):
    dsr.verify(store(), request_id, request.form.get("how", ""), actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/extend")
@allow(*DPO_WORK)
def extend(request_id: int):
    dsr.extend(store(), request_id, request.form.get("reason", ""), actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/export")
@allow(*DPO_WORK)
def export(request_id: int):
    """The access archive as a download, built in memory."""
    found = dsr.ready(store(), request_id)
    data = access.archive(store(), found.subjects, found.requester.get("language") or "de", wiring().held_by_areas)
    dsr.record_export(store(), request_id, actor())
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="auskunft-{request_id}.zip"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/<int:request_id>/erase")
@allow(*DPO_WORK)
def erase(request_id: int):
    if request.form.get("confirm") != "yes":
        raise InvalidValue("confirm", N_("tick the box to confirm the erasure"))
    dsr.erase(store(), request_id, actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/restrict")
@allow(*DPO_WORK)
def restrict(request_id: int):
    dsr.restrict(store(), request_id, actor(), lift=request.form.get("lift") == "1")
    return _back(request_id)


@blueprint.post("/<int:request_id>/object")
@allow(*DPO_WORK)
def object_to_marketing(request_id: int):
    dsr.object_to_marketing(store(), request_id, actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/rectify")
@allow(*DPO_WORK)
def rectify(request_id: int):
    field, value = request.form.get("field", ""), request.form.get("value", "")
    dsr.rectify(store(), request_id, field, value, actor(), wiring().after_import)
    return _back(request_id)


@blueprint.post("/<int:request_id>/close")
@allow(*DPO_WORK)
def close(request_id: int):
    dsr.close(store(), request_id, request.form.get("outcome", ""), actor())
    return _back(request_id)


@blueprint.get("/<int:request_id>/record")
@allow(*DPO_WORK)
def record(request_id: int):
    """The record of the request for a supervisory authority (JSON, no personal data)."""
    response = jsonify(dsr.record_of(store(), request_id))
    response.headers["Content-Disposition"] = f'attachment; filename="request-{request_id}-record.json"'
    return response
