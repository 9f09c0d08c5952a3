"""The identity review queue: uncertain pairs side by side, join or keep apart."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from cdp.profiles.unified import SEES_RESTRICTED
from cdp.staff.roles import ALL_STAFF
from identity.corrections import review_queue, settle
from web.access import allow
from web.context import actor, is_htmx, store

blueprint = Blueprint("review", __name__, url_prefix="/review")
DECISIONS = ("join", "apart")
COMPARED = ("first_name", "last_name", "birth_date", "email", "phone", "street", "postcode", "city", "company")


@blueprint.get("")
@allow(*ALL_STAFF)
def queue():
    items, total = review_queue(store(), actor(), _with_restricted())
    return render_template("review.html", items=items, total=total, compared=COMPARED)


@blueprint.post("/<int:left>/<int:right>")
@allow(*ALL_STAFF)
def decide(left: int, right: int):
    """Join or keep apart; htmx removes the row, a plain form returns to the queue."""
    decision = request.form.get("decision")
    if decision not in DECISIONS or left == right:
        abort(400)
    settle(store(), left, right, decision, actor(), _with_restricted())
    if is_htmx():
        return ""
    return redirect(url_for("review.queue"))


def _with_restricted() -> bool:
    return g.user.role in SEES_RESTRICTED
