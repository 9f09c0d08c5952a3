"""Turning every error into a page, an htmx fragment or the API's JSON shape.

Users never see a traceback: unexpected errors are logged as a message-free
crash record (``cdp.logs.crash_summary``) and answered with a generic page.
A ``CdpError`` is shown in the reader's language: its template and
parameters are rendered with Flask-Babel's ``gettext``.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cdp import logs
from cdp.errors import CdpError
from web.context import is_htmx


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to see this page."),
        404: _("There is nothing here."),
        405: _("This action is not possible here."),
        413: _("The upload is too large."),
        422: _("Some values are not valid."),
        429: _("Too many requests. Please wait a moment."),
        500: _("Something went wrong on our side."),
        503: _("Kundenbild cannot reach its store right now."),
    }


def respond(status: int, message: str | None = None):
    """The one way an error leaves the application."""
    if request.path.startswith("/api/"):
        text = message or _titles().get(status, "Error")
        return jsonify({"error": {"status": status, "message": text}}), status
    title = _titles().get(status, _("Something went wrong on our side."))
    template = "_error.html" if is_htmx() else "error.html"
    return render_template(template, status=status, title=title, message=message), status


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, lambda error: respond(400, _("The form had expired. Please try again.")))
    app.register_error_handler(413, too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CdpError, lambda error: respond(error.http_status, error.render(_)))
    app.register_error_handler(Exception, _unexpected)


def too_large_message() -> str:
    """What a too large upload is told: the limit, in the reader's language."""
    return _("The file is larger than the limit of %(limit)d MB.", limit=current_app.config["MAX_UPLOAD_MB"])


def too_large(_error: HTTPException):
    return respond(413, too_large_message())


def _http_error(error: HTTPException):
    custom = error.description if request.path.startswith("/api/") and error.code == 400 else None
    return respond(error.code or 500, custom)


def _unexpected(error: Exception):
    current_app.config["CDP_LOGGER"].error("crash: %s", logs.crash_summary(error))
    return respond(500)
