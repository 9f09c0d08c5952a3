"""The data protection officer's pages: the audit trail."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from cdp import audit_view
from web.access import allow
from web.context import store

blueprint = Blueprint("dpo", __name__, url_prefix="/dpo")


@blueprint.get("/audit")
@allow("dpo", "admin")
def audit_log():
    """Newest entries first; the hash chain is checked when the DPO asks."""
    page = audit_view.page(store(), request.args.get("page", 1, type=int))
    verified = request.args.get("verify") == "1"
    broken_at = audit_view.first_broken(store()) if verified else None
    return render_template("audit.html", page=page, verified=verified, broken_at=broken_at)
