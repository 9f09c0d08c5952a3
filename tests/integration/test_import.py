"""Importing files into a real encrypted store: formats, mapping, all or nothing."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from cdp.errors import ImportRejected
from cdp.ingest.pipeline import import_file
from cdp.store.database import Store
from tests.helpers import count_rows, opened_records, write_file

GERMAN_CSV = (
    "Kundennummer;Anrede;Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort;Geburtsdatum;Lieblingstee\n"
    "K-1;Herr;Jürgen;Müller;Juergen.Mueller@Example.DE;0171 1234567;Hauptstraße 5;10115;Berlin;01.03.1980;Grüntee\n"
    "K-2;Frau;Zoë;Weiß;zoe@example.org;+49 30 1234567;Ölweg 2;80331;München;1975-12-24;\n"
)


def import_text(store: Store, folder: Path, name: str, content: str | bytes, source: str = "webshop", **kw):
    return import_file(store, write_file(folder, name, content), source, **kw)


def names(store: Store) -> list[tuple[str, str]]:
    return sorted((r["fields"].get("first_name", ""), r["fields"].get("last_name", "")) for r in opened_records(store))


@pytest.mark.parametrize(
    "encoded",
    [
        GERMAN_CSV.encode("utf-8"),
        codecs.BOM_UTF8 + GERMAN_CSV.encode("utf-8"),
        GERMAN_CSV.encode("cp1252"),
        GERMAN_CSV.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "utf-16-excel"],
)
def test_german_export_arrives_intact_in_any_common_encoding(store: Store, tmp_path: Path, encoded: bytes) -> None:
    result = import_text(store, tmp_path, "kunden.csv", encoded, overrides={"Kundennummer": "source_record_id"})
    assert (result.created, result.rows) == (2, 2)
    assert names(store) == [("Jürgen", "Müller"), ("Zoë", "Weiß")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(store: Store, tmp_path: Path, delimiter: str) -> None:
    content = GERMAN_CSV.replace(";", delimiter)
    import_text(store, tmp_path, "kunden.csv", content)
    assert names(store) == [("Jürgen", "Müller"), ("Zoë", "Weiß")]


def test_headers_map_by_themselves_and_unknown_columns_become_extras(store: Store, tmp_path: Path) -> None:
    import_text(store, tmp_path, "kunden.csv", GERMAN_CSV, overrides={"Kundennummer": "source_record_id"})
    juergen = next(r for r in opened_records(store) if r["id"] == "K-1")
    assert juergen["fields"]["email"] == "Juergen.Mueller@example.de"
    assert juergen["fields"]["phone"] == "+491711234567"
    assert juergen["fields"]["street"] == "Hauptstraße" and juergen["fields"]["house_number"] == "5"
    assert juergen["fields"]["city"] == "Berlin"
    assert juergen["fields"]["birth_date"] == "1980-03-01"
    assert juergen["fields"]["salutation"] == "Herr"
    assert juergen["extra"] == {"Lieblingstee": "Grüntee"}


def test_english_headers_and_full_name_column(store: Store, tmp_path: Path) -> None:
    content = "Name,Email Address,Mobile,Date of Birth\nJane Doe,jane@example.com,+44 7700 900123,19900102\n"
    import_text(store, tmp_path, "contacts.csv", content, source="support")
    [record] = opened_records(store)
    assert record["fields"]["first_name"] == "Jane" and record["fields"]["last_name"] == "Doe"
    assert record["fields"]["mobile"] == "+447700900123" and record["fields"]["birth_date"] == "1990-01-02"


def test_map_option_feeds_any_column_into_a_field(store: Store, tmp_path: Path) -> None:
    content = "Kd,Mail,Zwitscher\n7,a@example.com,https://twitter.com/Some_One\n"
    import_text(store, tmp_path, "c.csv", content, overrides={"Kd": "customer_number", "Zwitscher": "x"})
    [record] = opened_records(store)
    assert record["fields"]["customer_number"] == "7" and record["fields"]["x"] == "some_one"


def test_map_naming_a_missing_column_or_unknown_field_is_rejected(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as rejected:
        import_text(store, tmp_path, "c.csv", GERMAN_CSV, overrides={"Fax": "phone", "Ort": "town"})
    assert "column 'Fax'" in rejected.value.message and "field 'town'" in rejected.value.message
    assert count_rows(store, "source_record") == 0


BAD_DATE_ROWS = "".join(f"P{n};Max{n};Muster;m{n}@example.com;01.01.1980\n" for n in range(1, 50))
BAD_DATE = "ID;Vorname;Nachname;E-Mail;Geburtsdatum\n" + BAD_DATE_ROWS + "P99;Eva;Muster;eva@example.com;31.02.1980\n"


def test_an_unreadable_value_leaves_only_that_field_empty_and_is_counted(store: Store, tmp_path: Path) -> None:
    result = import_text(store, tmp_path, "c.csv", BAD_DATE)
    assert result.created == 50 and result.unreadable == {"Geburtsdatum": [51]}
    eva = next(r for r in opened_records(store) if r["id"] == "P99")
    assert "birth_date" not in eva["fields"] and eva["fields"]["first_name"] == "Eva"
    assert eva["unreadable"] == {"Geburtsdatum": "31.02.1980"}


def test_strict_one_bad_row_rejects_the_whole_file_and_says_where(store: Store, tmp_path: Path) -> None:
    content = BAD_DATE
    with pytest.raises(ImportRejected) as rejected:
        import_text(store, tmp_path, "c.csv", content, strict=True)
    assert "line 51: column 'Geburtsdatum': not a real calendar date" in rejected.value.message
    assert "31.02.1980" not in rejected.value.message
    assert "Nothing was imported." in rejected.value.message
    for table in ("source_record", "profile", "identifier", "import_run", "audit_log"):
        assert count_rows(store, table) == 0


def test_strict_lists_every_problem_not_only_the_first(store: Store, tmp_path: Path) -> None:
    content = "E-Mail,Telefon\nnot-an-email,\nok@example.com,+\n,\n"
    with pytest.raises(ImportRejected) as rejected:
        import_text(store, tmp_path, "c.csv", content, strict=True)
    assert [line for line, _ in rejected.value.problems] == [2, 3]
    assert "not-an-email" not in rejected.value.message


def test_a_row_that_names_no_one_is_left_out_and_listed(store: Store, tmp_path: Path) -> None:
    content = "E-Mail,Telefon\nnot-an-email,\nok@example.com,+\n"
    result = import_text(store, tmp_path, "c.csv", content)
    assert result.created == 1 and [line for line, _ in result.skipped] == [2]
    assert result.unreadable == {"Telefon": [3]}
    assert "not-an-email" not in " ".join(reason for _, reason in result.skipped)


def test_broken_quoting_names_the_line(store: Store, tmp_path: Path) -> None:
    content = 'Vorname,Nachname\nMax,Muster\n"Eva,Muster\nAnna,Beispiel\n'
    with pytest.raises(ImportRejected, match=r"line 3: broken quoting"):
        import_text(store, tmp_path, "c.csv", content)


def test_row_with_wrong_number_of_fields_names_the_line(store: Store, tmp_path: Path) -> None:
    content = "Vorname,Nachname\nMax,Muster\nEva,Muster,extra\n"
    with pytest.raises(ImportRejected, match="line 3: has 3 fields, the header has 2"):
        import_text(store, tmp_path, "c.csv", content)


def test_file_without_any_known_column_is_rejected(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="no column maps to a contact field"):
        import_text(store, tmp_path, "c.csv", "Farbe,Größe\nblau,XL\n")


def test_invalid_utf8_inside_a_utf8_file_is_rejected_with_its_line(store: Store, tmp_path: Path) -> None:
    content = "Vorname,Nachname\nJürgen,Müller\n".encode() + b"Max,M\xfcller\n"
    with pytest.raises(ImportRejected, match="line 3: invalid UTF-8"):
        import_text(store, tmp_path, "c.csv", content)


def test_reimporting_the_same_file_adds_nothing(store: Store, tmp_path: Path) -> None:
    first = import_text(store, tmp_path, "c.csv", GERMAN_CSV)
    before = {table: count_rows(store, table) for table in ("source_record", "profile", "identifier")}
    second = import_text(store, tmp_path, "c.csv", GERMAN_CSV)
    assert (first.created, second.created, second.unchanged, second.updated) == (2, 0, 2, 0)
    assert {table: count_rows(store, table) for table in before} == before


def test_changed_record_is_updated_and_keeps_when_each_field_was_seen(store: Store, tmp_path: Path) -> None:
    import_text(store, tmp_path, "c.csv", GERMAN_CSV, overrides={"Kundennummer": "source_record_id"})
    [old] = [r for r in opened_records(store) if r["id"] == "K-1"]
    moved = GERMAN_CSV.replace("Hauptstraße 5;10115;Berlin", "Elbchaussee 1;22763;Hamburg")
    result = import_text(store, tmp_path, "c.csv", moved, overrides={"Kundennummer": "source_record_id"})
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    [new] = [r for r in opened_records(store) if r["id"] == "K-1"]
    assert new["fields"]["city"] == "Hamburg"
    assert new["seen"]["first_name"] == old["seen"]["first_name"]
    assert count_rows(store, "source_record") == 2


def test_rows_without_an_id_get_a_stable_one(store: Store, tmp_path: Path) -> None:
    content = "Vorname,Nachname,E-Mail\nMax,Muster,max@example.com\n"
    import_text(store, tmp_path, "c.csv", content)
    again = import_text(store, tmp_path, "c.csv", content)
    [record] = opened_records(store)
    assert record["id"].startswith("auto-") and again.unchanged == 1


def test_same_id_twice_with_different_content_is_rejected(store: Store, tmp_path: Path) -> None:
    content = "ID,Vorname,Nachname\n1,Max,Muster\n1,Eva,Muster\n"
    with pytest.raises(ImportRejected, match="line 3: the same record id as line 2"):
        import_text(store, tmp_path, "c.csv", content)


def test_json_lines_import_and_its_errors(store: Store, tmp_path: Path) -> None:
    good = '{"id": "x:anna", "first_name": "Anna", "x": "@Anna_B", "followers": 12}\n\n{"email": "b@example.com"}\n'
    result = import_text(store, tmp_path, "f.jsonl", good, source="social")
    assert result.created == 2
    with pytest.raises(ImportRejected, match="line 2: not valid JSON"):
        import_text(store, tmp_path, "g.jsonl", '{"email": "c@example.com"}\n{"email": \n', source="social")


def test_purchases_attach_to_contacts_of_the_same_source(store: Store, tmp_path: Path) -> None:
    import_text(store, tmp_path, "c.csv", GERMAN_CSV, overrides={"Kundennummer": "source_record_id"})
    orders = "Bestellnummer;Kundennummer;Bestelldatum;Betrag;Währung;Artikel\nB1;K-1;01.03.2024;49,90;EUR;Tee\n"
    first = import_text(store, tmp_path, "o.csv", orders, kind="purchases")
    again = import_text(store, tmp_path, "o.csv", orders, kind="purchases")
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    with store.read() as connection:
        row = connection.exec_driver_sql("SELECT amount_minor, currency, kind FROM interaction").one()
    assert tuple(row) == (4990, "EUR", "purchase")


def test_purchase_of_an_unknown_contact_rejects_the_file(store: Store, tmp_path: Path) -> None:
    orders = "Bestellnummer,Kundennummer,Bestelldatum,Betrag\nB1,K-404,2024-03-01,10.00\n"
    with pytest.raises(ImportRejected, match="line 2: no contact with this contact_id"):
        import_text(store, tmp_path, "o.csv", orders, kind="purchases")
    assert count_rows(store, "interaction") == 0


XING_VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:xing-4711\r\nN:Weiß;Zoë;;Dr.;\r\nFN:Dr. Zoë Weiß\r\n"
    "EMAIL;TYPE=INTERNET,PREF:zoe.weiss@example.com\r\nTEL;TYPE=CELL:+49 171 2345678\r\n"
    "ORG:Teehaus GmbH\r\nTITLE:Einkauf\r\nX-SOCIALPROFILE;TYPE=xing:https://www.xing.com/profile/Zoe_Weiss\r\n"
    "END:VCARD\r\n"
)


def test_vcard_export_is_imported_with_its_social_profile(store: Store, tmp_path: Path) -> None:
    result = import_text(store, tmp_path, "xing.vcf", XING_VCARD, source="xing")
    [record] = opened_records(store)
    assert result.created == 1 and record["id"] == "xing-4711"
    assert record["fields"]["first_name"] == "Zoë" and record["fields"]["title"] == "Dr."
    assert record["fields"]["xing"] == "zoe_weiss" and record["fields"]["mobile"] == "+491712345678"
    assert record["fields"]["company"] == "Teehaus GmbH"


def test_vcard_without_end_is_rejected_with_its_line(store: Store, tmp_path: Path) -> None:
    broken = XING_VCARD.replace("END:VCARD\r\n", "")
    with pytest.raises(ImportRejected, match="line 1"):
        import_text(store, tmp_path, "xing.vcf", broken, source="xing")
    assert count_rows(store, "source_record") == 0
