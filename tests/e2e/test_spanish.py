"""A Spanish-speaking resident in Chromium set to Spanish: home, search, filters, a service page,
"text this" and "report a problem", meeting no English interface word, with axe passing; the
language switch works without JavaScript; a right-to-left page still fits a phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.spanish_text import english_words

SPANISH = {"locale": "es-US", "extra_http_headers": {"Accept-Language": "es-US,es;q=0.9"}}


def assert_spanish(page, assert_accessible) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert english_words(page.content()) == [], page.url
    assert_accessible(page)


def test_a_spanish_speaker_finds_a_service_and_reports_a_problem(open_page, assert_accessible):
    page = open_page("phone", **SPANISH)
    page.goto("/")
    assert_spanish(page, assert_accessible)
    expect(page.get_by_role("link", name="English")).to_be_visible()

    box = page.get_by_role("searchbox", name="Buscar servicios")
    box.fill("consejería")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resultados de la búsqueda")
    expect(page.locator(".result-count")).to_have_text(re.compile(r"coincide"))
    # The map's pins are named after the listings, in the listings' language.
    expect(page.locator(".leaflet-marker-icon").first).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Acercar")).to_be_visible()
    assert_spanish(page, assert_accessible)

    # A filter: the first payment option, then "Ver resultados"; the chip says it in Spanish.
    filters = page.locator("details.filters, .filters").first
    if filters.evaluate("el => el.tagName") == "DETAILS":
        filters.locator("summary").click()
    option = page.locator("input[name='detail']").first
    option.check()
    page.get_by_role("button", name="Ver resultados").click()
    expect(page.get_by_text("Filtros aplicados")).to_be_visible()
    assert_spanish(page, assert_accessible)

    first = page.locator(".listings .card-title a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name="Horario", exact=True)).to_be_visible()
    assert_spanish(page, assert_accessible)

    page.get_by_role("link", name="Reportar un problema con esta información").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reportar un problema con esta información"
    )
    assert_spanish(page, assert_accessible)
    page.get_by_label("El horario está mal").check()
    page.get_by_role("button", name="Enviar el reporte").click()
    # Thanked (or, sent within seconds, asked again by the bot check), in Spanish either way.
    expect(
        page.get_by_text(re.compile(r"Gracias\. Vamos a revisar|Eso fue muy rápido"))
    ).to_be_visible()
    assert_spanish(page, assert_accessible)


def test_text_this_service_in_spanish(open_page, live_server, assert_accessible):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Phone, Service

    with live_server.app.app_context():
        service_id = db.session.scalars(
            select(Phone.service_id).where(
                Phone.type.in_(("text", "cell")),
                Phone.service_id.in_(select(Service.id).where(Service.status == "active")),
            )
        ).first()
        db.session.remove()
    assert service_id, "the sample catalog has a service to text"
    page = open_page("phone", **SPANISH)
    page.goto(f"/services/{service_id}")
    text = page.get_by_role("link", name="Enviar un texto")
    expect(text.first).to_have_attribute("href", re.compile(r"^sms:"))
    assert_spanish(page, assert_accessible)


def test_the_language_switch_works_without_javascript(open_page):
    page = open_page("phone", java_script_enabled=False)
    page.goto("/search?q=food")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Español").click()
    expect(page).to_have_url(re.compile(r"/search\?q=food&lang=es$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resultados de la búsqueda")
    # The choice is remembered: the next page, without ?lang, is in Spanish too.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find help near Alexandria, Virginia")


def test_a_right_to_left_page_still_fits_a_phone(open_page, live_server):
    page = open_page("phone")
    for path in (
        "/",
        f"/services/{live_server.catalog.multi_location_service_id}",
        "/search?q=food",
    ):
        page.goto(path)
        page.evaluate("document.documentElement.setAttribute('dir', 'rtl')")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        # Logical properties follow the direction: the skip link hides off the right edge.
        box = page.locator(".skip-link").bounding_box()
        assert box is not None and box["x"] > page.viewport_size["width"], path
