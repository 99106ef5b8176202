"""The public directory pages, built from factory records."""

import datetime as dt
import re

import pytest
from sqlalchemy import event

from portal.catalog import vocabulary
from portal.models import Attribute, CostOption, ServiceCapacity, Unit
from tests.factories import (
    AddressFactory,
    AttributeFactory,
    LanguageFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)


@pytest.fixture
def categories(db):
    taxonomy = TaxonomyFactory()
    substance = TaxonomyTermFactory(name="Substance use", taxonomy_detail=taxonomy)
    detox = TaxonomyTermFactory(
        name="Withdrawal management (detox)", taxonomy_detail=taxonomy, parent=substance
    )
    food = TaxonomyTermFactory(name="Food", taxonomy_detail=taxonomy)
    return {"substance": substance, "detox": detox, "food": food}


def file_under(service, term):
    AttributeFactory(link_id=service.id, taxonomy_term=term)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_home_shows_crisis_lines_search_and_categories(client, categories):
    page = text(client.get("/"))
    assert 'href="tel:988"' in page and 'href="sms:988"' in page and 'href="tel:911"' in page
    assert 'role="search"' in page and 'action="/search"' in page
    assert f"/categories/{categories['substance'].id}" in page
    assert f"/categories/{categories['detox'].id}" in page  # sub-categories are entry points too
    assert "sample listings" in page


def test_category_lists_its_own_and_its_subcategories_services(client, categories):
    in_parent = ServiceFactory(name="Outpatient Recovery Group")
    in_child = ServiceFactory(name="Medical Detox Unit")
    elsewhere = ServiceFactory(name="Weekend Food Pantry")
    hidden = ServiceFactory(name="Old Closed Program", status="inactive")
    gone = ServiceFactory(name="Defunct Program", status="defunct")
    file_under(in_parent, categories["substance"])
    file_under(in_child, categories["detox"])
    file_under(elsewhere, categories["food"])
    file_under(hidden, categories["detox"])
    file_under(gone, categories["detox"])

    page = text(client.get(f"/categories/{categories['substance'].id}"))
    assert "Outpatient Recovery Group" in page and "Medical Detox Unit" in page
    assert "Weekend Food Pantry" not in page
    assert "Old Closed Program" not in page and "Defunct Program" not in page
    assert "2 services" in page

    child_page = text(client.get(f"/categories/{categories['detox'].id}"))
    assert "Medical Detox Unit" in child_page and "Outpatient Recovery Group" not in child_page


def test_temporarily_closed_services_come_last_and_say_so(client, categories):
    closed = ServiceFactory(name="Aardvark Counseling", status="temporarily closed")
    open_ = ServiceFactory(name="Zebra Counseling")
    for service in (closed, open_):
        file_under(service, categories["food"])
    page = text(client.get(f"/categories/{categories['food'].id}"))
    assert page.index("Zebra Counseling") < page.index("Aardvark Counseling")
    assert "Temporarily closed" in page


def test_category_pages_are_paginated(app, client, categories):
    app.config["PORTAL_PAGE_SIZE"] = 3
    for n in range(7):
        file_under(ServiceFactory(name=f"Pantry {n}"), categories["food"])
    url = f"/categories/{categories['food'].id}"
    first, third = text(client.get(url)), text(client.get(url + "?page=3"))
    assert "Page 1 of 3" in first and "Pantry 0" in first and "Pantry 3" not in first
    assert 'rel="next"' in first
    assert "Pantry 6" in third and "Pantry 0" not in third and 'rel="next"' not in third


@pytest.mark.parametrize("page", ["99", "0", "-4", "abc", "9" * 40])
def test_odd_page_numbers_never_fail(client, categories, page):
    file_under(ServiceFactory(name="Only Pantry"), categories["food"])
    response = client.get(f"/categories/{categories['food'].id}?page={page}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/services/no-such-id",
        "/organizations/00000000-0000-0000-0000-000000000000",
        "/locations/nope",
        "/categories/not-a-term",
        "/no/such/page",
    ],
)
def test_unknown_ids_get_the_sites_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    page = text(response)
    assert "We could not find that page" in page and 'href="tel:988"' in page


def test_a_term_of_another_taxonomy_is_not_a_category(client, db):
    other = TaxonomyTermFactory(name="Some imported term")
    assert client.get(f"/categories/{other.id}").status_code == 404


def test_404_answers_json_to_json_clients(client):
    response = client.get("/services/none", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


@pytest.fixture
def full_service(db, categories):
    org = OrganizationFactory(name="Riverside Sample Health")
    service = ServiceFactory(
        organization=org,
        name="Same-Day Counseling",
        description="Talk with a counselor the same day you call.",
        eligibility_description="Adults who live in the city.",
        application_process="Walk in or call to book.",
        fees_description="No one is turned away for inability to pay.",
        minimum_age=18,
        assured_date=dt.date.today() - dt.timedelta(days=10),
        accepting_new_clients=True,
        waitlist_length=4,
    )
    file_under(service, categories["substance"])
    PhoneFactory(service_id=service.id, number="703-555-0142")
    PhoneFactory(service_id=service.id, number="988", type="text")
    ScheduleFactory(
        service_id=service.id, byday="MO,TU,WE,TH,FR", opens_at=dt.time(8), closes_at=dt.time(20)
    )
    ScheduleFactory(service_id=service.id, byday="SA", opens_at=dt.time(22), closes_at=dt.time(3))
    location = LocationFactory(organization=org, name="Riverside Clinic")
    AddressFactory(location=location, address_1="12 Sample Way", postal_code="22301")
    ServiceAtLocationFactory(service=service, location=location)
    LanguageFactory(service_id=service.id, name="Spanish", code="es")
    LanguageFactory(service_id=service.id, name="Amharic", code="am")
    db.session.add(CostOption(service_id=service.id, option="Per visit", amount=0, currency="USD"))
    beds = Unit(name="beds")
    db.session.add(ServiceCapacity(service_id=service.id, unit=beds, available=3, maximum=12))
    payment_term = TaxonomyTermFactory(
        name="Medicaid", code="payment-medicaid", taxonomy_detail=None
    )
    db.session.add(
        Attribute(
            link_id=service.id,
            link_entity="service",
            link_type=vocabulary.DETAIL_LINK,
            taxonomy_term=payment_term,
        )
    )
    db.session.flush()
    return service


def test_service_page_has_what_a_person_needs_to_act(client, full_service):
    page = text(client.get(f"/services/{full_service.id}"))
    assert "Same-Day Counseling" in page and "Riverside Sample Health" in page
    assert "Talk with a counselor the same day you call." in page
    assert "Adults who live in the city." in page and "Ages 18 and older." in page
    assert "Walk in or call to book." in page
    assert 'href="tel:+17035550142"' in page and "(703) 555-0142" in page
    assert 'href="tel:988"' in page and 'href="sms:988"' in page
    assert "8 am – 8 pm" in page and "10 pm – 3 am" in page  # weekdays and past midnight
    assert "12 Sample Way, Alexandria, VA 22301" in page
    assert "google.com/maps/dir/?api=1&amp;destination=12+Sample+Way" in page
    assert "Amharic, Spanish" in page
    assert "Medicaid" in page and "No one is turned away" in page
    assert "Accepting new clients" in page and "4 people on the waitlist" in page
    assert "Beds available: 3 of 12" in page
    assert "Last verified" in page and "may be out of date" not in page
    assert "Substance use" in page


def statements_sent(db, fetch) -> int:
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert fetch().status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(sent)


def test_a_service_page_reads_its_records_in_a_few_queries_however_many_places(
    client, db, full_service
):
    """One query per kind of record (service_records), not one per eager-loading path;
    and the map uses the places already read."""
    url = f"/services/{full_service.id}"
    one_place = statements_sent(db, lambda: client.get(url))
    for n in range(3):
        place = LocationFactory(
            organization=full_service.organization, latitude=38.8 + n, longitude=-77.0
        )
        AddressFactory(location=place)
        PhoneFactory(location_id=place.id)
        ScheduleFactory(location_id=place.id)
        ServiceAtLocationFactory(service=full_service, location=place)
    db.session.commit()
    db.session.expunge_all()
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="location-block"') == 4 and "data-map=" in page
    assert statements_sent(db, lambda: client.get(url)) == one_place <= 12


def test_a_search_page_reads_its_results_in_a_few_queries_however_many(client, db, sample):
    """The cards and the map's pins share one query per kind of record (catalog/listing_cards),
    however many results and places a page shows; the page cache is off in tests."""
    wide, narrow = "/search?q=counseling", "/search?q=counseling&language=es"
    client.get(wide)  # the filter choices, read once a minute (catalog/queries.py)
    pages = {url: client.get(url).get_data(as_text=True) for url in (wide, narrow)}
    assert pages[wide].count('class="card listing"') == 20 and "data-map=" in pages[wide]
    assert 0 < pages[narrow].count('class="card listing"') < 20
    assert statements_sent(db, lambda: client.get(wide)) == 8
    assert statements_sent(db, lambda: client.get(narrow)) == 8


def test_open_now_and_today_follow_the_program_time_zone(app, client, full_service, monkeypatch):
    from portal.directory import presenters

    monkeypatch.setattr(presenters, "local_now", lambda: dt.datetime(2026, 11, 29, 1, 30))
    sunday_night = text(client.get(f"/services/{full_service.id}"))
    assert "Open now" in sunday_night  # Saturday 10 pm – 3 am runs into Sunday
    monkeypatch.setattr(presenters, "local_now", lambda: dt.datetime(2026, 11, 29, 12, 0))
    sunday_noon = text(client.get(f"/services/{full_service.id}"))
    assert "Closed now" in sunday_noon and "Today: Closed" in sunday_noon


def test_old_listings_are_marked_possibly_out_of_date(client, db, full_service):
    full_service.assured_date = dt.date.today() - dt.timedelta(days=400)
    db.session.flush()
    assert "may be out of date" in text(client.get(f"/services/{full_service.id}"))


@pytest.mark.parametrize(
    "status, message",
    [
        ("temporarily closed", "This service is temporarily closed."),
        ("inactive", "This service is no longer offered."),
        ("defunct", "This service is no longer offered."),
    ],
)
def test_closed_services_say_so_at_the_top(client, db, full_service, status, message):
    full_service.status = status
    full_service.alert = "Closed for repairs until December."
    db.session.flush()
    page = text(client.get(f"/services/{full_service.id}"))
    assert message in page
    assert page.index(message) < page.index('id="service-name"')


def test_service_without_hours_or_location_says_to_call(client, db):
    service = ServiceFactory(name="Phone Only Line")
    page = text(client.get(f"/services/{service.id}"))
    assert "Hours not listed. Call to ask." in page
    assert "Reach this service by phone or online." in page


def test_organization_and_location_pages(client, full_service):
    org_page = text(client.get(f"/organizations/{full_service.organization_id}"))
    assert "Riverside Sample Health" in org_page and "Same-Day Counseling" in org_page
    assert "Riverside Clinic" in org_page
    location = full_service.service_at_locations[0].location
    location_page = text(client.get(f"/locations/{location.id}"))
    assert "Riverside Clinic" in location_page and "Same-Day Counseling" in location_page
    assert "12 Sample Way" in location_page and "Get directions" in location_page


def test_inactive_services_are_not_listed_on_organization_pages(client, db, full_service):
    ServiceFactory(
        organization=full_service.organization, name="Retired Program", status="inactive"
    )
    page = text(client.get(f"/organizations/{full_service.organization_id}"))
    assert "Retired Program" not in page
