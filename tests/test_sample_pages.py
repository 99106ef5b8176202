"""Every sample service page shows its hours, phones, locations and categories."""

import datetime as dt
import html

from sqlalchemy import select

from portal.catalog import hours, phones, vocabulary
from portal.extensions import db as _db
from portal.models import Service
from portal.models.catalog import PUBLIC_STATUSES


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_every_service_page_shows_its_facts(sample, client):
    services = _db.session.scalars(select(Service)).all()
    assert len(services) >= 80
    for service in services:
        page = page_text(client, f"/services/{service.id}")
        assert service.name in page
        for phone in service.phones:
            assert phones.display(phone.number) in page, (service.name, phone.number)
        for sal in service.service_at_locations:
            address = sal.location.physical_address
            if address is not None:
                assert address.one_line in page, (service.name, address.one_line)
            for phone in sal.phones:
                assert phones.display(phone.number) in page, (service.name, phone.number)
        for attribute in service.attributes:
            if attribute.link_type == vocabulary.CATEGORY_LINK:
                assert attribute.taxonomy_term.name in page, (service.name, attribute.id)
        schedules = service.schedules
        if hours.has_regular_hours(schedules):
            for day in hours.week(schedules, dt.date.today()):
                assert day.label() in page, (service.name, day.name)
        for schedule in schedules:
            if schedule.description:
                assert schedule.description in page, (service.name, schedule.description)
        if service.status not in PUBLIC_STATUSES:
            assert "This service is no longer offered." in page


def test_every_category_organization_and_location_page_renders(sample, client):
    from portal.models import Location, Organization, TaxonomyTerm

    for term in _db.session.scalars(
        select(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
        )
    ):
        assert term.name in page_text(client, f"/categories/{term.id}")
    for organization in _db.session.scalars(select(Organization)):
        assert organization.name in page_text(client, f"/organizations/{organization.id}")
    for location in _db.session.scalars(select(Location)):
        page_text(client, f"/locations/{location.id}")
