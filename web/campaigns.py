"""Snapshots and campaigns in the browser: take a snapshot of a list, review it and take people out, freeze it,
write the campaign in German and English, see it as real recipients will, export it, and read what it
brought in. Every step is a plain form that redirects to the page showing its result."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from cdp import config, spreadsheet
from cdp.errors import CdpError
from cdp.profiles import unified as profiles
from cdp.staff.roles import CUSTOMER_WORK
from consent import ledger
from consent.segments import ADDRESS_OF
from marketing import campaigns, customers, responses, segments
from web.access import allow
from web.context import actor, store

blueprint = Blueprint("campaigns", __name__)
MEMBERS_PER_PAGE = 50
EXPORT_COLUMNS = ("profile_id", "language", "greeting", "subject", "body")


def _refused(refused: CdpError, target: str, category: str = "campaign") -> Response:
    """Back to ``target``, which shows why nothing was done (the customers page shows its ``segment`` messages)."""
    flash({"kind": "refused", "message": refused.render(gettext)}, category)
    return redirect(target)


@blueprint.get("/campaigns")
@allow(*CUSTOMER_WORK)
def index():
    """Every snapshot and every campaign."""
    return render_template("campaigns.html", snapshots=campaigns.snapshots(store()), campaigns=campaigns.every(store()))


@blueprint.post("/snapshots")
@allow(*CUSTOMER_WORK)
def take():
    """A snapshot of the list the form names (a saved segment, or the definition being built)."""
    back = url_for("customers.index", **{k: v for k, v in request.form.items() if k in ("segment", "definition")})
    try:
        group, saved = _list_of(request.form)
        share = float(request.form.get("holdout", "10").replace(",", ".")) / 100
        source = (saved.id, saved.version) if saved else None
        snapshot_id = campaigns.take_snapshot(store(), request.form.get("name", ""), group, actor(), source, share)
    except ValueError:
        return _refused(segments.InvalidValue("holdout", segments.N_("expected a share in percent")), back, "segment")
    except CdpError as refused:
        return _refused(refused, back, "segment")
    flash({"kind": "taken"}, "campaign")
    return redirect(url_for("campaigns.snapshot", snapshot_id=snapshot_id))


def _list_of(form):
    saved = None
    if form.get("segment", "").isdigit():
        saved, group = customers.load_segment(store(), int(form["segment"]))
    text = form.get("definition", "")
    return (segments.loads(text) if text else (group if saved else segments.EVERYONE)), saved


@blueprint.get("/snapshots/<int:snapshot_id>")
@allow(*CUSTOMER_WORK)
def snapshot(snapshot_id: int):
    """A snapshot to review: its groups, the smallest effect it can detect, its members a page at a time."""
    view = campaigns.snapshot_view(store(), snapshot_id)
    page_number = max(1, request.args.get("page", 1, type=int))
    shown = view.members[(page_number - 1) * MEMBERS_PER_PAGE : page_number * MEMBERS_PER_PAGE]
    people = {one.id: one for one in profiles.load_many(store(), [member.profile_id for member in shown])}
    pages = max(1, -(-len(view.members) // MEMBERS_PER_PAGE))
    return render_template("snapshot.html", view=view, shown=shown, people=people, page_number=page_number, pages=pages,
                           purposes=config.purposes(), channels=ledger.CHANNELS)  # fmt: skip


@blueprint.post("/snapshots/<int:snapshot_id>/members/<int:anchor>")
@allow(*CUSTOMER_WORK)
def take_out(snapshot_id: int, anchor: int):
    """Take a member out of the snapshot under review, or put them back (``back``)."""
    page = request.form.get("page", 1, type=int)
    target = url_for("campaigns.snapshot", snapshot_id=snapshot_id, page=page) + f"#member-{anchor}"
    try:
        campaigns.take_out(store(), snapshot_id, anchor, actor(), back=request.form.get("back") == "1")
    except CdpError as refused:
        return _refused(refused, target)
    return redirect(target)


@blueprint.post("/snapshots/<int:snapshot_id>/freeze")
@allow(*CUSTOMER_WORK)
def freeze(snapshot_id: int):
    target = url_for("campaigns.snapshot", snapshot_id=snapshot_id)
    try:
        campaigns.freeze(store(), snapshot_id, actor())
    except CdpError as refused:
        return _refused(refused, target)
    flash({"kind": "frozen"}, "campaign")
    return redirect(target)


@blueprint.post("/snapshots/<int:snapshot_id>/campaigns")
@allow(*CUSTOMER_WORK)
def create(snapshot_id: int):
    form = request.form
    try:
        campaign_id = campaigns.create_campaign(store(), form.get("name", ""), snapshot_id, form.get("purpose", ""),
                                                form.get("channel", ""), actor())  # fmt: skip
    except CdpError as refused:
        return _refused(refused, url_for("campaigns.snapshot", snapshot_id=snapshot_id))
    return redirect(url_for("campaigns.campaign", campaign_id=campaign_id))


@blueprint.get("/campaigns/<int:campaign_id>")
@allow(*CUSTOMER_WORK)
def campaign(campaign_id: int):
    """The campaign: its message, how real recipients will read it, its audience, and its report."""
    found = campaigns.load(store(), campaign_id)
    model = request.args.get("model", "last_touch")
    window = request.args.get("window", campaigns.WINDOW_DAYS, type=int)
    try:
        report = campaigns.report(store(), campaign_id, model, window)
    except CdpError as refused:
        flash({"kind": "refused", "message": refused.render(gettext)}, "campaign")
        report = campaigns.report(store(), campaign_id)
    chosen = campaigns.audience(store(), campaign_id)
    return render_template("campaign.html", campaign=found, report=report, audience=chosen,
                           letters=campaigns.preview(store(), campaign_id), models=campaigns.MODELS,
                           placeholders=campaigns.letters.PLACEHOLDERS, kinds=responses.KINDS)  # fmt: skip


@blueprint.post("/campaigns/<int:campaign_id>/message")
@allow(*CUSTOMER_WORK)
def message(campaign_id: int):
    target = url_for("campaigns.campaign", campaign_id=campaign_id)
    try:
        cost = float(request.form.get("cost", "0").replace(",", ".") or 0)
        campaigns.save_message(store(), campaign_id, request.form.to_dict(), cost, actor())
    except ValueError:
        return _refused(segments.InvalidValue("cost", segments.N_("expected an amount of 0 or more")), target)
    except CdpError as refused:
        return _refused(refused, target)
    flash({"kind": "saved"}, "campaign")
    return redirect(target + "#preview")


@blueprint.post("/campaigns/<int:campaign_id>/export")
@allow(*CUSTOMER_WORK)
def export(campaign_id: int):
    """The recipients with their address and message, as CSV for the mail or print tool; marks it sent."""
    found = campaigns.load(store(), campaign_id)
    rows, _audience = campaigns.export(store(), campaign_id, actor())
    columns = [*EXPORT_COLUMNS, *ADDRESS_OF[found.channel]]
    body = spreadsheet.text(columns, [[row.get(column, "") for column in columns] for row in rows])
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="kundenbild-campaign-{campaign_id}.csv"'
    return response


@blueprint.post("/campaigns/<int:campaign_id>/responses")
@allow(*CUSTOMER_WORK)
def add_responses(campaign_id: int):
    """Read the mail tool's report of who opened, clicked, replied, unsubscribed or bounced."""
    target = url_for("campaigns.campaign", campaign_id=campaign_id) + "#responses"
    file, kind = request.files.get("file"), request.form.get("kind") or None
    if file is None or not file.filename:
        flash({"kind": "refused", "message": gettext("Please choose the report file.")}, "campaign")
        return redirect(target)
    name = PurePosixPath(file.filename.replace("\\", "/")).name
    try:
        done = responses.import_responses(store(), campaign_id, PurePosixPath(name), file.read(), kind, actor())
    except CdpError as refused:
        return _refused(refused, target)
    flash({"kind": "responses", "recorded": done.recorded, "unchanged": done.unchanged, "withdrawals": done.withdrawals,
           "skipped": len(done.skipped), "lines": [line.render(gettext) for line in done.skipped_lines()]}, "campaign")
    return redirect(target)
