"""Phone-first results, sharing, the map and one-tap capacity in a real Chromium at 390 × 844
(issue 12, points 3, 5, 6 and 7), each page checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Organization, Service
from tests.e2e.test_provider_edit import sign_in
from tests.factories import UserFactory

PHONE_HEIGHT = 844


@pytest.fixture(scope="module")
def provider(live_server):
    with live_server.app.app_context():
        organization = db.session.get(Organization, live_server.catalog.organization_id)
        user = UserFactory(
            role="provider", organizations=[organization], email="e2e.capacity@example.org"
        )
        service = db.session.get(Service, live_server.catalog.multi_location_service_id)
        db.session.commit()
        info = {"email": user.email, "service_id": service.id, "service_name": service.name}
        db.session.remove()
    return info


@pytest.mark.parametrize("path", ["/search?q=counseling", "/search?q=shelter&open=now"])
def test_the_first_result_is_visible_without_scrolling(phone_page, path):
    page = phone_page
    page.goto(path)
    first = page.locator(".listings > li").first
    title = first.locator(".card-title")
    expect(title).to_be_visible()
    box = title.bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE_HEIGHT, f"first result's title ends at {box}"
    assert page.evaluate("window.scrollY") == 0
    chips = page.locator(".quick-filters")
    assert chips.bounding_box()["y"] < box["y"]  # the chips come first, in one row
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_chip_applies_at_once_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/search?q=counseling")
    total = int(re.match(r"\d+", page.locator(".result-count").inner_text()).group())
    chip = page.locator('[data-chip="room"]')
    count = int(re.search(r"\((\d+)\)", chip.inner_text()).group(1))
    assert 0 < count < total
    chip.click()
    expect(page).to_have_url(re.compile(r"room=y"))
    expect(page.locator(".result-count")).to_have_text(re.compile(rf"^{count} "))
    expect(page.locator('[data-chip="room"]')).to_have_attribute("aria-current", "true")
    page.locator('[data-chip="room"]').click()
    expect(page.locator(".result-count")).to_have_text(re.compile(rf"^{total} "))


def test_result_cards_have_a_large_call_button(phone_page):
    page = phone_page
    page.goto("/search?q=counseling")
    call = page.locator(".listings .button-call").first
    expect(call).to_have_attribute("href", re.compile(r"^tel:"))
    box = call.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300


def test_results_map_adds_to_the_list_and_is_reachable_by_keyboard(
    phone_page, assert_accessible, blocked_requests
):
    page = phone_page
    page.goto("/search?q=counseling")
    section = page.locator("[data-map-section]")
    expect(section).to_be_visible()
    markers = page.locator(".leaflet-marker-icon")
    expect(markers.first).to_be_visible()
    assert markers.count() <= page.locator(".listings > li").count() * 3
    name = markers.first.get_attribute("alt")
    assert name and markers.first.get_attribute("role") == "button"
    markers.first.focus()
    page.keyboard.press("Enter")
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_be_visible()
    assert name.startswith(popup_link.inner_text())
    # The map comes after the whole list.
    last_card = page.locator(".listings > li").last.bounding_box()
    assert section.bounding_box()["y"] > last_card["y"]
    assert_accessible(page)
    assert blocked_requests == []


def test_without_javascript_there_is_no_map_and_the_list_is_whole(no_js_page):
    page = no_js_page
    page.goto("/search?q=counseling")
    expect(page.locator("[data-map-section]")).to_be_hidden()
    expect(page.locator(".listings > li").first).to_be_visible()


def test_share_a_service_and_keep_a_short_list(phone_page, live_server, assert_accessible):
    page = phone_page
    page.goto(f"/services/{live_server.catalog.multi_location_service_id}")
    name = page.get_by_role("heading", level=1).inner_text()
    expect(page.get_by_role("link", name="Text this")).to_have_attribute(
        "href", re.compile(r"^sms:\?&body=")
    )
    expect(page.get_by_role("link", name="Email this")).to_have_attribute(
        "href", re.compile(r"^mailto:\?subject=")
    )
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # shown by share.js
    expect(page.locator(".share svg")).to_be_visible()  # the QR code
    expect(page.locator("[data-map-section]")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Save to my list").click()
    expect(page.get_by_role("link", name="On your list: see it")).to_be_visible()
    page.get_by_role("link", name="On your list: see it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My list")
    expect(page.locator(".listings .card-title")).to_have_text([name])
    assert_accessible(page)
    page.get_by_role("button", name="Make a link").click()
    expect(page).to_have_url(re.compile(r"/l/[A-Za-z0-9_-]+$"))
    expect(page.get_by_text(name).first).to_be_visible()
    expect(page.get_by_role("link", name="Text this")).to_have_attribute(
        "href", re.compile(r"%2Fl%2F")
    )
    assert_accessible(page)


def test_category_page_has_the_chips(phone_page, assert_accessible):
    page = phone_page
    page.goto("/")
    page.locator(".category-grid h3 a").first.click()
    expect(page.locator(".quick-filters")).to_be_visible()
    assert_accessible(page)


def test_provider_updates_capacity_with_one_tap(
    phone_page, live_server, provider, assert_accessible
):
    page = phone_page
    sign_in(page, live_server, provider["email"])
    page.goto(f"/provider/organizations/{live_server.catalog.organization_id}")
    form = page.locator(f"#capacity-{provider['service_id']}")
    assert_accessible(page)
    form.get_by_role("button", name=re.compile(r"^Full")).click()
    expect(page.locator(".flash")).to_contain_text("are published")
    expect(page.locator(f"#capacity-{provider['service_id']} .capacity-now")).to_contain_text(
        "Not accepting new clients"
    )
    page.goto(f"/services/{provider['service_id']}")
    expect(page.locator(".capacity-updated")).to_contain_text(re.compile(r"Updated .* ago"))
