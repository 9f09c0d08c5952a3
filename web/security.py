"""Response headers, cookies and the access check that runs before every view."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, g, redirect, request, url_for

from web import access
from web.context import is_htmx

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def configure_cookies(app: Flask) -> None:
    """HttpOnly, SameSite=Lax; Secure with the __Host- prefix behind TLS."""
    tls = app.config["TLS"]
    app.config.update(
        SESSION_COOKIE_NAME="__Host-kundenbild" if tls else "kundenbild",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=tls,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )


def enforce_access() -> Response | None:
    """Deny by default: sign-in redirect or 403 unless the view allows the user."""
    verdict = access.decision()
    if verdict == "sign-in":
        if request.path.startswith("/api/"):
            abort(401)
        if is_htmx():
            response = Response(status=401)
            response.headers["HX-Redirect"] = url_for("auth.sign_in", next=request.full_path.rstrip("?"))
            return response
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    if verdict == "forbidden":
        user = g.get("user")
        current_app.config["CDP_LOGGER"].warning(
            "forbidden endpoint=%s user_id=%s", request.endpoint, user.id if user else None
        )
        abort(403)
    return None


def add_headers(response: Response) -> Response:
    """Security headers on every response; no caching of pages with personal data."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Same-origin requests keep their Referer: over HTTPS the CSRF check requires one from this site.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["TLS"]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
