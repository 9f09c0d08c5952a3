"""``cdp import`` on the tools' exports as they were exported, run as a user runs it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.helpers import run_cdp, write_file

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    assert run_cdp(folder, "init").returncode == 0
    return folder


def cdp_import(data_dir: Path, path: Path, source: str, *options: str):
    return run_cdp(data_dir, "import", str(path), "--source", source, *options)


def test_shopify_customers_then_orders_name_the_format_and_link(data_dir: Path) -> None:
    customers = cdp_import(data_dir, EXPORTS / "shopify/customers_export.csv", "shopify")
    orders = cdp_import(data_dir, EXPORTS / "shopify/orders_export.csv", "shopify")
    assert customers.returncode == 0 and orders.returncode == 0, orders.stderr
    assert "Recognised: Shopify customers export (contacts)." in customers.stdout
    assert "Recognised: Shopify orders export (purchases)." in orders.stdout
    assert "Imported 3 record(s) from shopify: 3 new" in orders.stdout


def test_an_unreadable_value_is_listed_and_strict_refuses(data_dir: Path, tmp_path: Path) -> None:
    path = write_file(tmp_path, "kunden.csv", "Vorname;Nachname;Geburtsdatum\nEva;Muster;31.13.1980\nMax;Muster;\n")
    lenient = cdp_import(data_dir, path, "crm")
    assert lenient.returncode == 0, lenient.stderr
    assert "2 new" in lenient.stdout
    assert "Left empty: 1 value(s) in column 'Geburtsdatum' that could not be read, on line(s) 2" in lenient.stderr
    assert "31.13.1980" not in lenient.stdout + lenient.stderr
    strict = cdp_import(data_dir, path, "other", "--strict")
    assert strict.returncode == 4 and "line 2: column 'Geburtsdatum'" in strict.stderr


def test_format_can_be_named_and_a_column_left_out(data_dir: Path, tmp_path: Path) -> None:
    text = (EXPORTS / "woocommerce/customers.csv").read_text(encoding="utf-8")
    path = write_file(tmp_path, "kunden.csv", text)
    result = cdp_import(data_dir, path, "woo", "--format", "woocommerce-customers", "--map", "City=")
    assert result.returncode == 0, result.stderr
    assert "Recognised: WooCommerce customers (Analytics) (contacts)." in result.stdout
    unknown = cdp_import(data_dir, path, "woo", "--format", "nonesuch")
    assert unknown.returncode == 2 and "Invalid value for '--format'" in unknown.stderr


def test_tickets_whose_requester_is_unknown_are_left_out_and_listed(data_dir: Path) -> None:
    cdp_import(data_dir, EXPORTS / "xing/Aenne_Strassburger.vcf", "xing")
    result = cdp_import(data_dir, EXPORTS / "zendesk/tickets.csv", "zendesk")
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout
    assert "Left out 2 row(s):" in result.stderr and "line 2: no contact found by" in result.stderr
    strict = cdp_import(data_dir, EXPORTS / "zendesk/tickets.csv", "zendesk2", "--strict")
    assert strict.returncode == 4 and "Nothing was imported." in strict.stderr


def test_the_requesters_of_a_ticket_export_import_as_contacts(data_dir: Path) -> None:
    contacts = cdp_import(data_dir, EXPORTS / "zendesk/tickets.csv", "zendesk", "--kind", "contacts")
    tickets = cdp_import(data_dir, EXPORTS / "zendesk/tickets.csv", "zendesk")
    assert "Imported 2 record(s) from zendesk: 2 new" in contacts.stdout, contacts.stderr
    assert "3 new" in tickets.stdout and tickets.returncode == 0


def _zip(members: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in members.items():
            archive.writestr(name, path.read_bytes())
        archive.writestr("Profile.csv", "First Name,Last Name\nPetra,Inhaber\n")
    return buffer.getvalue()


def test_a_linkedin_zip_imports_connections_before_messages(data_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "Basic_LinkedInDataExport_12-01-2026.zip"
    archive.write_bytes(
        _zip(
            {"messages.csv": EXPORTS / "linkedin/messages.csv", "Connections.csv": EXPORTS / "linkedin/Connections.csv"}
        )
    )
    result = cdp_import(data_dir, archive, "linkedin")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Connections.csv:") < out.index("messages.csv:")
    assert "Recognised: LinkedIn messages (messages.csv) (messages)." in out
    assert "Not used: 1 other file(s) in the archive." in out


def test_a_file_that_is_not_a_zip_gets_one_clear_error(data_dir: Path, tmp_path: Path) -> None:
    fake = write_file(tmp_path, "export.zip", "First Name,Last Name\n")
    result = cdp_import(data_dir, fake, "linkedin")
    assert result.returncode == 4
    assert "not a readable zip archive" in result.stderr and "Traceback" not in result.stderr


def test_x_archive_posts_link_to_people_by_name(data_dir: Path) -> None:
    cdp_import(data_dir, EXPORTS / "woocommerce/customers.csv", "woo")
    result = cdp_import(data_dir, EXPORTS / "x/data/tweets.js", "x")
    assert result.returncode == 0, result.stderr
    assert "Recognised: X archive: posts (tweets.js) (messages)." in result.stdout and "2 new" in result.stdout
