"""Crisis-aware search in a real Chromium at phone size (issue 12, points 1 and 8): a crisis
query opens with the panel above the first result, with and without JavaScript, in the
query's language; the 404 page carries a search box and the crisis lines; axe-core finds no
serious or critical problem on these pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


def _top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


@pytest.mark.parametrize(
    ("query", "first_action", "lang"),
    [
        ("i want to kil myself", "tel:988", "en"),
        ("quiero morir", "tel:988", "es"),
        ("my friend overdosed and isnt breathing", "tel:911", "en"),
    ],
)
def test_a_crisis_query_opens_with_the_panel_above_the_first_result(
    phone_page, assert_accessible, query, first_action, lang
):
    response = phone_page.goto(f"/search?q={query.replace(' ', '+')}")
    assert response is not None and response.status == 200
    panel = phone_page.locator("#crisis-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("lang", lang)
    first_result = phone_page.locator("ul.listings > li").first
    expect(first_result).to_be_visible()
    assert _top(panel) < _top(first_result)
    assert _top(panel) < _top(phone_page.locator("main h1"))
    action = panel.locator("a.crisis-action").first
    expect(action).to_have_attribute("href", first_action)
    # Big enough to tap, and in the first screen of a phone.
    box = action.bounding_box()
    assert box is not None and box["height"] >= 44 and box["y"] + box["height"] <= 844
    assert_accessible(phone_page)


def test_the_panel_needs_no_javascript_and_shows_on_zero_results(no_js_page):
    # axe needs JavaScript in the page; the panel is checked with axe in the tests above.
    response = no_js_page.goto("/search?q=someone+is+threatening+me&age=120&language=xx")
    assert response is not None and response.status == 400
    panel = no_js_page.locator("#crisis-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("a.crisis-action").first).to_have_attribute("href", "tel:911")


def test_the_404_page_has_a_search_box_and_the_crisis_lines(phone_page, assert_accessible):
    response = phone_page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(phone_page.locator("#error-search")).to_be_visible()
    crisis = phone_page.locator(".error-crisis")
    expect(crisis.locator('a[href="tel:988"]')).to_be_visible()
    expect(crisis.locator('a[href="tel:911"]')).to_be_visible()
    phone_page.locator("#error-search").fill("detox")
    phone_page.locator("#error-search").press("Enter")
    phone_page.wait_for_url("**/search?q=detox")
    assert_accessible(phone_page)
