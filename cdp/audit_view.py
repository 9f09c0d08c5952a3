"""Reading the audit log page by page, for the DPO."""

from __future__ import annotations

import math

from sqlalchemy import func, select

from cdp import audit
from cdp.profiles.unified import Page
from cdp.store.database import Store
from cdp.store.schema import audit_log

PER_PAGE = 50


def page(store: Store, number: int = 1) -> Page:
    with store.read() as connection:
        total = connection.execute(select(func.count()).select_from(audit_log)).scalar_one()
        pages = max(1, math.ceil(total / PER_PAGE))
        number = min(max(1, number), pages)
        rows = connection.execute(
            select(audit_log).order_by(audit_log.c.id.desc()).limit(PER_PAGE).offset((number - 1) * PER_PAGE)
        ).all()
    return Page(rows, number, pages, total)


def verify(store: Store) -> audit.Verdict:
    """The audit chain checked against the vault's anchor."""
    vault = store.personal.vault
    with store.read() as connection:
        return audit.verify(connection, vault.meta("audit_key"), vault.anchor())
