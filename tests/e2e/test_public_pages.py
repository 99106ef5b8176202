"""The public pages in a real Chromium, at phone and desktop sizes.

Each public page type is checked with axe-core and for what every page must offer: the crisis
lines, a working skip link and no sideways scrolling on a phone. Then the paths people take:
searching from the home page, browsing without JavaScript, reading a service page, and the
404 page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PAGES = [
    "home",
    "category",
    "crisis-service",
    "multi-location-service",
    "organization",
    "location",
    "search",
    "not-found",
]
CRISIS_RED = "rgb(138, 28, 28)"  # --crisis in portal.css: proves the stylesheet loaded
MAPS = re.compile(r"^https://www\.google\.com/maps/dir/")


def first_category_path(page) -> str:
    page.goto("/")
    link = page.locator(".category-grid h3 a").first
    href = link.get_attribute("href")
    assert href and href.startswith("/categories/"), href
    return href


def path_of(name: str, page, live_server) -> tuple[str, int]:
    """The path of a page of the given kind, and the status it should answer with."""
    catalog = live_server.catalog
    return {
        "home": lambda: ("/", 200),
        "category": lambda: (first_category_path(page), 200),
        "crisis-service": lambda: (f"/services/{catalog.crisis_service_id}", 200),
        "multi-location-service": lambda: (f"/services/{catalog.multi_location_service_id}", 200),
        "organization": lambda: (f"/organizations/{catalog.organization_id}", 200),
        "location": lambda: (f"/locations/{catalog.location_id}", 200),
        "search": lambda: ("/search?q=counseling", 200),
        "not-found": lambda: ("/services/no-such-service", 404),
    }[name]()


def visit(page, name: str, live_server):
    path, status = path_of(name, page, live_server)
    response = page.goto(path)
    assert response is not None and response.status == status, (path, response and response.status)
    return response


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_problems(page, name, live_server, assert_accessible):
    visit(page, name, live_server)
    assert_accessible(page)


@pytest.mark.parametrize("name", PAGES)
def test_page_shows_crisis_lines_and_fits_the_screen(page, name, live_server, blocked_requests):
    visit(page, name, live_server)
    banner = page.locator(".crisis-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_css("background-color", CRISIS_RED)
    for href, text in (("tel:988", "Call 988"), ("sms:988", "text 988"), ("tel:911", "call 911")):
        link = banner.locator(f'a[href="{href}"]')
        expect(link).to_be_visible()
        expect(link).to_have_text(text)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways: "
        + str(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    )
    assert blocked_requests == [], "the page asked for other hosts"


@pytest.mark.parametrize("name", ["home", "multi-location-service", "not-found"])
def test_first_tab_reaches_skip_link_which_moves_focus_to_main(page, name, live_server):
    visit(page, name, live_server)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_home_search_submits_and_shows_results(page):
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search services")
    expect(box).to_have_count(1)  # the home page has one search box, in the hero
    box.fill("counseling")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=counseling$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results")
    expect(page.locator(".result-count")).to_have_text(
        re.compile(r"^\d+ services? match(es)? “counseling”$")
    )
    results = page.locator(".listings .card-title a")
    expect(results.first).to_be_visible()
    name = results.first.inner_text()
    results.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_pages_work_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/")
    category = page.locator(".category-grid h3 a").first
    category_name = category.inner_text()
    category.click()
    expect(page).to_have_url(re.compile(r"/categories/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(category_name)
    service = page.locator(".listings .card-title a").first
    service_name = service.inner_text()
    service.click()
    expect(page).to_have_url(re.compile(r"/services/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(service_name)
    expect(page.locator(".crisis-banner a[href='tel:988']")).to_be_visible()
    # The search form is a plain GET form: it works without scripts too.
    page.get_by_role("searchbox", name="Search services").fill("counseling")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".listings .card-title a").first).to_be_visible()


def test_service_page_shows_hours_phone_locations_and_directions(page, live_server):
    page.goto(f"/services/{live_server.catalog.multi_location_service_id}")
    main = page.locator("main")
    hours = main.locator("section[aria-labelledby='hours-heading'] table.hours").first
    expect(hours).to_be_visible()
    expect(hours.locator("tbody tr")).to_have_count(7)
    call = main.locator(".actions a[href^='tel:']")
    expect(call).to_be_visible()
    expect(call).to_have_text(re.compile(r"^Call [\d()\- ]+"))
    places = main.locator(".location-block")
    assert places.count() >= 2, "the service should list two or more locations"
    for i in range(places.count()):
        place = places.nth(i)
        expect(place.locator(".address")).to_have_text(re.compile(r", [A-Z]{2} \d{5}"))
        directions = place.get_by_role("link", name=re.compile(r"^Directions to "))
        expect(directions).to_have_attribute("href", MAPS)
    expect(main.locator(".actions").get_by_role("link", name="Get directions")).to_have_attribute(
        "href", MAPS
    )


def test_crisis_service_is_open_around_the_clock(page, live_server):
    page.goto(f"/services/{live_server.catalog.crisis_service_id}")
    main = page.locator("main")
    expect(main.locator(".service-header .badge-open")).to_have_text("Open now")
    days = main.locator("section[aria-labelledby='hours-heading'] table.hours tbody tr td")
    expect(days).to_have_count(7)
    expect(days).to_have_text(["Open 24 hours"] * 7)
    expect(main.locator("a[href^='tel:']").first).to_be_visible()


def test_organization_and_location_pages_link_to_services(page, live_server):
    catalog = live_server.catalog
    page.goto(f"/organizations/{catalog.organization_id}")
    service_link = page.locator(f"main a[href='/services/{catalog.multi_location_service_id}']")
    expect(service_link).to_be_visible()
    page.goto(f"/locations/{catalog.location_id}")
    main = page.locator("main")
    expect(main.locator(".address")).to_have_text(re.compile(r", [A-Z]{2} \d{5}"))
    expect(main.get_by_role("link", name="Get directions")).to_have_attribute("href", MAPS)
    service_link = main.locator(f"a[href='/services/{catalog.multi_location_service_id}']")
    expect(service_link).to_be_visible()


def test_unknown_service_gives_the_404_page_in_site_style(page):
    response = page.goto("/services/00000000-0000-0000-0000-000000000000")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(page.locator(".crisis-banner")).to_have_css("background-color", CRISIS_RED)
    expect(page.locator(".crisis-banner a[href='tel:988']")).to_be_visible()
    page.get_by_role("link", name="Go to the home page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Find help"))


def test_service_page_screenshot_at_phone_size(phone_page, live_server):
    """Not an assertion on pixels: a picture to look at (/tmp/e2e-service-phone.png)."""
    phone_page.goto(f"/services/{live_server.catalog.multi_location_service_id}")
    expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
    phone_page.screenshot(path="/tmp/e2e-service-phone.png", full_page=True)


def test_axe_check_reports_problems_even_under_a_strict_csp(
    page, live_server, serious_axe_violations
):
    """The checker itself: it finds a planted problem on a page whose CSP forbids inline
    scripts, so passing pages mean something, also after the app sends a CSP."""
    probe = live_server("/__axe-probe")
    page.route(
        probe,
        lambda route: route.fulfill(
            status=200,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": "default-src 'self'; script-src 'self'",
            },
            body="<!doctype html><html lang='en'><title>probe</title>"
            "<main><img src='/static/none.png'><button></button></main></html>",
        ),
    )
    page.goto(probe)
    found = {v["id"] for v in serious_axe_violations(page)}
    assert {"image-alt", "button-name"} <= found, found
