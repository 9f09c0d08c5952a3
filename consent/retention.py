"""Retention rules per data category, and the run that applies them.

Each rule says how many months a category is kept and why. A run finds what
is due, and deletes it in small units of work, each audited, so it can be
interrupted at any point and simply run again (it recomputes what is due).
Each unit checks again, under its write lock, which of its batch are still
due and deletes only those. A dry run lists what a run would do and changes
nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from cdp import logs
from cdp.errors import N_, InvalidValue
from cdp.store.database import Store
from consent import erasure, repository
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
    with store.read() as tx:
        return rules_in(tx)


def rules_in(tx: Connection) -> list[Rule]:
    """``rules``, read inside the caller's unit of work ``tx``."""
    stored = {row["category"]: Rule(**row) for row in repository.retention_rules(tx)}
    return [stored.get(rule.category, rule) for rule in DEFAULTS]


def set_rule(store: Store, category: str, months: int, legal_reason: str, actor: str) -> None:
    if category not in CATEGORIES:
        raise InvalidValue("category", N_("expected one of {choices}"), choices=", ".join(CATEGORIES))
    if not 1 <= months <= 1200:
        raise InvalidValue("months", N_("expected 1 to 1200 months"))
    if not legal_reason.strip():
        raise InvalidValue("legal_reason", N_("every rule needs its legal reason"))
    with store.write() as tx:
        repository.set_retention_rule(tx, category, months, legal_reason.strip(), actor)


def cutoff(store: Store, category: str, today: date | None = None) -> str:
    """The ISO date before which data of ``category`` is due."""
    return due_before(rules(store), category, today)


def due_before(in_force: list[Rule], category: str, today: date | None = None) -> str:
    """``cutoff`` under the rules ``in_force``."""
    months = next(rule.months for rule in in_force if rule.category == category)
    return add_months(today or date.today(), -months).isoformat()


def hold_reason(in_force: list[Rule]) -> str:
    """Why purchases are kept, under the rules ``in_force``."""
    return next(rule.legal_reason for rule in in_force if rule.category == "purchases")


@dataclass(frozen=True)
class Due:
    """What one category has due: ids of interactions or of profiles."""

    category: str
    cutoff: str
    ids: list[int]


def due(store: Store, today: date | None = None) -> list[Due]:
    """Everything the rules make due now (one read unit: the rules and what they make due agree)."""
    found = []
    with store.read() as tx:
        in_force = rules_in(tx)
        for category in CATEGORIES:
            since = due_before(in_force, category, today)
            if category == "prospects_without_consent":
                ids = repository.idle_prospects(tx, since)
            else:
                ids = repository.old_interactions(tx, category, since)
            found.append(Due(category, since, ids))
    return found


def run(store: Store, actor: str, dry_run: bool = False, today: date | None = None) -> list[Due]:
    """Delete (or, dry, only list) what is due; returns what was due.

    A unit of work per batch of interactions and per prospect, so that the
    write lock is never held long; each checks again which of its ids are
    still due under the cutoff and deletes those, in the same unit.
    """
    found = due(store, today)
    if dry_run:
        return found
    for item in found:
        if item.category == "prospects_without_consent":
            for profile_id in item.ids:
                with store.write() as tx:
                    if repository.idle_prospects(tx, item.cutoff, among=[profile_id]):
                        erasure.purge_profile(store, tx, profile_id, actor, keep_purchases_since=None, suppress=False)
        else:
            for start in range(0, len(item.ids), BATCH):
                batch = item.ids[start : start + BATCH]
                with store.write() as tx:
                    still = repository.old_interactions(tx, item.category, item.cutoff, among=batch)
                    if still:
                        repository.delete_interactions(tx, still, item.category, actor)
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
