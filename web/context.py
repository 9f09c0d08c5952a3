"""What a view needs from the running application and the request: the store, the actor, htmx or not."""

from __future__ import annotations

from flask import current_app, g, request

from cdp.cli import Wiring
from cdp.store.database import Store


def store() -> Store:
    """The store of the running application."""
    return current_app.extensions["cdp_store"]


def wiring() -> Wiring:
    """The hooks the application was built with (``kundenbild.bootstrap``)."""
    return current_app.config["WIRING"]


def actor() -> str:
    """The name written to the audit log for the current request."""
    user = g.get("user")
    return user.name if user is not None else "anonymous"


def region() -> str:
    return current_app.config["REGION"]


def is_htmx() -> bool:
    """Whether htmx sent the request (it sets ``HX-Request: true``), so a fragment is answered, not a page."""
    return request.headers.get("HX-Request") == "true"
