"""Identity resolution against a real store: joins, the household guard, staff decisions."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from cdp import audit
from cdp import records as source_records
from cdp.config import Paths
from cdp.ingest.pipeline import import_file
from cdp.records import Record
from cdp.store.database import Store, create_store, open_store
from cdp.store.keys import create_key_file, load_master_key
from cdp.store.personal import SealBroken
from identity import blocking_keys, review_queue
from identity import model as match_model
from identity import store as identity_store
from identity.corrections import settle, split_out
from identity.resolve import MODEL, MODEL_VERSION, OUTDATED, links_of, resolve_all, resolve_new
from kundenbild import bootstrap
from tests.helpers import count_rows, write_file

MOVED = bootstrap.wiring().records_moved  # the corrections as the program runs them: consent follows the records

SHOP = (
    "ID;Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort;Geburtsdatum\n"
    "S1;Max;Müller;max@example.de;030 1111111;Hauptstraße 5;10115;Berlin;04.03.1980\n"
    "S2;Anna;Müller;anna@example.de;030 1111111;Hauptstraße 5;10115;Berlin;01.07.1982\n"
    "S3;Eva;Schmidt;eva@example.org;;Ölweg 2;80331;München;24.12.1975\n"
)
NEWSLETTER = (
    "ID;Vorname;Nachname;E-Mail\n"
    "N1;Maximilian;Mueller;MAX@example.de\n"
    "N2;Tom;Smith;eva@example.org\n"
    "N3;Paul;Müller;paul@example.de\n"
)


@pytest.fixture
def shop_and_newsletter(store: Store, tmp_path: Path) -> Store:
    import_file(store, write_file(tmp_path, "shop.csv", SHOP), "shop")
    import_file(store, write_file(tmp_path, "nl.csv", NEWSLETTER), "newsletter")
    return store


def all_records(store: Store) -> dict[int, Record]:
    with store.read() as tx:
        return source_records.records(tx, store.personal)


def records_of_profile(store: Store, profile_id: int) -> list[int]:
    with store.read() as tx:
        return source_records.records_of_profiles(tx, [profile_id])


def decisions(store: Store) -> dict[tuple[int, int], str]:
    with store.read() as tx:
        return identity_store.decisions(tx)


def without_keys(store: Store) -> list[int]:
    with store.read() as tx:
        return blocking_keys.records_without_keys(tx)


def key_totals(store: Store) -> dict[int, int]:
    with store.read() as tx:
        return blocking_keys.totals(tx)


def people(store: Store) -> set[frozenset[str]]:
    """Profiles as sets of ``source:id``."""
    groups: dict[int, set[str]] = {}
    for record in all_records(store).values():
        groups.setdefault(record.profile_id, set()).add(f"{record.source}:{record.source_id}")
    return {frozenset(group) for group in groups.values()}


def test_shared_email_joins_across_sources_with_nickname_and_spelling(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    assert frozenset({"shop:S1", "newsletter:N1"}) in people(shop_and_newsletter)


def test_household_sharing_a_landline_stays_apart(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    assert not any({"shop:S1", "shop:S2"} <= group for group in people(shop_and_newsletter))


def test_shared_email_with_a_different_first_name_is_not_joined(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    assert frozenset({"shop:S3"}) in people(shop_and_newsletter)


def test_evidence_is_kept_for_every_join(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    [merged] = [record.profile_id for record in all_records(shop_and_newsletter).values() if record.source_id == "N1"]
    [link] = links_of(shop_and_newsletter, merged)
    assert link.evidence["shared"] == ["email"]
    assert link.evidence["first_name"] == "nickname" and link.evidence["last_name"] == "exact"


def test_staff_apart_is_never_undone_and_staff_join_always_holds(shop_and_newsletter: Store) -> None:
    ids = {record.source_id: record.id for record in all_records(shop_and_newsletter).values()}
    with shop_and_newsletter.write() as tx:
        identity_store.decide(tx, [(ids["S1"], ids["N1"])], "apart", actor="dpo")
    with shop_and_newsletter.write() as tx:
        identity_store.decide(tx, [(ids["S3"], ids["N2"])], "join", actor="sales")
    resolve_all(shop_and_newsletter, actor="test")
    resolve_all(shop_and_newsletter, actor="test")
    groups = people(shop_and_newsletter)
    assert frozenset({"shop:S3", "newsletter:N2"}) in groups
    assert not any({"shop:S1", "newsletter:N1"} <= group for group in groups)


def test_resolution_is_stable_when_run_twice(shop_and_newsletter: Store) -> None:
    resolve_all(shop_and_newsletter, actor="test")
    first = people(shop_and_newsletter)
    again = resolve_all(shop_and_newsletter, actor="test")
    assert people(shop_and_newsletter) == first and again["moved"] == 0


def test_new_records_join_existing_profiles_incrementally(store: Store, tmp_path: Path) -> None:
    import_file(store, write_file(tmp_path, "shop.csv", SHOP), "shop")
    resolve_all(store, actor="test")
    import_file(store, write_file(tmp_path, "nl.csv", NEWSLETTER), "newsletter")
    new = [record.id for record in all_records(store).values() if record.source == "newsletter"]
    resolve_new(store, new, actor="test")
    assert frozenset({"shop:S1", "newsletter:N1"}) in people(store)
    assert not any({"shop:S1", "shop:S2"} <= group for group in people(store))


def test_weak_links_do_not_chain_conflicting_records(store: Store, tmp_path: Path) -> None:
    rows = (
        "ID;Vorname;Nachname;E-Mail;Telefon;Geburtsdatum\n"
        "A;Max;Muster;max@example.de;;04.03.1980\n"
        "B;Max;Muster;max@example.de;0171 2222222;\n"
        "C;Max;Muster;;0171 2222222;09.09.1999\n"
    )
    import_file(store, write_file(tmp_path, "c.csv", rows), "shop")
    resolve_all(store, actor="test")
    assert not any({"shop:A", "shop:C"} <= group for group in people(store))


def test_each_profile_keeps_one_link_per_join_however_often_it_is_resolved(store: Store, tmp_path: Path) -> None:
    import_file(store, write_file(tmp_path, "shop.csv", SHOP), "shop")
    three = NEWSLETTER + "N4;Max;Müller;max@example.de\n"
    import_file(store, write_file(tmp_path, "nl.csv", three), "newsletter")
    for _ in range(2):
        resolve_new(store, [record.id for record in all_records(store).values()], actor="test")
        resolve_all(store, actor="test")
    [max_profile] = {r.profile_id for r in all_records(store).values() if r.source_id in ("S1", "N1", "N4")}
    links = links_of(store, max_profile)
    assert len(links) == 2 and len({(link.left, link.right) for link in links}) == 2


def _people_csv(count: int, seed: int) -> tuple[str, str]:
    """A shop export of ``count`` invented people, and a newsletter export of
    most of them again with other emails and some surname typos (no shared
    identifier), enough for the match model to train on."""
    import random

    rng = random.Random(seed)
    first = ("Anna", "Bernd", "Clara", "Dieter", "Eva", "Frank", "Greta", "Hans", "Ilse", "Jonas", "Karin", "Lukas")
    last = ("Albrecht", "Brandt", "Dietrich", "Engel", "Fuchs", "Graf", "Haas", "Jäger", "Kraus", "Lorenz",
            "Peters", "Roth", "Seidel", "Vogel", "Winter", "Ziegler", "Busch", "Kühn", "Pohl", "Sommer")  # fmt: skip
    shop, newsletter = (
        ["ID;Vorname;Nachname;E-Mail;Straße;PLZ;Ort;Geburtsdatum"],
        ["ID;Vorname;Nachname;E-Mail;Geburtsdatum;PLZ"],
    )
    for number in range(count):
        person = (
            rng.choice(first),
            rng.choice(last),
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1940, 2000)}",
        )
        postcode = f"{rng.randint(10000, 99999)}"
        shop.append(f"S{number};{person[0]};{person[1]};s{number}@example.de;Weg {number};{postcode};Köln;{person[2]}")
        if rng.random() < 0.6:
            surname = person[1] if rng.random() < 0.7 else person[1][:-1] + person[1][-1] * 2
            newsletter.append(f"N{number};{person[0]};{surname};n{number}@example.org;{person[2]};{postcode}")
    return "\n".join(shop) + "\n", "\n".join(newsletter) + "\n"


@pytest.fixture(scope="module")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a store of 1,900 records, resolved once so that its match model is trained; closed."""
    folder = tmp_path_factory.mktemp("trained")
    paths = Paths(folder / "data")
    opened = create_store(paths, create_key_file(paths.key_file))
    shop, newsletter = _people_csv(1200, seed=3)
    import_file(opened, write_file(folder, "shop.csv", shop), "shop")
    import_file(opened, write_file(folder, "nl.csv", newsletter), "newsletter")
    resolve_all(opened, actor="test")
    opened.close()
    return paths.data_dir


@pytest.fixture
def trained_store(trained_folder: Path, tmp_path: Path) -> Iterator[Store]:
    """A copy of the trained store of the test's own, so that what one test writes no other sees."""
    paths = Paths(tmp_path / "trained")
    shutil.copytree(trained_folder, paths.data_dir)
    opened = open_store(paths, load_master_key(paths))
    yield opened
    opened.close()


def _profile_of(store: Store, source: str, source_id: str) -> int:
    return next(r.profile_id for r in all_records(store).values() if (r.source, r.source_id) == (source, source_id))


def test_model_joins_a_new_record_at_import_without_a_batch_run(trained_store: Store, tmp_path: Path) -> None:
    shop_record = next(r for r in all_records(trained_store).values() if r.source_id == "S7")
    fields = shop_record.fields
    row = (
        f"C1;{fields['first_name']};{fields['last_name']};crm7@example.net;{fields['postcode']};{fields['birth_date']}"
    )
    crm = "ID;Vorname;Nachname;E-Mail;PLZ;Geburtsdatum\n" + row + "\n"
    import_file(trained_store, write_file(tmp_path, "crm.csv", crm), "crm", after_import=resolve_new)
    profile_id = _profile_of(trained_store, "shop", "S7")
    assert _profile_of(trained_store, "crm", "C1") == profile_id
    joined = [link for link in links_of(trained_store, profile_id) if link.method == "model"]
    assert any(link.evidence["birth_date"] == "exact" and link.evidence["probability"] >= 0.95 for link in joined)
    resolve_all(trained_store, actor="test")
    assert _profile_of(trained_store, "crm", "C1") == _profile_of(trained_store, "shop", "S7")


def test_a_new_record_like_nobody_stays_alone(trained_store: Store, tmp_path: Path) -> None:
    crm = "ID;Vorname;Nachname;E-Mail;PLZ;Geburtsdatum\nC2;Xaver;Quast;xq@example.net;01234;02.02.1902\n"
    import_file(trained_store, write_file(tmp_path, "crm.csv", crm), "crm", after_import=resolve_new)
    profile_id = _profile_of(trained_store, "crm", "C2")
    assert records_of_profile(trained_store, profile_id) == [
        next(r.id for r in all_records(trained_store).values() if r.source_id == "C2")
    ]


def test_blocking_keys_are_kept_for_every_record(trained_store: Store) -> None:
    assert count_rows(trained_store, "blocking_key") > 5 * len(all_records(trained_store))


def test_a_changed_record_is_resolved_again_when_it_comes_in(store: Store, tmp_path: Path) -> None:
    first = "ID;Vorname;Nachname;E-Mail\nA;Max;Muster;max@example.de\nB;Max;Muster;muster@example.org\n"
    import_file(store, write_file(tmp_path, "a.csv", first), "shop", after_import=resolve_new)
    assert len(people(store)) == 2
    changed = "ID;Vorname;Nachname;E-Mail\nB;Max;Muster;max@example.de\n"
    import_file(store, write_file(tmp_path, "b.csv", changed), "shop", after_import=resolve_new)
    assert people(store) == {frozenset({"shop:A", "shop:B"})}


def test_resolve_all_keys_records_imported_without_resolution(trained_store: Store, tmp_path: Path) -> None:
    crm = "ID;Vorname;Nachname;E-Mail;PLZ;Geburtsdatum\nC9;Wilma;Zeisig;wz@example.net;01234;03.03.1933\n"
    import_file(trained_store, write_file(tmp_path, "late.csv", crm), "late")
    [late] = [record.id for record in all_records(trained_store).values() if record.source == "late"]
    assert late in without_keys(trained_store)
    resolve_all(trained_store, actor="test")
    assert late not in without_keys(trained_store)


def test_a_batch_run_in_worker_processes_ends_as_one_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_records, "RECORD_CHUNK", 250)  # several chunks, so both workers read some
    shop, newsletter = _people_csv(900, seed=5)
    outcomes = []
    for processes in (False, True):
        paths = Paths(tmp_path / str(processes))
        opened = create_store(paths, create_key_file(paths.key_file))
        import_file(opened, write_file(tmp_path, "shop.csv", shop), "shop")
        import_file(opened, write_file(tmp_path, "nl.csv", newsletter), "newsletter")
        counts = resolve_all(opened, actor="test", processes=processes)
        outcomes.append((counts, people(opened), count_rows(opened, "blocking_key"), key_totals(opened)))
        opened.close()
    assert outcomes[0] == outcomes[1]
    counts, profiles, keys, totals = outcomes[1]
    assert counts["records"] > 3 * source_records.RECORD_CHUNK and counts["moved"] > 100
    assert len(profiles) == counts["profiles"] < counts["records"]
    assert keys == sum(totals.values()) and not any(count == 0 for count in totals.values())


def test_rebuilt_blocking_keys_are_exactly_the_packed_ones(store: Store, tmp_path: Path) -> None:
    shop = "ID;Vorname;Nachname\n" + "".join(f"K{number};Vorname{number};Name{number}\n" for number in range(6))
    import_file(store, write_file(tmp_path, "shop.csv", shop), "shop")
    record_ids = sorted(all_records(store))
    digests = [b"\x00" * 8, b"abc\x00\x00\x00\x00\x00", b"\x00\x00\x00\x00\x00abc", b"\xff" * 8, b"abcdefgh"]
    rows = {(rule, digest, record_id) for rule in (0, 3, 7) for digest in digests for record_id in record_ids[::2]}
    packed = blocking_keys.PACKED
    parts = [b"".join(packed.pack(*row) for row in sorted(rows)), packed.pack(*min(rows)), b""]
    with store.write(bulk=True) as tx:
        blocking_keys.rebuild(tx, parts, match_model.KEYS)  # the second part repeats a key: it is stored once
    with store.read() as connection:
        stored = connection.exec_driver_sql("SELECT rule, digest, source_record_id FROM blocking_key").all()
    assert {(rule, bytes(digest), record_id) for rule, digest, record_id in stored} == rows
    assert len(stored) == len(rows)
    assert key_totals(store) == {0: len(rows) // 3, 3: len(rows) // 3, 7: len(rows) // 3}
    assert without_keys(store) == record_ids[1::2]


def test_a_record_that_does_not_open_stops_a_batch_run_in_workers_naming_it(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_records, "RECORD_CHUNK", 3)
    shop = "ID;Vorname;Nachname\n" + "".join(f"K{number};Anna{number};Muster\n" for number in range(10))
    import_file(store, write_file(tmp_path, "shop.csv", shop), "shop")
    with store.write() as connection:
        connection.exec_driver_sql(
            "UPDATE source_record SET payload = (SELECT payload FROM source_record WHERE id = 1) WHERE id = 8"
        )
    with pytest.raises(SealBroken, match=r"source_record.payload #8 does not open"):
        resolve_all(store, actor="test", processes=True)
    assert count_rows(store, "blocking_key") == 0 and count_rows(store, "profile") == 10


def test_split_out_records_its_decisions_in_one_unit_of_work(
    shop_and_newsletter: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = shop_and_newsletter
    import_file(
        store, write_file(tmp_path, "crm.csv", "ID;Vorname;Nachname;E-Mail\nC1;Max;Müller;max@example.de\n"), "crm"
    )
    resolve_all(store, actor="test")
    [max_profile] = {record.profile_id for record in all_records(store).values() if record.source_id == "C1"}
    members = records_of_profile(store, max_profile)
    assert len(members) == 3
    written = []
    real_record = audit.record

    def failing_on_the_second(connection, *args, **kwargs):
        written.append(args)
        if len(written) == 2:
            raise RuntimeError("failed half-way")
        return real_record(connection, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing_on_the_second)
    with pytest.raises(RuntimeError):
        split_out(store, max_profile, members[0], "sales", MOVED)
    assert decisions(store) == {}
    assert records_of_profile(store, max_profile) == members


def test_settling_a_review_pair_is_one_unit_of_work(
    shop_and_newsletter: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = shop_and_newsletter
    low, high = sorted(list(all_records(store))[:2])
    with store.write() as tx:
        review_queue.replace_review(tx, [identity_store.Link(low, high, "model", 0.7, {"probability": 0.7})])
    real_execute = Connection.execute

    def failing_on_the_dequeue(self, statement, *args, **kwargs):
        if getattr(statement, "is_delete", False) and statement.table.name == "review_pair":
            raise RuntimeError("failed half-way")
        return real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", failing_on_the_dequeue)
    with pytest.raises(RuntimeError):
        settle(store, low, high, "apart", "sales", with_restricted=True, records_moved=MOVED)
    monkeypatch.undo()
    assert decisions(store) == {}, "the decision was kept although the pair stayed on the queue"
    with store.read() as tx:
        assert review_queue.review_queue(tx, store.personal, True)[1] == 1


def test_a_model_trained_by_an_earlier_version_is_trained_anew_and_said_so(trained_store: Store) -> None:
    with trained_store.write() as tx:
        identity_store.set_meta(tx, MODEL_VERSION, "1")
        identity_store.set_meta(tx, MODEL, identity_store.meta(tx, MODEL).replace('"comparisons"', '"comparisons" ', 1))
    notes: list[str] = []
    resolve_all(trained_store, actor="test", notes=notes.append)
    assert OUTDATED in notes
    with trained_store.read() as tx:
        assert identity_store.meta(tx, MODEL_VERSION) == match_model.VERSION
        assert '"comparisons" ' not in identity_store.meta(tx, MODEL)


def test_an_import_after_an_update_goes_on_with_the_earlier_model(trained_store: Store) -> None:
    with trained_store.write() as tx:
        identity_store.set_meta(tx, MODEL_VERSION, "1")
    notes: list[str] = []
    resolve_all(trained_store, actor="test", train=False, notes=notes.append)
    assert OUTDATED not in notes
    with trained_store.read() as tx:
        assert identity_store.meta(tx, MODEL_VERSION) == "1"


def test_blocking_keys_made_under_other_rules_are_rebuilt_by_the_next_run(trained_store: Store) -> None:
    with trained_store.write() as tx:
        tx.exec_driver_sql("DELETE FROM blocking_key WHERE rule = 8")
        identity_store.set_meta(tx, blocking_keys.RULES, '{"version": 1}')
    resolve_all(trained_store, actor="test")
    with trained_store.read() as tx:
        assert blocking_keys.made_under(tx) == match_model.KEYS
        assert tx.exec_driver_sql("SELECT count(*) FROM blocking_key WHERE rule = 8").scalar_one() > 1000
