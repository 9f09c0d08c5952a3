"""The one place that wires the hooks the core and the web need from the areas above them.

The core announces what happened (records imported) and asks what it may not
decide itself (from which date purchases are under a legal hold); identity
and consent answer. Nothing has a default: a command or an application built
without this wiring fails at once instead of, say, purging tax-held
purchases on a restore.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from cdp.cli import Wiring
from cdp.store.database import Store
from consent import erasure, imports, ledger, retention
from identity.resolve import resolve_all, resolve_imported
from marketing import campaigns
from marketing import demo as marketing_demo
from web.app import create_app

# The message catalogues of every layer (web pages, core and area errors); the web and the CLI render from them.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def legal_hold_since(store: Store) -> str | None:
    """From which date purchases of erased people are kept (the tax retention rule)."""
    return retention.cutoff(store, "purchases")


def finish_erasures(store: Store) -> int:
    """Finish an erasure a crash interrupted after its keys were destroyed."""
    return erasure.finish_interrupted(store, legal_hold_since(store))


def replay_erasures(store: Store, actor: str) -> int:
    """Purge again, on a restored store, every record whose key was destroyed."""
    return erasure.replay(store, actor, keep_purchases_since=legal_hold_since(store))


def import_consent(store: Store, path: Path, data: bytes, purpose: str, channel: str, actor: str) -> int:
    """Record the consent events of a newsletter tool's export; returns how many were recorded."""
    return imports.import_consent_data(store, path, data, purpose, channel, actor).recorded


def held_by_areas(store: Store, profile_id: int) -> dict:
    """What marketing holds about a person (lists and campaigns), for their access report."""
    return {"campaigns": campaigns.held_about(store, profile_id)}


def wiring() -> Wiring:
    """The hooks of the core's commands and of the web. Staff corrections of identity (``identity.corrections``)
    keep consent with the records they move: identity does not know consent, so the web hands them the consent
    ledger's ``keep_withdrawals`` from here."""
    return Wiring(
        after_import=resolve_imported,
        resolve_all=resolve_all,
        finish_erasures=finish_erasures,
        replay_erasures=replay_erasures,
        translations=TRANSLATIONS,
        records_moved=ledger.keep_withdrawals,
        import_consent=import_consent,
        add_to_demo=marketing_demo.add_campaigns,
        held_by_areas=held_by_areas,
    )


def app(test_config: dict[str, Any] | None = None) -> Flask:
    """The web application with its hooks, for tests and WSGI servers other than ``cdp serve``."""
    return create_app({"WIRING": wiring(), **(test_config or {})})
