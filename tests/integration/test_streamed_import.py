"""Large files are read, checked and written a chunk at a time, and are still all or nothing.

The thresholds are lowered here so that a small file takes the same path a
file of a million rows takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdp.errors import ImportRejected
from cdp.ingest import pipeline
from cdp.store.database import Store
from tests.helpers import count_rows, opened_records, write_file

HEADER = "Kundennummer;Vorname;Nachname;E-Mail;Geburtsdatum\n"


def rows(count: int, start: int = 1) -> str:
    return "".join(f"K{n};Max{n};Muster;m{n}@example.com;01.01.1980\n" for n in range(start, start + count))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "STREAM_ABOVE", 100)
    monkeypatch.setattr(pipeline, "STREAM_CHUNK", 7)


def import_text(store: Store, folder: Path, content: str, **options):
    path = write_file(folder, "kunden.csv", content)
    return pipeline.import_file(store, path, "webshop", overrides={"Kundennummer": "source_record_id"}, **options)


def test_every_chunk_lands_and_a_second_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    first = import_text(store, tmp_path, HEADER + rows(50))
    assert (first.created, first.rows) == (50, 50)
    again = import_text(store, tmp_path, HEADER + rows(50))
    assert (again.created, again.unchanged) == (0, 50)
    assert count_rows(store, "import_run") == 2


def test_a_problem_in_the_last_chunk_leaves_nothing_of_the_earlier_ones(store: Store, tmp_path: Path) -> None:
    content = HEADER + rows(40) + "K99;Eva;Muster;eva@example.com;31.02.1980\n"
    with pytest.raises(ImportRejected) as rejected:
        import_text(store, tmp_path, content, strict=True)
    assert "line 42: column 'Geburtsdatum'" in rejected.value.message
    for table in ("source_record", "profile", "identifier", "import_run"):
        assert count_rows(store, table) == 0


def test_broken_quoting_late_in_the_file_refuses_it_whole(store: Store, tmp_path: Path) -> None:
    content = HEADER + rows(30) + 'K98;"Eva;Muster;e@example.com;\n' + rows(3, 200)
    with pytest.raises(ImportRejected, match="line 32: broken quoting"):
        import_text(store, tmp_path, content)
    assert count_rows(store, "source_record") == 0


def test_lenient_import_counts_unreadable_values_across_chunks(store: Store, tmp_path: Path) -> None:
    content = HEADER + rows(20) + "K98;Eva;Muster;eva@example.com;31.02.1980\n" + rows(20, 100)
    result = import_text(store, tmp_path, content)
    assert result.created == 41 and result.unreadable == {"Geburtsdatum": [22]}


def test_a_row_repeated_in_a_later_chunk_is_one_record(store: Store, tmp_path: Path) -> None:
    result = import_text(store, tmp_path, HEADER + rows(10) + rows(1))
    assert (result.created, count_rows(store, "source_record")) == (10, 10)


def test_the_same_id_with_other_content_in_a_later_chunk_is_refused(store: Store, tmp_path: Path) -> None:
    content = HEADER + rows(10) + "K1;Moritz;Muster;moritz@example.com;\n"
    with pytest.raises(ImportRejected, match="line 12: the same record id as an earlier line"):
        import_text(store, tmp_path, content)
    assert count_rows(store, "source_record") == 0


def test_two_people_sharing_an_email_in_different_chunks_each_keep_a_record(store: Store, tmp_path: Path) -> None:
    content = "Vorname;Nachname;E-Mail\n" + "".join(f"P{n};Muster;p{n}@example.com\n" for n in range(10))
    content += "Anna;Muster;p1@example.com\n"
    path = write_file(tmp_path, "familie.csv", content)
    result = pipeline.import_file(store, path, "newsletter")
    assert result.created == 11
    assert sorted(
        r["fields"]["first_name"] for r in opened_records(store) if r["fields"]["email"] == "p1@example.com"
    ) == [
        "Anna",
        "P1",
    ]


def test_a_file_that_is_not_utf8_is_read_as_windows_1252(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_bytes((HEADER + rows(10) + "K50;Jürgen;Weiß;jw@example.com;\n").encode("cp1252"))
    pipeline.import_file(store, path, "webshop", overrides={"Kundennummer": "source_record_id"})
    assert ("Jürgen", "Weiß") in {(r["fields"]["first_name"], r["fields"]["last_name"]) for r in opened_records(store)}
