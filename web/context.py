"""What a view needs from the running application: the store and the actor."""

from __future__ import annotations

from flask import current_app, g

from cdp.store import Store


def store() -> Store:
    """The store of the running application."""
    return current_app.extensions["cdp_store"]


def actor() -> str:
    """The name written to the audit log for the current request."""
    user = g.get("user")
    return user.name if user is not None else "anonymous"


def region() -> str:
    return current_app.config["REGION"]
