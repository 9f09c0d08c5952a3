"""The identity review queue: uncertain pairs side by side, join or keep apart, a page at a time.

Every decision is a plain form that redirects back to the same page of the
queue with its result; htmx posts it instead and puts the re-rendered queue
in place, its count updated and the focus on the next pair.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import format_decimal

from cdp import config
from cdp.profiles import unified as profiles
from cdp.profiles.unified import SEES_RESTRICTED
from cdp.staff.roles import ALL_STAFF
from identity.corrections import review_queue, settle
from identity.resolve import profile_of_record
from identity.review_queue import ReviewPage
from web.access import allow
from web.context import actor, is_htmx, store, wiring
from web.i18n import evidence_rows

blueprint = Blueprint("review", __name__, url_prefix="/review")
DECISIONS = ("join", "apart")
COMPARED = ("first_name", "last_name", "birth_date", "email", "phone", "street", "postcode", "city", "company")


@blueprint.context_processor
def helpers() -> dict:
    return {"evidence_rows": evidence_rows, "signed": signed, "floored_percent": floored_percent}


@blueprint.get("")
@allow(*ALL_STAFF)
def queue():
    """One page of the queue (``?page=N``), with the result of the decision that led here, if any."""
    page = review_queue(store(), actor(), _with_restricted(), request.args.get("page", 1, type=int))
    return render_template("review.html", **_shown(page, request.args.get("at", 0, type=int), _result(request.args)))


@blueprint.post("/<int:left>/<int:right>")
@allow(*ALL_STAFF)
def decide(left: int, right: int):
    """Join or keep apart; htmx gets the queue's page again, a plain form is sent back to it."""
    decision = request.form.get("decision")
    if decision not in DECISIONS or left == right:
        abort(400)
    settle(store(), left, right, decision, actor(), _with_restricted(), wiring().records_moved)
    number, at = request.form.get("page", 1, type=int), request.form.get("at", 0, type=int)
    joined_in = profile_of_record(store(), left) if decision == "join" else None
    if is_htmx():
        page = review_queue(store(), actor(), _with_restricted(), number)
        return render_template("_review_queue.html", **_shown(page, at, {"done": decision, "profile": joined_in}))
    return redirect(url_for("review.queue", page=number, at=at, done=decision, profile=joined_in))


def _shown(page: ReviewPage, at: int, result: dict | None) -> dict:
    """What the queue's templates need: the page, the pair to focus, the names of the profiles shown."""
    return {
        "page": page,
        "focus": max(0, min(at, len(page.items) - 1)),
        "result": result,
        "names": _names(page),
        "compared": COMPARED,
        "join_at": config.match_thresholds()[0],
    }


def _result(args) -> dict | None:
    """The decision a redirect reports (``done`` and, after a join, the ``profile`` both records are in)."""
    if args.get("done") not in DECISIONS:
        return None
    return {"done": args["done"], "profile": args.get("profile", type=int)}


def _names(page: ReviewPage) -> dict[int, str]:
    """The name of each profile on the page that this person may see."""
    shown = sorted({record.profile_id for item in page.items for record in (item.left, item.right)})
    role = g.user.role
    return {one.id: one.display_name for one in profiles.load_many(store(), shown) if profiles.visible_to(one, role)}


def signed(weight: float | None) -> str:
    """A weight with its sign, "+3.2" for the same person and "−4.1" against; "—" when there is none."""
    if weight is None:
        return "—"
    rounded = round(weight, 1)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return sign + format_decimal(abs(rounded), "#0.0")


def floored_percent(probability: float) -> str:
    """A probability in percent, cut (never rounded up) to one decimal: 0.9496 reads "94.9 %", so a pair below
    the join threshold never reads as if it were at it."""
    percent = (Decimal(repr(probability)) * 100).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    return format_decimal(percent, "#0.0") + " %"


def _with_restricted() -> bool:
    return g.user.role in SEES_RESTRICTED
