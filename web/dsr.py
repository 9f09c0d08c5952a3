"""The DPO's inbox of data-subject requests, and each request's page.

Every action is a plain form (POST with CSRF) that returns to the request's
page; the inbox is sorted by urgency with overdue requests marked. The same
core functions as ``cdp dsr`` carry the work out, with the same audit entries.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

from cdp.errors import CdpError, InvalidValue
from consent import access, requests
from web.access import allow
from web.context import actor, store

blueprint = Blueprint("dsr", __name__, url_prefix="/dpo/requests")
DPO = ("dpo", "admin")


@blueprint.get("")
@allow(*DPO)
def inbox():
    include_closed = request.args.get("all") == "1"
    return render_template(
        "dsr_inbox.html", requests=requests.inbox(store(), include_closed), today=date.today(), all=include_closed
    )


@blueprint.get("/new")
@allow(*DPO)
def new():
    return render_template("dsr_new.html", kinds=requests.KINDS, error=None, form={}, today=date.today())


@blueprint.post("/new")
@allow(*DPO)
def create():
    form = request.form
    try:
        received_on = date.fromisoformat(form.get("received_on") or date.today().isoformat())
        details = {name: form.get(name, "") for name in requests.REQUESTER_FIELDS}
        request_id = requests.open_request(store(), form.get("kind", ""), details, received_on, actor())
    except ValueError:
        return _form_error(InvalidValue("received_on", "expected a date"))
    except CdpError as error:
        return _form_error(error)
    return redirect(url_for("dsr.show", request_id=request_id))


def _form_error(error: CdpError):
    return render_template("dsr_new.html", kinds=requests.KINDS, error=error.message, form=request.form,
                           today=date.today()), 422  # fmt: skip


@blueprint.get("/<int:request_id>")
@allow(*DPO)
def show(request_id: int):
    found = requests.load(store(), request_id)
    candidates = requests.candidates(store(), request_id) if found.status == "open" else []
    return render_template("dsr_request.html", request_=found, candidates=candidates, today=date.today(),
                           verification=requests.VERIFICATION)  # fmt: skip


def _back(request_id: int):
    return redirect(url_for("dsr.show", request_id=request_id))


@blueprint.post("/<int:request_id>/confirm")
@allow(*DPO)
def confirm(request_id: int):
    profile_id = request.form.get("profile_id", type=int)
    if profile_id is None:
        abort(400)
    requests.confirm_subject(store(), request_id, profile_id, actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/verify")
@allow(*DPO)
def verify(request_id: int):
    requests.verify(store(), request_id, request.form.get("how", ""), actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/extend")
@allow(*DPO)
def extend(request_id: int):
    requests.extend(store(), request_id, request.form.get("reason", ""), actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/export")
@allow(*DPO)
def export(request_id: int):
    """The access archive as a download, built in memory."""
    found = requests.ready(store(), request_id)
    data = access.archive(store(), found.subjects, found.requester.get("language") or "de")
    requests.record_export(store(), request_id, actor())
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="auskunft-{request_id}.zip"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/<int:request_id>/erase")
@allow(*DPO)
def erase(request_id: int):
    if request.form.get("confirm") != "yes":
        raise InvalidValue("confirm", "tick the box to confirm the erasure")
    requests.erase(store(), request_id, actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/restrict")
@allow(*DPO)
def restrict(request_id: int):
    requests.restrict(store(), request_id, actor(), lift=request.form.get("lift") == "1")
    return _back(request_id)


@blueprint.post("/<int:request_id>/object")
@allow(*DPO)
def object_to_marketing(request_id: int):
    requests.object_to_marketing(store(), request_id, actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/rectify")
@allow(*DPO)
def rectify(request_id: int):
    requests.rectify(store(), request_id, request.form.get("field", ""), request.form.get("value", ""), actor())
    return _back(request_id)


@blueprint.post("/<int:request_id>/close")
@allow(*DPO)
def close(request_id: int):
    requests.close(store(), request_id, request.form.get("outcome", ""), actor())
    return _back(request_id)


@blueprint.get("/<int:request_id>/record")
@allow(*DPO)
def record(request_id: int):
    """The record of the request for a supervisory authority (JSON, no personal data)."""
    response = jsonify(requests.record_of(store(), request_id))
    response.headers["Content-Disposition"] = f'attachment; filename="request-{request_id}-record.json"'
    return response
