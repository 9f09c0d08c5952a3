"""The segment builder in Chromium against `cdp serve`: the count follows each change, a value being typed
is never lost to a swap, a wrong value is marked at its row, and a segment saved comes back as its list."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e import test_browser
from tests.e2e.test_browser import sign_in

own_server = test_browser.own_server
seeded = test_browser.seeded
browser = test_browser.browser
own_page = test_browser.own_page


def count(page: Page):
    return page.locator(".segment-count strong")


def test_building_a_segment_counts_as_it_changes_and_saves_it(own_page: Page) -> None:
    sign_in(own_page, "marketing")
    own_page.goto("/customers")
    expect(count(own_page)).to_have_text("3 customers match.")
    with own_page.expect_navigation():
        own_page.click("button[value=add]")
    expect(count(own_page)).to_have_text("1 customer matches.")  # orders at least 1: Max with his 25 orders
    own_page.select_option("select[name='0.op']", "at_most")
    expect(own_page.locator("select[name='0.op']")).to_have_value("at_most")
    own_page.fill("input[name='0.value']", "0")
    expect(count(own_page)).to_have_text("2 customers match.")
    expect(own_page.locator("input[name='0.value']")).to_have_value("0")
    own_page.fill("input[name='0.value']", "lots")
    expect(own_page.locator(".segment-count")).to_contain_text("Not counted")
    own_page.fill("input[name='0.value']", "0")
    expect(count(own_page)).to_have_text("2 customers match.")
    own_page.fill("input[name=name]", "Noch ohne Bestellung")
    with own_page.expect_navigation():
        own_page.click("text=Save as a segment")
    expect(own_page.locator("[role=status]").first).to_contain_text("The segment is saved.")
    expect(own_page.locator("h1")).to_contain_text("Noch ohne Bestellung")
    expect(own_page.locator("#list h2")).to_have_text("2 customers")
    expect(own_page.locator("table.customers")).not_to_contain_text("Max Müller")


def test_a_field_changed_to_another_type_brings_its_own_inputs(own_page: Page) -> None:
    sign_in(own_page, "marketing")
    own_page.goto("/customers")
    with own_page.expect_navigation():
        own_page.click("button[value=add]")
    own_page.select_option("select[name='0.field']", "consent")
    expect(own_page.locator("select[name='0.purpose']")).to_be_visible()
    expect(count(own_page)).to_have_text("0 customers match.")
    expect(own_page.locator(".segment-row.invalid")).to_have_count(0)


def test_why_is_a_person_out(own_page: Page) -> None:
    sign_in(own_page, "sales")
    own_page.goto("/customers")
    with own_page.expect_navigation():
        own_page.click("button[value=add]")
    with own_page.expect_navigation():
        own_page.click("button[value=show]")
    own_page.goto(own_page.url)  # the list as a link: the definition travels in the address
    expect(own_page.locator("#list h2")).to_have_text("1 customer")
