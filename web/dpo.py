"""The data protection officer's pages: the audit trail and the retention rules."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cdp import audit_view
from cdp.errors import InvalidValue
from cdp.staff.roles import DPO_WORK
from consent import retention
from web.access import allow
from web.context import actor, store

blueprint = Blueprint("dpo", __name__, url_prefix="/dpo")


@blueprint.get("/audit")
@allow(*DPO_WORK)
def audit_log():
    """Newest entries first; the hash chain is checked when the DPO asks."""
    page = audit_view.page(store(), request.args.get("page", 1, type=int))
    verified = request.args.get("verify") == "1"
    verdict = audit_view.verify(store()) if verified else None
    return render_template("audit.html", page=page, verdict=verdict)


@blueprint.get("/retention")
@allow(*DPO_WORK)
def retention_rules():
    """The rules in force, editable; with ``?dry=1`` what a run would delete now."""
    due = retention.due(store()) if request.args.get("dry") == "1" else None
    return render_template("retention.html", rules=retention.rules(store()), due=due, error=None)


@blueprint.post("/retention/<category>")
@allow(*DPO_WORK)
def set_retention_rule(category: str):
    try:
        retention.set_rule(store(), category, request.form.get("months", 0, type=int),
                           request.form.get("legal_reason", ""), actor())  # fmt: skip
    except InvalidValue as error:
        return render_template("retention.html", rules=retention.rules(store()), due=None, error=error.render(_)), 422
    return redirect(url_for("dpo.retention_rules"))


@blueprint.post("/retention/run")
@allow(*DPO_WORK)
def run_retention():
    done = retention.run(store(), actor())
    return render_template("retention.html", rules=retention.rules(store()), due=done, ran=True, error=None)
