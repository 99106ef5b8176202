"""Every page a resident sees, in Spanish, has no English interface word left: the visible text
and the attributes a screen reader reads, minus the listings' own text (marked lang="en")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from portal.auth.permissions import public
from portal.catalog.seed import load_sample_catalog
from portal.errors import render_error
from portal.models import Location, Organization, Service, ServiceList, ServiceListItem
from portal.models.catalog import PUBLIC_STATUSES, TaxonomyTerm
from portal.search import rebuild_index
from tests.database import built_once

SPANISH = {"Accept-Language": "es-US,es;q=0.9"}
READ_ALOUD = ("aria-label", "placeholder", "title", "alt")
# <title> holds a listing's name beside the site's, and cannot mark half of itself lang="en".
SKIPPED = {"script", "style", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

# English words of the interface that are not also Spanish words.
ENGLISH = re.compile(
    r"\b(the|and|of|for|with|your|you|please|search|filters?|open|closed|call|hours|today|"
    r"services?|category|categories|languages?|phone|where|who|what|how|report|problem|"
    r"listings?|page|next|previous|miles?|home|skip|back|send|sign|staff|download|near|"
    r"results?|found|free|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"accepting|clients?|walk-ins?|welcome|payment|ages?|verified|directions|website|"
    r"location|organization|crisis help|text|emergency|am|pm)\b",
    re.IGNORECASE,
)
# Proper names the Spanish text keeps, and addresses (no language).
NAMES = re.compile(
    r"Open Referral|HSDS|Medicaid|Medicare|TRICARE|SNAP|SSI|SSDI|Suboxone|Narcan"
    r"|\S+@\S+|https?://\S+"
)


class InterfaceText(HTMLParser):
    """The text and read-aloud attributes outside elements marked with another language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skipped = tag in SKIPPED or (values.get("lang") not in (None, "es") and tag != "html")
        if not skipped and not self.skipping:
            self.parts += [values[name] or "" for name in READ_ALOUD if name in values]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.parts.append(values.get("value") or "")
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    parser = InterfaceText()
    parser.feed(html)
    text = NAMES.sub(" ", " ".join(parser.parts))
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


def assert_spanish(response, expected_status=200):
    assert response.status_code == expected_status, response.request.path
    page = response.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert english_words(page) == [], response.request.path


def test_the_scanner_finds_english_and_skips_listing_text():
    assert english_words('<p>Buscar <a href="/">Search</a></p>') == ["Search"]
    assert english_words('<button aria-label="Open menu">x</button>') == ["Open"]
    assert english_words('<p lang="en">Open now for walk-ins</p><p>Abierto</p>') == []
    assert english_words('<p>Lo ofrece <span lang="en">Home Services</span></p>') == []


@built_once
def sample(db):
    load_sample_catalog(db.session)
    db.session.commit()
    rebuild_index()
    return db


def _first(model, *where):
    from portal.extensions import db

    return db.session.scalars(select(model).where(*where).limit(1)).one()


def test_home_search_and_filters_in_spanish(sample, client):
    assert_spanish(client.get("/", headers=SPANISH))
    for url in (
        "/search?q=consejería",
        "/search?q=comida&open=now",
        "/search?q=counseling&detail=payment-medicaid&detail=delivery-walk-in&age=30",
        "/search?q=detox&zip=22314&radius=10&sort=distance",
        "/search?q=vivienda&open=at&day=mon&time=09:00",
        "/search?q=xqzzyqq",
        "/search",
    ):
        assert_spanish(client.get(url, headers=SPANISH))


def test_bad_search_input_answers_in_spanish(sample, client):
    response = client.get("/search?q=food&age=300&zip=1", headers=SPANISH)
    assert_spanish(response, 400)
    page = response.get_data(as_text=True)
    assert "La edad debe estar entre 0 y 120." in page


def test_every_category_page_in_spanish(sample, client):
    terms = sample.session.scalars(select(TaxonomyTerm)).all()
    assert terms
    for term in terms:
        response = client.get(f"/categories/{term.id}", headers=SPANISH)
        if response.status_code == 404:  # the details taxonomy is not browsed
            continue
        assert_spanish(response)


def test_every_service_organization_and_location_page_in_spanish(sample, client):
    services = sample.session.scalars(select(Service)).all()
    for service in services:
        assert_spanish(client.get(f"/services/{service.id}", headers=SPANISH))
    for organization in sample.session.scalars(select(Organization)).all():
        assert_spanish(client.get(f"/organizations/{organization.id}", headers=SPANISH))
    for location in sample.session.scalars(select(Location)).all():
        assert_spanish(client.get(f"/locations/{location.id}", headers=SPANISH))


def test_report_a_problem_in_spanish(sample, client):
    service = _first(Service, Service.status.in_(PUBLIC_STATUSES))
    assert_spanish(client.get(f"/services/{service.id}/report", headers=SPANISH))
    # Sent at once and without a CSRF token: refused with a Spanish message, never a 500.
    response = client.post(
        f"/services/{service.id}/report", data={"kind": "wrong hours"}, headers=SPANISH
    )
    assert response.status_code in (400, 422)
    assert_spanish(response, response.status_code)


def test_the_public_list_link_in_spanish(sample, client):
    from tests.factories import UserFactory

    services = sample.session.scalars(
        select(Service).where(Service.status.in_(PUBLIC_STATUSES)).limit(3)
    ).all()
    clinician = UserFactory(role="clinician")
    service_list = ServiceList(
        token="lista-de-prueba",
        created_by_id=clinician.id,
        items=[ServiceListItem(service_id=s.id, position=i) for i, s in enumerate(services)],
    )
    sample.session.add(service_list)
    sample.session.commit()
    assert_spanish(client.get("/l/lista-de-prueba", headers=SPANISH))


@pytest.mark.parametrize("path", ["/no-such-page", "/services/no-such-service"])
def test_not_found_in_spanish(client, path):
    assert_spanish(client.get(path, headers=SPANISH), 404)


def test_too_many_requests_and_server_error_pages_in_spanish(app, client):
    with app.test_request_context("/search", headers=SPANISH):
        body, status = render_error(TooManyRequests())
        assert status == 429
        assert english_words(body) == [] and '<html lang="es">' in body
        assert "Demasiados intentos" in body


def test_an_unexpected_error_answers_in_spanish(app, client):
    @app.get("/boom-for-test")
    @public
    def boom():
        raise RuntimeError("a bug")

    assert_spanish(client.get("/boom-for-test", headers=SPANISH), 500)
