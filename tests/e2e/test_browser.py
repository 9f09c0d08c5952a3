"""Real browser tests: Chromium (Debian's) driven by Playwright against `cdp serve`."""

from __future__ import annotations

import http.client
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cdp.config import Paths
from cdp.profiles import unified as profiles
from cdp.store.database import create_store
from cdp.store.keys import create_key_file
from tests.e2e.conftest import PASSWORD, seed
from tests.helpers import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A data folder with the seeded store, closed, to be copied; and Max Müller's profile id."""
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    paths = Paths(data_dir)
    store = create_store(paths, create_key_file(paths.key_file))
    seed(store)
    [max_profile] = profiles.search(store, "max mueller", "DE")
    store.close()
    return data_dir, max_profile.id


@contextmanager
def _serving_a_copy(seeded: tuple[Path, int], folder: Path) -> Iterator[dict]:
    data_dir, max_id = seeded
    shutil.copytree(data_dir, folder / "data")
    with served(folder / "data") as url:
        yield {"url": url, "max": max_id}


@pytest.fixture(scope="module")
def server(seeded: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """`cdp serve` on 127.0.0.1 over a copy of the seeded store, shared by the tests that only read."""
    with _serving_a_copy(seeded, tmp_path_factory.mktemp("shared")) as running:
        yield running


@pytest.fixture
def own_server(seeded: tuple[Path, int], tmp_path: Path) -> Iterator[dict]:
    """`cdp serve` over a copy of the seeded store of its own, for a test that changes what is stored."""
    with _serving_a_copy(seeded, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@contextmanager
def _page_on(browser: Browser, url: str) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", base_url=url)
    opened = context.new_page()
    outside: list[str] = []
    opened.on("request", lambda request: outside.append(request.url) if not request.url.startswith(url) else None)
    yield opened
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


@pytest.fixture
def page(browser: Browser, server: dict) -> Iterator[Page]:
    """A browser page on the shared server: for tests that only read."""
    with _page_on(browser, server["url"]) as opened:
        yield opened


@pytest.fixture
def own_page(browser: Browser, own_server: dict) -> Iterator[Page]:
    """A browser page on a server of the test's own."""
    with _page_on(browser, own_server["url"]) as opened:
        yield opened


def sign_in(page: Page, name: str) -> None:
    page.goto("/signin")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")
    page.wait_for_function("() => window.htmx !== undefined")


@pytest.mark.parametrize("role", ["admin", "dpo", "sales", "marketing"])
def test_each_role_signs_in_and_sees_the_search(page: Page, role: str) -> None:
    sign_in(page, role)
    expect(page.locator("h1")).to_have_text("Find a customer")
    expect(page.locator(".who")).to_contain_text(role)


def test_search_as_you_type_then_open_the_profile(page: Page) -> None:
    sign_in(page, "sales")
    page.locator("input[name=q]").press_sequentially("muel", delay=30)
    expect(page.locator(".results a", has_text="Max Müller")).to_be_visible()
    expect(page.locator(".results li", has_text="Max Müller")).to_contain_text("Matched: Last name")
    page.click(".results a:has-text('Max Müller')")
    expect(page.locator("h1")).to_have_text("Max Müller")
    expect(page.locator("q[data-greeting=de]")).to_have_text("Sehr geehrter Herr Dr. Müller,")
    expect(page.locator("#offers")).to_contain_text("Nothing to offer yet")


def test_changing_du_sie_updates_the_greeting_without_a_reload(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "marketing")
    own_page.goto(f"/profiles/{own_server['max']}")
    own_page.evaluate("window.notReloaded = true")
    own_page.check("input[name=address_form][value=du]")
    own_page.click("form.salutation button[type=submit]")
    expect(own_page.locator("q[data-greeting=de]")).to_have_text("Hallo Max,")
    expect(own_page.locator("q[data-greeting=en]")).to_have_text("Hi Max,")
    assert own_page.evaluate("window.notReloaded") is True
    own_page.check("input[name=address_form][value=Sie]")
    own_page.click("form.salutation button[type=submit]")
    expect(own_page.locator("q[data-greeting=de]")).to_have_text("Sehr geehrter Herr Dr. Müller,")


def test_timeline_pages_with_htmx(page: Page, server: dict) -> None:
    sign_in(page, "sales")
    page.goto(f"/profiles/{server['max']}")
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2")
    page.click(".pager a:has-text('Older')")
    expect(page.locator(".pager")).to_contain_text("Page 2 of 2")


def test_switching_language_to_german_and_back(own_page: Page) -> None:
    sign_in(own_page, "dpo")
    own_page.click("button[name=language][value=de]")
    expect(own_page.locator("h1")).to_have_text("Kunden finden")
    own_page.click("button[name=language][value=en]")
    expect(own_page.locator("h1")).to_have_text("Find a customer")


def test_sales_is_refused_the_dpo_page_and_sign_out_works(page: Page) -> None:
    sign_in(page, "sales")
    response = page.goto("/dpo/audit")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("You are not allowed to see this page.")
    page.goto("/profiles")
    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto("/profiles")
    expect(page).to_have_url(re.compile(r"/signin"))


def test_server_answers_many_requests_at_once_on_all_its_threads(page: Page, server: dict) -> None:
    sign_in(page, "sales")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    host, port = server["url"].removeprefix("http://").split(":")

    def fetch(_: int) -> int:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("GET", f"/profiles/{server['max']}", headers={"Cookie": cookie})
        status = connection.getresponse().status
        connection.close()
        return status

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(fetch, range(80)))
    assert statuses == [200] * 80


def test_dpo_takes_an_access_request_from_intake_to_the_archive(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "dpo")
    own_page.click("nav a:has-text('Requests')")
    own_page.click("a:has-text('New request')")
    own_page.select_option("select[name=kind]", "access")
    own_page.fill("input[name=email]", "erika@example.org")
    with own_page.expect_navigation(wait_until="load"):
        own_page.click("button:has-text('Open request')")
    expect(own_page.locator("h1")).to_contain_text("Access (Art. 15)")
    with own_page.expect_navigation(wait_until="load"):
        own_page.click("button:has-text('This is the requester')")
    with own_page.expect_navigation(wait_until="load"):
        own_page.click("button:has-text('Identity verified')")
    with own_page.expect_download() as download:
        own_page.click("button:has-text('Download the archive')")
    assert download.value.suggested_filename.endswith(".zip")
    own_page.goto("/dpo/requests")
    expect(own_page.locator("table.inbox tbody tr")).to_have_count(1)


def test_consent_change_updates_the_profile_in_place(own_page: Page, own_server: dict) -> None:
    sign_in(own_page, "marketing")
    own_page.goto(f"/profiles/{own_server['max']}")
    form = own_page.locator("form.consent-form")
    form.locator("select[name=purpose]").select_option("personalised_offers")
    form.locator("input[name=reason]").fill("asked at the fair")
    form.locator("button").click()
    expect(own_page.locator("#consent table.consent")).to_contain_text("Personalised offers")
    expect(own_page.locator("#consent form.consent-form input[name=reason]")).to_have_value("")


def test_dpo_changes_a_retention_period_in_the_browser(own_page: Page) -> None:
    sign_in(own_page, "dpo")
    own_page.click("nav a:has-text('Retention')")
    months = own_page.locator("input[form='rule-support_tickets'][name=months]")
    months.fill("30")
    with own_page.expect_navigation(wait_until="load"):
        own_page.locator("button[form='rule-support_tickets']").click()
    expect(own_page.locator("input[form='rule-support_tickets'][name=months]")).to_have_value("30")
    expect(own_page.locator("input[form='rule-purchases'][name=months]")).to_have_value("120")
