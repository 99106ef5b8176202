"""Every page a resident sees, in Spanish, has no English interface word left: the visible text
and the attributes a screen reader reads, minus the listings' own text (marked lang="en")."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from portal.auth.permissions import public
from portal.errors import render_error
from portal.models import Location, Organization, Service, ServiceList, ServiceListItem
from portal.models.catalog import PUBLIC_STATUSES, TaxonomyTerm
from tests.spanish_text import english_words

SPANISH = {"Accept-Language": "es-US,es;q=0.9"}


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


def test_my_list_in_spanish(sample, client):
    assert_spanish(client.get("/my-list", headers=SPANISH))  # empty
    # Services whose names hold English small words ("and", "for"), as many do.
    services = sample.session.scalars(
        select(Service)
        .where(Service.status.in_(PUBLIC_STATUSES), Service.name.contains(" and "))
        .order_by(Service.name)
        .limit(4)
    ).all()
    assert services
    client.set_cookie("my_list", ".".join(s.id for s in services))
    response = client.get("/my-list", headers=SPANISH)
    assert_spanish(response)
    assert "Compartir esta lista" in response.get_data(as_text=True)


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


def test_the_stylesheet_uses_logical_properties_only():
    """A right-to-left translation (Arabic, Amharic is not, but Dari and Pashto are) needs no CSS
    rewrite: no physical left/right, and no four-value margin or padding (they are physical)."""
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "portal/static/css/portal.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.findall(r"[^-\w](left|right)\s*:|-(left|right)\b|:\s*(left|right)\b", css)
    four_values = re.findall(r"\b(?:margin|padding)\s*:\s*([^;}]+)", css)
    assert not [v for v in four_values if len(v.split()) == 4]


def test_search_json_labels_in_spanish(sample, client):
    data = client.get("/search.json?q=consejería", headers=SPANISH).get_json()
    assert data["total"] > 0
    labels = {group["name"]: group["label"] for group in data["filters"]}
    assert labels["category"] == "Categoría" and labels["language"] == "Idioma"
    options = [o["label"] for group in data["filters"] for o in group["options"]]
    assert "Salud mental" in options and "español" in options
    assert english_words(" ".join(["<p>", *labels.values(), *options, "</p>"])) == []
    for result in data["results"]:
        assert result["open_label"] in (
            None,
            "Abierto ahora",
            "Cerrado ahora",
            "Cerrado temporalmente",
        )
        assert result["today"] is None or english_words(f"<p>{result['today']}</p>") == []
    chips = client.get(
        "/search.json?q=comida&open=now&detail=payment-free", headers=SPANISH
    ).get_json()["applied"]
    assert {chip["label"] for chip in chips} == {"Abierto ahora", "Gratis"}
