"""Retention rules per data category, and the run that applies them.

Each rule says how many months a category is kept and why. A run finds what
is due, and deletes it in small units of work, each audited, so it can be
interrupted at any point and simply run again (it recomputes what is due).
A dry run lists what a run would do and changes nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date

from cdp import erasure, logs
from cdp.errors import InvalidValue
from cdp.store import Store
from consent import repository
from consent.deadlines import add_months

BATCH = 5000  # one commit per batch: small enough to interrupt, large enough not to wait on fsync


@dataclass(frozen=True)
class Rule:
    category: str
    months: int
    legal_reason: str


DEFAULTS = (
    Rule("purchases", 120, "Tax law: accounting records are kept 10 years (§147 AO, §257 HGB)."),
    Rule("support_tickets", 36, "Regular limitation period of 3 years for claims (§195 BGB), from the last contact."),
    Rule("messages_and_posts", 24, "Storage limitation (Art. 5(1)(e) GDPR): social posts and messages, 2 years."),
    Rule("prospects_without_consent", 6, "Prospects who never bought and never consented: 6 months, then erased."),
)
CATEGORIES = tuple(rule.category for rule in DEFAULTS)


def rules(store: Store) -> list[Rule]:
    """The rules in force: the DPO's where set, the defaults otherwise."""
    stored = {row["category"]: Rule(**row) for row in repository.retention_rules(store)}
    return [stored.get(rule.category, rule) for rule in DEFAULTS]


def set_rule(store: Store, category: str, months: int, legal_reason: str, actor: str) -> None:
    if category not in CATEGORIES:
        raise InvalidValue("category", f"expected one of {', '.join(CATEGORIES)}")
    if not 1 <= months <= 1200:
        raise InvalidValue("months", "expected 1 to 1200 months")
    if not legal_reason.strip():
        raise InvalidValue("legal_reason", "every rule needs its legal reason")
    repository.set_retention_rule(store, category, months, legal_reason.strip(), actor)


def cutoff(store: Store, category: str, today: date | None = None) -> str:
    """The ISO date before which data of ``category`` is due."""
    months = next(rule.months for rule in rules(store) if rule.category == category)
    return add_months(today or date.today(), -months).isoformat()


def hold_reason(store: Store) -> str:
    return next(rule.legal_reason for rule in rules(store) if rule.category == "purchases")


@dataclass(frozen=True)
class Due:
    """What one category has due: ids of interactions or of profiles."""

    category: str
    cutoff: str
    ids: list[int]


def due(store: Store, today: date | None = None) -> list[Due]:
    """Everything the rules make due now."""
    found = []
    for category in CATEGORIES:
        since = cutoff(store, category, today)
        if category == "prospects_without_consent":
            ids = repository.idle_prospects(store, since)
        else:
            ids = repository.old_interactions(store, category, since)
        found.append(Due(category, since, ids))
    return found


def run(store: Store, actor: str, dry_run: bool = False, today: date | None = None) -> list[Due]:
    """Delete (or, dry, only list) what is due; returns what was due."""
    found = due(store, today)
    if dry_run:
        return found
    for item in found:
        if item.category == "prospects_without_consent":
            for profile_id in item.ids:
                erasure.erase_profile(store, profile_id, actor, keep_purchases_since=None, suppress=False)
        else:
            for start in range(0, len(item.ids), BATCH):
                repository.delete_interactions(store, item.ids[start : start + BATCH], item.category, actor)
    return found


def keep_running(store: Store, hours: int, logger: logging.Logger, stop: threading.Event) -> threading.Thread:
    """Run retention now and every ``hours`` hours in a background thread, until ``stop`` is set.

    A failed run is logged (without its message, which could hold data) and
    the next one simply tries again.
    """

    def loop() -> None:
        while not stop.is_set():
            try:
                found = run(store, "scheduler")
                logger.info("retention run: %s", ", ".join(f"{item.category}={len(item.ids)}" for item in found))
            except Exception as error:
                logger.error("retention run failed: %s", logs.crash_summary(error))
            stop.wait(hours * 3600)

    thread = threading.Thread(target=loop, name="retention", daemon=True)
    thread.start()
    return thread
