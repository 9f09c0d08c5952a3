"""The customer list with the segment builder: browse, filter, sort, count, save as a segment, export.

The definition being looked at travels in the address (``?segment=3`` for a saved one, ``?definition=``
its JSON while it is built), so every list is a link that can be kept, reloaded and paged without
JavaScript. The builder is a form (``web.segment_form``): its buttons post it back and the page comes back
with the change; htmx posts it as it changes and swaps in the builder with its live count. Exports go
through the consent gate for exactly the purpose and channel chosen, say how many were left out and why,
and are audited.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from cdp import config, spreadsheet
from cdp.errors import CdpError, InvalidValue
from cdp.profiles import unified as profiles
from cdp.profiles.unified import SEES_RESTRICTED
from cdp.staff.roles import ALL_STAFF, CUSTOMER_WORK
from consent import ledger
from consent import segments as exports
from marketing import customers, segments
from marketing import store as marketing_store
from marketing.segments import Group, InvalidDefinition
from web import segment_form
from web.access import allow
from web.context import actor, is_htmx, store

blueprint = Blueprint("customers", __name__, url_prefix="/customers")
COLUMNS = ("name", "city", "sources", "orders", "revenue", "last_purchase", "address_form")


def _with_restricted() -> bool:
    return g.user.role in SEES_RESTRICTED


def _chosen() -> tuple[Group, marketing_store.SavedSegment | None]:
    """The definition the address names, and the saved segment it is (or is being edited from): a definition
    being built, else the saved segment's newest version, else everyone."""
    saved, group = None, segments.EVERYONE
    if request.values.get("segment", "").isdigit():
        saved, group = customers.load_segment(store(), int(request.values["segment"]))
    text = request.values.get("definition", "")
    return (segments.loads(text) if text else group), saved


@blueprint.get("")
@allow(*ALL_STAFF)
def index():
    """The list of the chosen definition: a page of it, sorted, with the builder above."""
    try:
        group, saved = _chosen()
    except CdpError as refused:
        return _page(segments.EVERYONE, None, error=refused.render(gettext), status=400)
    return _page(group, saved)


@blueprint.post("/builder")
@allow(*ALL_STAFF)
def builder():
    """One step of the builder: a row added or removed, a value changed. htmx gets the builder with its live
    count; a plain form the whole page with the list of the definition as it now stands."""
    data = segment_form.changed(request.form, request.form.get("action", ""))
    saved = _saved_or_none()
    try:
        group = segments.parse(data)
        count = customers.count(store(), group, _with_restricted())
        errors: dict[str, str] = {}
    except InvalidDefinition as refused:
        group, count = None, None
        errors = {segment_form.row_of(refused.field): refused.reason.render(gettext)}
    if is_htmx():
        return render_template("_segment_builder.html", **_builder(data, group, count, errors, saved))
    if group is None:
        return _page(segments.EVERYONE, saved, builder=_builder(data, None, None, errors, saved), status=422)
    return redirect(url_for("customers.index", **_naming(group, saved)) + "#builder")


def _naming(group: Group, saved: marketing_store.SavedSegment | None) -> dict:
    """The address arguments of a definition: the saved segment's number, and the definition unless it is
    the saved one as it stands (or everyone)."""
    address = {"segment": saved.id} if saved else {}
    unchanged = saved is not None and segments.loads(saved.definition) == group
    if group.conditions and not unchanged:
        address["definition"] = json.dumps(group.as_data(), ensure_ascii=False, separators=(",", ":"))
    return address


def _saved_or_none() -> marketing_store.SavedSegment | None:
    segment_id = request.form.get("segment", "")
    return customers.load_segment(store(), int(segment_id))[0] if segment_id.isdigit() else None


@blueprint.post("/segments")
@allow(*CUSTOMER_WORK)
def save():
    """Save the definition as a segment (a new one, or the next version of the one being edited)."""
    saved = _saved_or_none()
    data = segment_form.definition_from(request.form)
    try:
        group = segments.parse(data)
        segment_id = customers.save_segment(store(), request.form.get("name", ""), group, actor(),
                                            saved.id if saved else None)  # fmt: skip
    except CdpError as refused:
        at = segment_form.row_of(refused.field) if isinstance(refused, InvalidDefinition) else "name"
        errors = {at: (refused.reason if isinstance(refused, InvalidValue) else refused).render(gettext)}
        builder_state = _builder(data, None, None, errors, saved, name=request.form.get("name", ""))
        return _page(segments.EVERYONE, saved, builder=builder_state, status=422)
    flash({"kind": "saved", "segment": segment_id}, "segment")
    return redirect(url_for("customers.index", segment=segment_id))


@blueprint.post("/export")
@allow(*CUSTOMER_WORK)
def export():
    """The chosen definition's people who may be contacted for a purpose by a channel, as CSV."""
    try:
        group, _saved = _chosen()
        purpose, channel = request.form.get("purpose", ""), request.form.get("channel", "")
        ledger.check(purpose, channel, "granted", "consent")
        chosen = customers.audience_ids(store(), group)
        rows, audience = exports.contacts(store(), purpose, channel, actor(), chosen)
    except CdpError as refused:
        flash({"kind": "refused", "message": refused.render(gettext)}, "segment")
        return redirect(url_for("customers.index", **_address()))
    columns = [*exports.COLUMNS, *exports.ADDRESS_OF[channel]]
    body = spreadsheet.text(columns, [[row.get(column, "") for column in columns] for row in rows])
    name = f"kundenbild-{purpose}-{channel}-{date.today().isoformat()}.csv"
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Left-Out"] = json.dumps(audience.left_out, sort_keys=True)
    return response


@blueprint.get("/why/<int:profile_id>")
@allow(*ALL_STAFF)
def why(profile_id: int):
    """Which conditions of the chosen definition hold for one person, and so whether they are in or out."""
    person = profiles.visible(store(), profile_id, g.user.role)
    group, saved = _chosen()
    explained = customers.explain(store(), group, profile_id)
    return render_template("segment_why.html", person=person, explained=explained, saved=saved,
                           address=_address(), labels=segment_form.FIELD_LABELS,
                           ops=segment_form.OP_LABELS)  # fmt: skip


def _address() -> dict:
    """The address arguments that name the chosen definition (for links that keep it)."""
    return {name: request.values[name] for name in ("segment", "definition") if request.values.get(name)}


def _builder(data: dict, group: Group | None, count: int | None, errors: dict[str, str],
             saved: marketing_store.SavedSegment | None, name: str = "") -> dict:  # fmt: skip
    """What ``_segment_builder.html`` needs."""
    shown = group if group is not None else _lenient(data)
    return {
        "definition": shown, "rows": segment_form.rows(shown), "count": count, "errors": errors, "saved": saved,
        "name": name or (saved.name if saved else ""), "json": json.dumps(data, ensure_ascii=False),
        "fits": segment_form.fits_the_builder(shown), "labels": segment_form.FIELD_LABELS,
        "ops": segment_form.OP_LABELS, "row_label": segment_form.row_label, "fields": segments.FIELDS,
        "operators": segments.OPERATORS,
        "purposes": config.purposes(), "channels": ledger.CHANNELS, "kinds": segments.KINDS,
        "sources": customers.source_names(store()), "segments": customers.saved(store()),
    }  # fmt: skip


def _lenient(data: dict) -> Group:
    """The rows of a definition that does not parse, as far as they go, so the builder can show them with
    the error beside the wrong one."""
    items = []
    for item in data.get("conditions", []):
        if "conditions" in item:
            inner = tuple(segments.Condition(c.get("field", ""), c.get("op", ""), c.get("value"))
                          for c in item["conditions"])  # fmt: skip
            items.append(Group(item.get("match", "all"), inner, bool(item.get("exclude"))))
        else:
            items.append(segments.Condition(item.get("field", ""), item.get("op", ""), item.get("value")))
    return Group(data.get("match", "all"), tuple(items))


def _page(group: Group, saved, error: str | None = None, builder: dict | None = None, status: int = 200):
    """The whole page: builder, count, list, pager and export."""
    sort = request.args.get("sort", "last_activity")
    descending = request.args.get("order", "desc") != "asc"
    page = customers.customer_page(store(), group, actor(), _with_restricted(), sort, descending,
                                   request.args.get("page", 1, type=int))  # fmt: skip
    state = builder or _builder(group.as_data(), group, page.total, {}, saved)
    address = _naming(group, saved)
    return render_template("customers.html", page=page, error=error, address=address, **state), status
