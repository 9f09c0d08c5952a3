"""Looking customers up: search as you type, the profile page, du/Sie."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cdp.errors import InvalidValue
from cdp.profiles import unified as profiles
from cdp.profiles.salutation import greeting
from cdp.staff.roles import ALL_STAFF
from identity import corrections, resolve
from web import consent
from web.access import allow
from web.context import actor, is_htmx, region, store

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
    found = profiles.search_for(store(), query, region(), actor()) if len(query) >= 2 else []
    visible = [profile for profile in found if _may_see(profile)]
    template = "_results.html" if is_htmx() else "search.html"
    return render_template(template, query=query, results=visible)


@blueprint.get("/profiles/<int:profile_id>")
@allow(*ALL_STAFF)
def show(profile_id: int):
    profile = profiles.read_for(store(), profile_id, actor(), g.user.role)
    return _page(profile, request.args.get("page", 1, type=int))


def _page(profile: profiles.Profile, page_number: int, error: str | None = None) -> str:
    """The whole profile page."""
    page = profiles.timeline(store(), profile.id, page_number)
    links = resolve.links_of(store(), profile.id)
    context = {"profile": profile, "page": page, "greetings": _greetings(profile), "links": links, "error": error}
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
    """Take a wrongly joined record out of this profile; later runs respect it."""
    profile = profiles.visible(store(), profile_id, g.user.role)
    if record_id not in {ref.record_id for ref in profile.sources}:
        abort(404)
    corrections.split_out(store(), profile_id, record_id, actor())
    return redirect(url_for("profiles.show", profile_id=profile_id))


@blueprint.post("/profiles/<int:profile_id>/join")
@allow(*ALL_STAFF)
def join(profile_id: int):
    """Join another profile (by its number) into this one."""
    other = request.form.get("other", type=int)
    if other is None or other == profile_id:
        abort(400)
    profiles.visible(store(), other, g.user.role)
    anchor = profiles.visible(store(), profile_id, g.user.role).sources[0].record_id
    corrections.join_profiles(store(), profile_id, other, actor())
    return redirect(url_for("profiles.show", profile_id=resolve.profile_of_record(store(), anchor)))


def _greetings(profile: profiles.Profile) -> dict[str, str]:
    return {language: greeting(profile.addressee(), language) for language in ("de", "en")}
