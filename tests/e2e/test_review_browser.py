"""The review queue in Chromium against `cdp serve`: deciding pair after pair with the keyboard alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cdp.config import Paths
from cdp.ingest.pipeline import import_data
from cdp.profiles import unified as profiles
from cdp.records import records
from cdp.store.database import Store, create_store
from cdp.store.keys import create_key_file
from identity import review_queue
from identity import store as identity_store
from tests.e2e import test_browser
from tests.e2e.conftest import seed
from tests.e2e.test_browser import sign_in

# The browser tests' own fixtures: a store copied for each test's server, and Chromium.
own_server = test_browser.own_server
browser = test_browser.browser
own_page = test_browser.own_page

PEOPLE = "ID;Vorname;Nachname;E-Mail\n" + "".join(f"R{n};Vorname{n};Nachname{n};r{n}@example.org\n" for n in range(6))


def queue_three_pairs(store: Store) -> None:
    """Six invented people in three pairs on the review queue, the most likely first."""
    import_data(store, "crm.csv", PEOPLE.encode(), "crm")
    with store.read() as tx:
        crm = {record.source_id: record.id for record in records(tx, store.personal).values() if record.source == "crm"}
    pairs = [(crm[f"R{2 * n}"], crm[f"R{2 * n + 1}"], 0.9 - n / 10) for n in range(3)]
    links = [identity_store.Link(*sorted((a, b)), "model", p, {"probability": p}) for a, b, p in pairs]
    with store.write() as tx:
        review_queue.replace_review(tx, links)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The browser tests' seeded store with three pairs waiting for review; Max Müller's profile id."""
    data_dir = tmp_path_factory.mktemp("review") / "data"
    paths = Paths(data_dir)
    store = create_store(paths, create_key_file(paths.key_file))
    seed(store)
    queue_three_pairs(store)
    [max_profile] = profiles.search(store, "max mueller", "DE")
    store.close()
    return data_dir, max_profile.id


def pairs(page: Page):
    return page.locator("article.pair")


def test_deciding_pair_after_pair_with_the_keyboard(own_page: Page) -> None:
    sign_in(own_page, "sales")
    own_page.goto("/review")
    first, second, third = (pairs(own_page).nth(n).get_attribute("id") for n in range(3))
    expect(own_page.locator(f"#{first} button[value=join]")).to_be_focused()
    expect(own_page.locator(".review-count")).to_contain_text("3 pairs wait for a decision.")

    own_page.keyboard.press("Enter")
    expect(own_page.locator(f"#{first}")).to_have_count(0)
    expect(own_page.locator(".review-count")).to_contain_text("2 pairs wait for a decision.")
    expect(own_page.locator("[role=status]")).to_contain_text("Joined: both records are now in one profile.")
    expect(own_page.locator(f"#{second} button[value=join]")).to_be_focused()

    own_page.keyboard.press("Tab")
    expect(own_page.locator(f"#{second} button[value=apart]")).to_be_focused()
    own_page.keyboard.press("Enter")
    expect(own_page.locator(f"#{second}")).to_have_count(0)
    expect(own_page.locator(".review-count")).to_contain_text("1 pair waits for a decision.")
    expect(own_page.locator("[role=status]")).to_contain_text("Kept apart")
    expect(own_page.locator(f"#{third} button[value=join]")).to_be_focused()
    assert own_page.url.endswith("/review"), "htmx decided in place, without a page load"
