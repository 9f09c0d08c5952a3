"""The one place that wires the hooks the core and the web need from the areas above them.

The core announces what happened (records imported) and asks what it may not
decide itself (from which date purchases are under a legal hold); identity
and consent answer. Nothing has a default: a command or an application built
without this wiring fails at once instead of, say, purging tax-held
purchases on a restore.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from cdp.cli import Wiring
from cdp.store import Store
from consent import retention
from identity.resolve import resolve_all, resolve_imported
from web.app import create_app


def legal_hold_since(store: Store) -> str | None:
    """From which date purchases of erased people are kept (the tax retention rule)."""
    return retention.cutoff(store, "purchases")


def wiring() -> Wiring:
    return Wiring(after_import=resolve_imported, resolve_all=resolve_all, legal_hold_since=legal_hold_since)


def app(test_config: dict[str, Any] | None = None) -> Flask:
    """The web application with its hooks, for tests and WSGI servers other than ``cdp serve``."""
    return create_app(app_hooks(wiring()) | (test_config or {}))


def app_hooks(wired: Wiring) -> dict[str, Any]:
    """The hooks of the web application, as its configuration carries them."""
    return {"AFTER_IMPORT": wired.after_import, "LEGAL_HOLD_SINCE": wired.legal_hold_since}
