"""A campaign in Chromium against `cdp serve`, as marketing staff run it: a snapshot of the list, reviewed and
frozen, a message in German and English, the preview of real recipients, the export and the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cdp.config import Paths
from cdp.profiles import unified as profiles
from cdp.store.database import create_store
from cdp.store.keys import create_key_file
from consent import ledger
from tests.e2e import test_browser
from tests.e2e.conftest import seed
from tests.e2e.test_browser import sign_in

own_server = test_browser.own_server
browser = test_browser.browser
own_page = test_browser.own_page


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The browser tests' seeded store, where Max and Erika agreed to the newsletter by post."""
    data_dir = tmp_path_factory.mktemp("campaigns") / "data"
    paths = Paths(data_dir)
    store = create_store(paths, create_key_file(paths.key_file))
    seed(store)
    for query in ("max mueller", "erika"):
        [person] = profiles.search(store, query, "DE")
        ledger.record(store, person.id, "newsletter", "post", "granted", actor="t", origin="staff", proof={"f": 1})
    [max_profile] = profiles.search(store, "max mueller", "DE")
    store.close()
    return data_dir, max_profile.id


def test_a_campaign_from_snapshot_to_report(own_page: Page) -> None:
    sign_in(own_page, "marketing")
    own_page.goto("/customers")
    own_page.fill("input[name=name][required]", "Alle Kunden")
    own_page.fill("input[name=holdout]", "0")
    with own_page.expect_navigation():
        own_page.click("text=Take a snapshot")
    expect(own_page.locator("[role=status]").first).to_contain_text("The snapshot is taken")
    expect(own_page.locator("h2").first).to_have_text("3 people on the snapshot")
    with own_page.expect_navigation():
        own_page.locator("tr", has_text="Erika").locator("button", has_text="Take out").click()
    expect(own_page.locator("button", has_text="Put back")).to_have_count(1)
    with own_page.expect_navigation():
        own_page.click("text=Freeze the snapshot")
    expect(own_page.locator("button", has_text="Take out")).to_have_count(0)
    own_page.fill("input[name=name]", "Frühling")
    own_page.select_option("select[name=channel]", "post")
    with own_page.expect_navigation():
        own_page.click("text=Start a campaign on it")
    expect(own_page.locator("h1")).to_contain_text("Frühling")
    expect(own_page.locator("main")).to_contain_text("1 recipient passes the consent gate")
    own_page.fill("input[name=subject_de]", "Frühling, {first_name}!")
    own_page.fill("textarea[name=body_de]", "{greeting}\nneu am {today}.")
    with own_page.expect_navigation():
        own_page.click("text=Save the message")
    expect(own_page.locator("[role=status]").first).to_contain_text("The message is saved.")
    expect(own_page.locator("#preview")).to_contain_text("Frühling, ")
    expect(own_page.locator("#preview")).to_contain_text("Sehr geehrte")
    expect(own_page.locator("#report")).to_contain_text("Not sent yet: nothing to measure.")
    with own_page.expect_download() as download:
        own_page.click("text=Export the recipients with their messages (CSV)")
    assert download.value.suggested_filename.startswith("kundenbild-campaign-")
    own_page.reload()
    expect(own_page.locator("#report")).to_contain_text("Who bought within the window")
    report = b"email;type;stamp\nmax.mueller@example.de;click;4102444800\nerika@example.org;click;4102444800\n"
    own_page.set_input_files("#responses input[type=file]", {"name": "cleverreach.csv", "mimeType": "text/csv",
                                                               "buffer": report})  # fmt: skip
    with own_page.expect_navigation():
        own_page.click("text=Read the report")
    status = own_page.locator("[role=status]").first
    expect(status).to_contain_text("New responses: clicked 1.")
    expect(status).to_contain_text("line 3: taken out of the snapshot: it was not written to")
    expect(own_page.locator("#report")).to_contain_text("Reached (not bounced)")
    expect(own_page.locator("#responses")).to_contain_text("Clicked: 1")
