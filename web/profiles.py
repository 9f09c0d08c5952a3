"""Looking customers up: search as you type, the profile page, du/Sie, and staff corrections of identity.

A correction (split out, join, undo) is a plain form; it redirects to the profile with its result flashed
(Flask's ``flash``, shown by ``profile.html``): where the records went, with links, or why nothing was done.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cdp.errors import N_, CdpError, InvalidValue
from cdp.normalise import NETWORKS
from cdp.profiles import unified as profiles
from cdp.profiles.salutation import greeting
from cdp.staff.roles import ALL_STAFF
from identity import corrections, resolve
from marketing import customers, offers
from web import consent
from web.access import allow
from web.context import actor, is_htmx, region, store, wiring

RESULTS = 20
blueprint = Blueprint("profiles", __name__)


def _may_see(profile: profiles.Profile) -> bool:
    return profiles.visible_to(profile, g.user.role)


@blueprint.get("/")
@allow(*ALL_STAFF)
def home():
    return redirect(url_for("profiles.search"))


@blueprint.get("/profiles")
@allow(*ALL_STAFF)
def search():
    """The search page, or only its results for htmx."""
    query = request.args.get("q", "").strip()
    limit = min(max(request.args.get("limit", RESULTS, type=int), 1), profiles.CANDIDATES)
    found = profiles.search_for(store(), query, region(), actor(), limit) if len(query) >= 2 else None
    hits = [hit for hit in found.hits if _may_see(hit.profile)] if found else []
    template = "_results.html" if is_htmx() else "search.html"
    return render_template(template, query=query, hits=hits, total=found.total if found else 0,
                           candidates=profiles.CANDIDATES,
                           more=min(found.total, profiles.CANDIDATES) > limit if found else False)  # fmt: skip


@blueprint.get("/profiles/<int:profile_id>")
@allow(*ALL_STAFF)
def show(profile_id: int):
    profile = profiles.read_for(store(), profile_id, actor(), g.user.role)
    return _page(profile, request.args.get("page", 1, type=int))


def _page(profile: profiles.Profile, page_number: int, error: str | None = None) -> str:
    """The whole profile page."""
    page = profiles.timeline(store(), profile.id, page_number)
    links = resolve.links_of(store(), profile.id)
    history = corrections.history_of(store(), profile.id)
    figures = customers.figures_of(store(), profile.id)
    context = {"profile": profile, "page": page, "greetings": _greetings(profile), "links": links, "error": error,
               "history": history, "figures": figures, "activity": customers.activity(figures, date.today()),
               "offers": offers.next_best(store(), profile.id),
               "networks": [kind for kind, _, _ in profile.identifiers if kind in NETWORKS]}  # fmt: skip
    return render_template("profile.html", **context, **consent.panel(profile.id))


@blueprint.get("/profiles/<int:profile_id>/timeline")
@allow(*ALL_STAFF)
def timeline(profile_id: int):
    profile = profiles.visible(store(), profile_id, g.user.role)
    page = profiles.timeline(store(), profile_id, request.args.get("page", 1, type=int))
    if is_htmx():
        return render_template("_timeline.html", profile=profile, page=page)
    return redirect(url_for("profiles.show", profile_id=profile_id, page=page.number))


@blueprint.post("/profiles/<int:profile_id>/salutation")
@allow(*ALL_STAFF)
def salutation(profile_id: int):
    """Save how the person is addressed; htmx swaps in the new greeting."""
    profiles.visible(store(), profile_id, g.user.role)
    form = request.form
    try:
        profiles.set_salutation(
            store(),
            profile_id,
            actor(),
            address_form=form.get("address_form", "unknown"),
            title=form.get("title"),
            gender=form.get("gender") or None,
            language=form.get("language") or None,
        )
    except InvalidValue:
        error = _("Please choose one of the offered values.")
        return _salutation_response(profile_id, error), 422
    if not is_htmx():
        return redirect(url_for("profiles.show", profile_id=profile_id))
    return _salutation_response(profile_id, None)


def _salutation_response(profile_id: int, error: str | None) -> str:
    """The salutation fragment for htmx; the whole profile page otherwise."""
    profile = profiles.load(store(), profile_id)
    if is_htmx():
        return render_template("_salutation.html", profile=profile, greetings=_greetings(profile), error=error)
    return _page(profile, 1, error)


@blueprint.post("/profiles/<int:profile_id>/split/<int:record_id>")
@allow(*ALL_STAFF)
def split(profile_id: int, record_id: int):
    """Take a wrongly joined record out of this profile into one of its own; later runs respect it."""
    profile = profiles.visible(store(), profile_id, g.user.role)
    if record_id not in {ref.record_id for ref in profile.sources}:
        abort(404)
    try:
        done = corrections.split_out(store(), profile_id, record_id, actor(), wiring().records_moved)
    except CdpError as refused:
        return _refused(profile_id, refused)
    flash({"kind": "split", "record": record_id, "profile": done.profile_of[record_id], "carried": done.carried},
          "identity")  # fmt: skip
    return redirect(url_for("profiles.show", profile_id=profile_id) + "#identity")


@blueprint.post("/profiles/<int:profile_id>/join")
@allow(*ALL_STAFF)
def join(profile_id: int):
    """Join another profile (by its number) into this one; a join that cannot be done says why."""
    profiles.visible(store(), profile_id, g.user.role)
    other = request.form.get("other", type=int)
    try:
        if other is None:
            raise InvalidValue("other", N_("give the number of the other profile"))
        profiles.visible(store(), other, g.user.role)
        done = corrections.join_profiles(store(), profile_id, other, actor(), wiring().records_moved)
    except CdpError as refused:
        return _refused(profile_id, refused)
    joined = done.profile_of[min(done.profile_of)]
    flash({"kind": "join", "profile": joined, "profiles": [profile_id, other]}, "identity")
    return redirect(url_for("profiles.show", profile_id=joined) + "#identity")


@blueprint.post("/profiles/<int:profile_id>/history/<int:event_id>/undo")
@allow(*ALL_STAFF)
def undo(profile_id: int, event_id: int):
    """Undo one event of the profile's identity history, putting back exactly the state before it."""
    profiles.visible(store(), profile_id, g.user.role)
    event = next((event for event in corrections.history_of(store(), profile_id) if event.id == event_id), None)
    if event is None:
        abort(404)
    concerned = {*event.profiles_before, *event.profiles_after}
    if not all(profiles.visible_to(one, g.user.role) for one in profiles.load_many(store(), sorted(concerned))):
        abort(404)
    try:
        done = corrections.undo(store(), event_id, actor(), wiring().records_moved)
    except CdpError as refused:
        return _refused(profile_id, refused)
    flash({"kind": "undo", "event": event_id, "profiles": done.profiles, "carried": done.carried}, "identity")
    target = profile_id if profile_id in done.profiles else done.profiles[0]
    return redirect(url_for("profiles.show", profile_id=target) + "#identity")


def _refused(profile_id: int, refused: CdpError):
    """Back to the profile, saying why nothing was done."""
    flash({"kind": "refused", "message": refused.render(_)}, "identity")
    return redirect(url_for("profiles.show", profile_id=profile_id) + "#identity")


def _greetings(profile: profiles.Profile) -> dict[str, str]:
    return {language: greeting(profile.addressee(), language) for language in ("de", "en")}
