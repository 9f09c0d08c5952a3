"""The import page in Chromium against `cdp serve`: upload, preview, a changed mapping, the summary, problems."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e import test_browser
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser import sign_in
from tests.helpers import served

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SHOPIFY = EXPORTS / "shopify" / "customers_export.csv"

# The browser tests' own fixtures: a seeded store copied for each test's server, and Chromium.
seeded = test_browser.seeded
own_server = test_browser.own_server
browser = test_browser.browser
own_page = test_browser.own_page


def choose_file(page: Page, path: Path, source: str) -> None:
    page.set_input_files("input[name=file]", str(path))
    page.fill("input[name=source]", source)
    page.click("button:has-text('Show the preview')")


def column(page: Page, name: str):
    """The mapping's select for the column ``name``."""
    return page.locator(f"tr[data-column='{name}'] select")


def test_admin_imports_a_shopify_export_with_a_changed_mapping_and_finds_the_people(own_page: Page) -> None:
    sign_in(own_page, "admin")
    own_page.click("nav a:has-text('Import')")
    own_page.evaluate("window.notReloaded = true")
    choose_file(own_page, SHOPIFY, "shopify")
    expect(own_page.locator("p.format")).to_have_text("Recognised: Shopify customers export")
    expect(own_page.locator("table.mapping tbody tr")).to_have_count(20)
    expect(own_page.locator("tr[data-column='First Name'] td.sample").first).to_have_text("Jürgen")
    expect(column(own_page, "Email")).to_have_value("email")
    column(own_page, "Tags").select_option("job_title")
    own_page.evaluate(
        """() => { window.progressShown = false;
        document.body.addEventListener('htmx:beforeSend', () => {
          window.progressShown = getComputedStyle(document.querySelector('#import-progress')).display !== 'none'
            && document.querySelector('#import-progress progress') !== null; }); }"""
    )
    own_page.click("button:has-text('Import')")
    expect(own_page.locator("h1")).to_have_text("Imported")
    expect(own_page.locator("td[data-count=created]")).to_have_text("4")
    expect(own_page.locator("td[data-count=updated]")).to_have_text("0")
    assert own_page.evaluate("window.notReloaded") is True
    assert own_page.evaluate("window.progressShown") is True
    own_page.click("a:has-text('Find a customer')")
    own_page.locator("input[name=q]").press_sequentially("weiss", delay=30)
    own_page.click(".results a:has-text('Jürgen Weiß')")
    expect(own_page.locator("h1")).to_have_text("Jürgen Weiß")
    expect(own_page.locator("table.fields")).to_contain_text("Stammkunde, B2B")


def test_a_broken_csv_shows_the_problem_by_its_line(own_page: Page, tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.csv"
    broken.write_text("Vorname;Nachname;E-Mail\nAnna;Alt;anna@example.org\nBert;Bach;bert@example.org;zu viel\n")
    sign_in(own_page, "admin")
    own_page.goto("/import")
    choose_file(own_page, broken, "fair")
    problem = own_page.locator("#import .problem")
    expect(problem).to_contain_text("Nothing was imported.")
    expect(problem.locator("li")).to_have_text("Line 3: has 4 fields, the header has 3")
    expect(own_page.locator("input[name=source]")).to_have_value("fair")


@pytest.fixture
def small_limit_page(browser: Browser, seeded: tuple[Path, int], tmp_path: Path) -> Iterator[Page]:
    """A page on a server of its own that takes files of at most 1 MB."""
    shutil.copytree(seeded[0], tmp_path / "data")
    with served(tmp_path / "data", {"CDP_MAX_UPLOAD_MB": "1"}) as url:
        context = browser.new_context(locale="en-GB", base_url=url)
        yield context.new_page()
        context.close()


def test_a_too_large_file_is_told_the_limit_in_place(small_limit_page: Page, tmp_path: Path) -> None:
    big = tmp_path / "gross.csv"
    big.write_text("Vorname;E-Mail\n" + "".join(f"Anna{n};a{n}@example.org\n" for n in range(50_000)))
    sign_in(small_limit_page, "admin")
    small_limit_page.goto("/import")
    small_limit_page.evaluate("window.notReloaded = true")
    choose_file(small_limit_page, big, "fair")
    expect(small_limit_page.locator("#file-error")).to_have_text("The file is larger than the limit of 1 MB.")
    assert small_limit_page.evaluate("window.notReloaded") is True


@pytest.fixture
def page_without_javascript(browser: Browser, own_server: dict) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", base_url=own_server["url"], java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_the_import_works_without_javascript(page_without_javascript: Page) -> None:
    page = page_without_javascript
    page.goto("/signin")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/import")
    with page.expect_navigation():
        choose_file(page, SHOPIFY, "shopify")
    expect(page.locator("p.format")).to_have_text("Recognised: Shopify customers export")
    page.check("input[name=save]")
    with page.expect_navigation():
        page.click("button:has-text('Import')")
    expect(page.locator("td[data-count=created]")).to_have_text("4")
    expect(page.locator("p.ok")).to_contain_text("The mapping is saved for the source “shopify”")


def test_a_linkedin_zip_is_imported_file_by_file(own_page: Page, tmp_path: Path) -> None:
    archive = tmp_path / "Basic_LinkedInDataExport_12-01-2026.zip"
    with zipfile.ZipFile(archive, "w") as delivery:
        delivery.write(EXPORTS / "linkedin" / "messages.csv", "messages.csv")
        delivery.write(EXPORTS / "linkedin" / "Connections.csv", "Connections.csv")
    sign_in(own_page, "admin")
    own_page.goto("/import")
    choose_file(own_page, archive, "linkedin")
    expect(own_page.locator("ol.archive-files li")).to_have_text(["Connections.csv", "messages.csv"])
    own_page.click("button:has-text('Import these files')")
    expect(own_page.locator("section.archive-file")).to_have_count(2)
    expect(own_page.locator("section[data-member='messages.csv'] td[data-count=created]")).to_have_text("4")
