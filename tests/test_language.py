"""The reader's language: explicit choice, then the cookie, then Accept-Language, then English;
<html lang>, the switch link and the hreflang alternates."""

import re

from portal import i18n


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page has no <html lang>"
    return match.group(1)


def test_english_when_the_browser_says_nothing(client):
    response = client.get("/")
    assert html_lang(response) == "en"
    assert "Find help near Alexandria" in response.get_data(as_text=True)


def test_accept_language_spanish_gives_spanish(client):
    response = client.get("/", headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"})
    page = response.get_data(as_text=True)
    assert html_lang(response) == "es"
    assert "Encuentre ayuda cerca de Alexandria" in page
    assert "Accept-Language" in response.headers["Vary"]
    assert "Cookie" in response.headers["Vary"]


def test_an_unsupported_browser_language_falls_back_to_english(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8"})) == "en"


def test_the_explicit_choice_sets_a_cookie_that_beats_accept_language(client):
    response = client.get("/?lang=es", headers={"Accept-Language": "en-US"})
    assert html_lang(response) == "es"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{i18n.COOKIE}=es;") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    # The next page, without ?lang, stays in Spanish for this browser.
    assert html_lang(client.get("/search?q=food", headers={"Accept-Language": "en-US"})) == "es"
    # Choosing English again wins over a Spanish browser.
    assert html_lang(client.get("/?lang=en", headers={"Accept-Language": "es"})) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "es"})) == "en"


def test_a_made_up_language_is_ignored(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "es"})
    assert html_lang(response) == "es"
    assert "Set-Cookie" not in response.headers
    client.set_cookie(i18n.COOKIE, "zz")
    assert html_lang(client.get("/")) == "en"


def test_the_switch_link_keeps_the_page_and_its_query(client):
    page = client.get("/search?q=food&open=now&page=2").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" hreflang="es" lang="es">Español</a>', page)
    assert link, "no visible Español link"
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith("/search?") and "q=food" in url and "open=now" in url
    assert url.endswith("lang=es") and "page=2" in url
    spanish = client.get(url).get_data(as_text=True)
    back = re.search(r'<a href="([^"]+)" hreflang="en" lang="en">English</a>', spanish)
    assert back and back.group(1).replace("&amp;", "&").count("lang=") == 1


def test_the_switch_link_is_on_error_pages_too(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert html_lang(response) == "es" and "No pudimos encontrar esa página" in page
    assert 'href="/no-such-page?lang=en" hreflang="en" lang="en">English</a>' in page


def test_hreflang_alternates_name_both_versions_on_the_site_address(app, client):
    app.config["PORTAL_BASE_URL"] = "https://help.example.org/"
    page = client.get("/search?q=food", headers={"Host": "evil.example"}).get_data(as_text=True)
    for code in ("en", "es"):
        expected = f'<link rel="alternate" hreflang="{code}" href="https://help.example.org/search?q=food&amp;lang={code}">'
        assert expected in page
    assert "evil.example" not in page


def test_json_errors_follow_the_language_too(client):
    response = client.get("/api/services/nope", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert response.get_json()["error"]["title"] == "No pudimos encontrar esa página"


def test_text_outside_a_request_is_english(app):
    from flask_babel import gettext

    from portal.catalog import vocabulary

    assert gettext("Open now") == "Open now"
    assert vocabulary.label("Food") == "Food"


def test_a_problem_reported_in_spanish_reaches_the_provider_in_english(app, db):
    from portal.catalog import problems
    from portal.models import EmailMessage
    from tests.factories import OrganizationFactory, ServiceFactory, UserFactory

    organization = OrganizationFactory()
    service = ServiceFactory(organization=organization)
    staff = UserFactory(role="provider")
    staff.organizations.append(organization)
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        problems.report(service, "wrong hours", "")
    email = db.session.query(EmailMessage).filter_by(to=staff.email).one()
    assert email.subject == "A problem was reported with your listing"
    assert "The hours are wrong" in email.body


def test_spanish_dates_times_and_money_are_written_as_in_the_united_states(app):
    import datetime as dt

    from flask import render_template_string

    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        rendered = render_template_string(
            "{{ day|date }} · {{ 1234.5|money }} · {{ _('Monday') }}", day=dt.date(2026, 11, 27)
        )
        assert rendered == "27 nov 2026 · $1,234.50 · lunes"
        from portal.catalog import hours

        assert hours.format_minutes(18 * 60 + 30) == "6:30\u202fp.m."
