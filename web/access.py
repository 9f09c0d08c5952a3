"""Who may use which route: every view declares its roles, the rest is denied.

``@allow("sales", "dpo")`` records the roles on the view function;
``@public`` marks the few routes that need no sign-in. ``check`` runs before
every request: an undeclared endpoint is refused for everyone, so a route
added without a declaration cannot leak (and the route × role test fails).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request

from cdp.staff.roles import ROLES

View = TypeVar("View", bound=Callable)
PUBLIC = "public"
# Flask's own static-file view cannot carry a declaration.
PUBLIC_ENDPOINTS = frozenset({"static"})


def allow(*roles: str) -> Callable[[View], View]:
    """Let signed-in users with one of ``roles`` use the view."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown or no roles: {sorted(unknown)}")

    def declare(view: View) -> View:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return declare


def public(view: View) -> View:
    """Let anyone use the view, signed in or not."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def declared_roles(endpoint: str | None) -> frozenset[str] | str | None:
    """What the endpoint declared, or ``None`` when it declared nothing."""
    if endpoint is None:
        return None
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def decision() -> str:
    """``ok``, ``sign-in`` (no user yet) or ``forbidden`` for this request."""
    roles = declared_roles(request.endpoint)
    if roles == PUBLIC:
        return "ok"
    if roles is None:
        return "forbidden" if request.endpoint else "ok"
    user = g.get("user")
    if user is None:
        return "sign-in"
    return "ok" if user.role in roles else "forbidden"
