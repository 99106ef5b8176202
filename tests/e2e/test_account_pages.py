"""The account pages in a real browser: accessible at phone and desktop sizes, working under
the Content-Security-Policy."""

from __future__ import annotations


def test_sign_in_page_is_accessible(page, live_server, assert_accessible):
    response = page.goto(live_server("/login"))
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.get_by_label("Email address").get_attribute("autocomplete") == "username"
    assert page.get_by_label("Password").get_attribute("autocomplete") == "current-password"
    assert_accessible(page)


def test_sign_in_errors_are_announced_and_accessible(page, live_server, assert_accessible):
    page.goto(live_server("/login"))
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Email address").get_attribute("aria-invalid") == "true"
    assert_accessible(page)


def test_forgot_password_page_is_accessible(page, live_server, assert_accessible):
    page.goto(live_server("/password/forgot"))
    assert_accessible(page)
