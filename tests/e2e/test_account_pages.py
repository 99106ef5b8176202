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


def _clinician(live_server, email: str) -> None:
    from portal.extensions import db
    from tests.factories import UserFactory

    with live_server.app.app_context():
        UserFactory(role="clinician", email=email, display_name=None, phone=None)
        db.session.commit()
        db.session.remove()


def test_your_account_page_sets_name_and_phone(page, live_server, viewport, assert_accessible):
    from tests.e2e.signing import sign_in

    email = f"account-{viewport}@example.org"
    _clinician(live_server, email)
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Your account").click()
    assert page.get_by_role("heading", name="Your account").is_visible()
    # Nothing runs off the side at phone width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_label("Your name").fill("Sam Rivera")
    page.get_by_label("Work phone").fill("call me")
    page.get_by_role("button", name="Save your details").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Work phone").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Your name").input_value() == "Sam Rivera"  # nothing typed is lost
    assert_accessible(page)

    page.get_by_label("Work phone").fill("703 555 0100")
    page.get_by_role("button", name="Save your details").click()
    assert page.get_by_role("status").inner_text() == "Your details are saved."
    assert page.get_by_label("Work phone").input_value() == "(703) 555-0100"


def test_your_account_page_works_without_javascript(no_js_page, live_server):
    from tests.e2e.signing import sign_in

    email = "account-no-js@example.org"
    _clinician(live_server, email)
    sign_in(no_js_page, live_server, email)
    no_js_page.goto(live_server("/account"))
    no_js_page.get_by_label("Your name").fill("Sam Rivera")
    no_js_page.get_by_label("Work phone").fill("7035550100")
    no_js_page.get_by_role("button", name="Save your details").click()
    assert no_js_page.get_by_label("Work phone").input_value() == "(703) 555-0100"
