"""Signing in and out, choosing a language, and who is asking."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from cdp.staff import accounts, sessions, tokens
from cdp.staff.roles import ALL_STAFF
from web.access import allow, public
from web.context import store
from web.i18n import LANGUAGES

blueprint = Blueprint("auth", __name__)


def load_user() -> None:
    """Put the session's user (or the API token's holder) on ``g``.

    The API accepts only bearer tokens, never the session cookie, so a
    browser cannot be tricked into calling it with a staff member's rights.
    """
    g.user = None
    if request.path.startswith("/api/"):
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            g.user = tokens.holder(store(), token.strip())
        return
    token = session.get("sid")
    if token:
        g.user = sessions.session_user(store(), token)
        if g.user is None:
            session.clear()


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes to the start page."""
    if not target:
        return url_for("profiles.search")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("profiles.search")
    return target


@blueprint.route("/signin", methods=["GET", "POST"])
@public
def sign_in():
    """The sign-in form; a new session id on every successful sign-in."""
    error = None
    status = 200
    name = request.form.get("name", "").strip()
    if request.method == "POST":
        try:
            user = accounts.sign_in(store(), name, request.form.get("password", ""), request.remote_addr or "?")
        except accounts.SignInFailed:
            error, status = _("The user name or the password is wrong."), 401
        except accounts.SignInLimited:
            error, status = _("Too many failed sign-ins. Please wait a few minutes and try again."), 429
        else:
            session.clear()
            session["sid"] = sessions.start_session(store(), user)
            current_app.config["CDP_LOGGER"].info("sign-in user_id=%s", user.id)
            return redirect(_safe_next(request.form.get("next")))
        current_app.config["CDP_LOGGER"].warning("sign-in refused status=%s", status)
    return render_template("signin.html", error=error, name=name, next=request.values.get("next", "")), status


@blueprint.post("/signout")
@allow(*ALL_STAFF)
def sign_out():
    token = session.get("sid")
    if token:
        sessions.end_session(store(), token)
    session.clear()
    return redirect(url_for("auth.sign_in"))


@blueprint.post("/language")
@public
def choose_language():
    """Keep the chosen language for the user (or the browser session)."""
    language = request.form.get("language")
    if language in LANGUAGES:
        session["language"] = language
        if g.user is not None:
            accounts.set_language(store(), g.user.id, language)
    return redirect(_safe_next(request.form.get("next")))
