"""Staff corrections of identity in Chromium against `cdp serve`: split out, the identity history, undo, join back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.store.database import create_store
from cdp.store.keys import create_key_file
from identity.resolve import resolve_new
from tests.e2e import test_browser
from tests.e2e.conftest import seed
from tests.e2e.test_browser import sign_in

NEWSLETTER = "ID;Vorname;Nachname;E-Mail\nN1;Maximilian;Mueller;max.mueller@example.de\n"
CRM = "ID;Vorname;Nachname;E-Mail\nC1;Max;Müller;MAX.MUELLER@example.de\n"

# The browser tests' own fixtures, over a store of their own (below) in which Max Müller has three records.
own_server = test_browser.own_server
browser = test_browser.browser
own_page = test_browser.own_page


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The seeded store with Max Müller also in the newsletter and the CRM, closed; his profile id."""
    data_dir = tmp_path_factory.mktemp("corrections") / "data"
    paths = Paths(data_dir)
    store = create_store(paths, create_key_file(paths.key_file))
    seed(store)
    for source, rows in (("newsletter", NEWSLETTER), ("crm", CRM)):
        import_data(store, f"{source}.csv", rows.encode(), source, after_import=resolve_new)
    [max_profile] = profiles.search(store, "max mueller", "DE")
    assert len(max_profile.sources) == 3
    store.close()
    return data_dir, max_profile.id


def sources(page: Page):
    return page.locator("section:has(h2:text-is('Sources')) tbody tr")


def split_out_the_newsletter(page: Page, profile_id: int) -> None:
    page.goto(f"/profiles/{profile_id}")
    row = sources(page).filter(has_text="newsletter")
    with page.expect_navigation():
        row.locator("button:has-text('Not this person: split out')").click()


def test_split_out_says_where_the_record_went_and_links_to_it(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "sales")
    split_out_the_newsletter(own_page, own_server["max"])
    result = own_page.locator(".identity-result")
    expect(result).to_contain_text(re.compile(r"Record \d+ was split out into profile \d+\."))
    expect(sources(own_page)).to_have_count(2)
    history = own_page.locator(".identity-history li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Split out")
    expect(history.first).to_contain_text("by sales")
    result.locator("a").click()
    expect(own_page.locator("h1")).to_have_text("Maximilian Mueller")
    expect(sources(own_page)).to_have_count(1)
    expect(own_page.locator(".identity-history li").first).to_contain_text("Split out")


def test_undo_puts_the_record_back_and_is_itself_in_the_history(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "sales")
    split_out_the_newsletter(own_page, own_server["max"])
    with own_page.expect_navigation():
        own_page.locator(".identity-history li[data-kind=split] button:has-text('Undo')").click()
    expect(own_page.locator(".identity-result")).to_contain_text(re.compile(r"Change \d+ is undone"))
    expect(sources(own_page)).to_have_count(3)
    history = own_page.locator(".identity-history li")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Undo")
    expect(history.nth(1)).to_contain_text("undone by change")
    expect(history.nth(1).locator("button")).to_have_count(0)


def test_joining_the_split_off_profile_back_restores_the_profile(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "marketing")
    split_out_the_newsletter(own_page, own_server["max"])
    apart = own_page.locator(".identity-result a").inner_text().removeprefix("profile ")
    own_page.fill("input[name=other]", apart)
    with own_page.expect_navigation():
        own_page.click("form.join button[type=submit]")
    expect(own_page.locator(".identity-result")).to_contain_text("are joined")
    expect(sources(own_page)).to_have_count(3)
    assert own_page.url.endswith(f"/profiles/{own_server['max']}#identity")


def test_a_join_that_cannot_be_done_says_why(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "sales")
    own_page.goto(f"/profiles/{own_server['max']}")
    own_page.fill("input[name=other]", str(own_server["max"]))
    with own_page.expect_navigation():
        own_page.click("form.join button[type=submit]")
    expect(own_page.locator(".identity-result .error")).to_contain_text("cannot be joined with itself")
    expect(sources(own_page)).to_have_count(3)
