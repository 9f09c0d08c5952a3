"""A large import is resolved by the batch run, a small one record by record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cdp.ingest.pipeline import import_data
from cdp.records import records
from cdp.store.database import Store
from cdp.store.schema import audit_log
from identity import resolve

CONTACTS = "ID;Vorname;Nachname;E-Mail\n" + "".join(
    f"K{number};Anna{number};Albrecht;a{number}@example.org\n" for number in range(6)
) + "K9;Anna0;Albrecht;a0@example.org\n"  # fmt: skip


def _resolutions(store: Store) -> list[dict]:
    with store.read() as connection:
        rows = connection.execute(select(audit_log.c.details).where(audit_log.c.action == "resolve")).scalars()
        return [json.loads(details) for details in rows]


@pytest.mark.parametrize(("batch_from", "batch"), [(5, True), (100, False)])
def test_the_follow_up_of_an_import_takes_the_batch_path_from_a_size_on(
    store: Store, monkeypatch: pytest.MonkeyPatch, batch_from: int, batch: bool
) -> None:
    monkeypatch.setattr(resolve, "BATCH_FROM", batch_from)
    ran: list[str] = []
    batch_run = resolve.resolve_all
    monkeypatch.setattr(
        resolve, "resolve_all", lambda *args, **kwargs: ran.append("batch") or batch_run(*args, **kwargs)
    )
    import_data(store, "c.csv", CONTACTS.encode(), "webshop", after_import=resolve.resolve_imported)
    assert ran == (["batch"] if batch else [])
    assert _resolutions(store)[-1]["moved"] == 1
    with store.read() as tx:
        assert len({record.profile_id for record in records(tx, store.personal).values()}) == 6
