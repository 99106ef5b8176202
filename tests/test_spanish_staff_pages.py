"""The pages a provider's staff use, in Spanish: their listings, the listing editor, "still
correct", the referral inbox and a referral; no English interface word (listing text aside)."""

from __future__ import annotations

from portal.models.catalog import utcnow
from tests.accounts import signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ReferralFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)
from tests.spanish_text import english_words

SPANISH = {"Accept-Language": "es"}


def test_provider_staff_pages_in_spanish(app, db):
    org = OrganizationFactory(name="Riverbend Community Services")
    service = ServiceFactory(organization=org, name="Riverbend Counseling")
    service.phones.append(PhoneFactory.build(number="(703) 555-0100"))
    service.schedules.append(ScheduleFactory.build())
    ServiceAtLocationFactory(service=service)
    location = LocationFactory(organization=org, name="Riverbend Main Office")
    staff = UserFactory(role="provider", organizations=[org])
    clinician = UserFactory(role="clinician")
    client = ClientFactory(name="Avery Example")
    ConsentFactory(client=client, organization=org)
    referral = ReferralFactory(
        client=client,
        service=service,
        status="requested",
        sent_at=utcnow(),
        created_by_id=clinician.id,
        need="Counseling",
    )
    db.session.commit()
    browser = signed_in(app, staff)
    for path in (
        "/provider/",
        f"/provider/organizations/{org.id}",
        f"/provider/services/{service.id}/edit",
        f"/provider/locations/{location.id}/edit",
        f"/provider/organizations/{org.id}/edit",
        "/provider/referrals",
        f"/provider/referrals/{referral.id}",
    ):
        response = browser.get(path, headers=SPANISH, follow_redirects=True)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert '<html lang="es">' in page, path
        assert english_words(page) == [], path
    confirmed = browser.post(
        f"/provider/services/{service.id}/confirm", headers=SPANISH, follow_redirects=True
    )
    # Without the form's CSRF token: refused, in Spanish.
    assert confirmed.status_code == 400
    assert "Este formulario venció" in confirmed.get_data(as_text=True)


def test_program_reports_in_spanish(app, db):
    """The reports pages, definitions included (portal.reports.metrics.DEFINITIONS)."""
    browser = signed_in(app, UserFactory(role="admin"))
    db.session.commit()
    pages = {}
    for path in ("/reports", "/reports/marcus-alert"):
        response = browser.get(path, headers=SPANISH)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
        assert '<html lang="es">' in pages[path], path
        assert english_words(pages[path]) == [], path
    assert "Intervenciones según cómo terminaron." in pages["/reports"]
