"""Confidential places: a location marked confidential (by a flag column on import, an HSDS
attribute, or a provider's edit) never shows its street address, map pin or coordinates in any
public output, and distance searches find it from its ZIP code's centre, "about" so far."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from portal.catalog import places
from portal.extensions import db as _db
from portal.hsds.export import export_csv, export_json, export_zip
from portal.hsds.importer import import_source
from portal.hsds.sources import read_files, read_path
from portal.hsds.tables import hsds_id
from portal.models import Location, Service, ServiceList, ServiceListItem
from portal.search import rebuild_index

MESSY = Path(__file__).parent / "data" / "hsds_messy_1x"
SHELTER = hsds_id("101")  # Emergency Shelter, at Harbor Light House (location 11)
HOUSE = hsds_id("11")
SECRETS = ("99 Hidden Lane", "38.8123", "-77.0634", "38.812", "-77.063")


def assert_hidden(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} shown in {where}"


@pytest.fixture
def catalog(app, db):
    report = import_source(read_path(MESSY))
    assert report.fatal is None
    rebuild_index()
    house = db.session.get(Location, HOUSE)
    assert house.confidential  # the flag column said "yes"
    assert house.addresses[0].address_1 == "99 Hidden Lane"  # kept for staff
    assert not db.session.get(Location, hsds_id("12")).confidential  # "no"
    return house


def test_public_pages_show_the_town_only(app, catalog):
    client = app.test_client()
    for url in (
        f"/services/{SHELTER}",
        f"/locations/{HOUSE}",
        f"/organizations/{hsds_id('2')}",
        "/search?q=shelter",
    ):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert_hidden(html, url)
        assert "Alexandria" in html, url
        assert "google.com/maps" not in html or url.startswith("/search"), url
    # Another place keeps its street and its directions link.
    html = client.get(f"/services/{hsds_id('100')}").get_data(as_text=True)
    assert "12 Example Road" in html and "google.com/maps" in html


def test_search_json_and_distance_search_say_about(app, catalog):
    client = app.test_client()
    response = client.get("/search.json?q=shelter")
    assert response.status_code == 200
    assert_hidden(response.get_data(as_text=True), "/search.json")
    html = client.get("/search?q=shelter&zip=22314").get_data(as_text=True)
    assert_hidden(html, "distance search")
    assert "about " in html and "miles away" in html


def test_the_distance_point_is_the_zip_centre(app, catalog):
    latitude, longitude, approximate = places.distance_point(catalog)
    assert approximate and (round(latitude, 4), round(longitude, 4)) != (38.8123, -77.0634)
    assert places.public_coordinates(catalog) is None
    other = _db.session.get(Location, hsds_id("10"))
    assert places.public_coordinates(other) == (38.8012, -77.0512)
    assert places.distance_point(other) == (38.8012, -77.0512, False)


def test_api_responses_and_ndjson(app, catalog):
    client = app.test_client()
    for url in (
        f"/api/services/{SHELTER}",
        "/api/services",
        "/api/services?format=ndjson",
        "/api/service_at_locations",
        f"/api/service_at_locations/{hsds_id('1001')}",
        f"/api/organizations/{hsds_id('2')}",
        "/api/organizations?full_service=true",
        "/api/service_at_locations?postcode=22314&proximity=20000",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        assert_hidden(response.get_data(as_text=True), url)
    found = client.get("/api/service_at_locations?postcode=22314&proximity=20000").get_json()
    assert hsds_id("1001") in {item["id"] for item in found["contents"]}
    record = client.get(f"/api/service_at_locations/{hsds_id('1001')}").get_json()
    assert record["location"]["addresses"] == [] and "latitude" not in record["location"]


def test_exports_csv_json_and_the_data_package_zip(app, catalog, tmp_path):
    export_csv(tmp_path / "csv")
    export_json(tmp_path / "csv")
    for path in (tmp_path / "csv").iterdir():
        assert_hidden(path.read_text(encoding="utf-8"), path.name)
    export_zip(tmp_path / "download.zip")
    with zipfile.ZipFile(tmp_path / "download.zip") as archive:
        for name in archive.namelist():
            assert_hidden(archive.read(name).decode("utf-8"), name)
    assert "12 Example Road" in (tmp_path / "csv" / "addresses.csv").read_text()
    response = app.test_client().get("/api/datapackage.zip")
    try:
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            for name in archive.namelist():
                assert_hidden(archive.read(name).decode("utf-8"), name)
    finally:
        response.close()


def test_the_printable_list(app, catalog):
    service_list = ServiceList(token="printable-token")
    service_list.items.append(ServiceListItem(service_id=SHELTER, position=1))
    _db.session.add(service_list)
    _db.session.commit()
    response = app.test_client().get("/l/printable-token")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_hidden(html, "printable list")
    assert "Emergency Shelter" in html and "Alexandria" in html


def test_an_hsds_attribute_marks_a_location_confidential(app, db):
    location_id = "5d1b1c1e-4e0a-4b5e-9a63-2f6c1a7d8e90"
    document = {
        "id": location_id,
        "location_type": "physical",
        "name": "Safe House",
        "latitude": 38.9,
        "longitude": -77.2,
        "attributes": [
            {
                "id": "6e2c2d2f-5f1b-4c6f-8b74-3a7d2b8e9fa1",
                "link_type": "location_flag",
                "value": "confidential",
                "taxonomy_term": {
                    "id": "7f3d3e30-6a2c-4d70-9c85-4b8e3c9fa0b2",
                    "code": "confidential",
                    "name": "Confidential place",
                    "description": "Never publish the address",
                },
            }
        ],
    }
    report = import_source(read_files({"location.json": json.dumps(document).encode()}))
    assert report.fatal is None, report.problems
    assert db.session.get(Location, location_id).confidential


def test_a_blank_flag_on_a_later_import_does_not_clear_it(app, db, tmp_path):
    import_source(read_path(MESSY))
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "locations.csv").write_text("id,name,confidential\n11,Harbor Light House,\n")
    import_source(read_path(folder))
    assert db.session.get(Location, HOUSE).confidential


def test_the_export_does_not_carry_the_flag_column(app, catalog, tmp_path):
    export_csv(tmp_path)
    header = (tmp_path / "locations.csv").read_text().splitlines()[0]
    assert "confidential" not in header
    assert _db.session.get(Service, SHELTER) is not None


def test_providers_and_admins_mark_a_place_confidential(app, db):
    from sqlalchemy import select

    from portal.models import ChangeRequest
    from tests.accounts import signed_in
    from tests.factories import LocationFactory, OrganizationFactory, UserFactory
    from tests.listing_forms import submit_form

    org = OrganizationFactory(name="Harbor Light Shelter")
    location = LocationFactory(organization=org, name="Harbor Light House")
    provider = UserFactory(role="provider", organizations=[org])
    admin = UserFactory(role="admin", with_mfa=True)
    db.session.commit()
    page = signed_in(app, provider).get(f"/provider/locations/{location.id}/edit")
    assert 'name="confidential"' in page.get_data(as_text=True)
    submit_form(
        signed_in(app, provider), f"/provider/locations/{location.id}/edit", {"confidential": "y"}
    )
    change = db.session.scalars(select(ChangeRequest)).one()
    assert change.status == "pending" and change.proposed_values["confidential"] is True
    submit_form(
        signed_in(app, admin), f"/provider/locations/{location.id}/edit", {"confidential": "y"}
    )
    db.session.expire_all()
    assert db.session.get(Location, location.id).confidential


# --- staff (issue 16, point 5): only the provider's own staff and admins see the street -----


@pytest.fixture
def referral(app, catalog):
    from portal.models.catalog import utcnow
    from tests.factories import ClientFactory, ConsentFactory, ReferralFactory, UserFactory

    shelter = _db.session.get(Service, SHELTER)
    catalog.transportation = "Call first: staff meet you at the library on King Street."
    clinician = UserFactory(role="clinician", email="clinician@example.org")
    person = ClientFactory(name="Avery Example")
    record = ReferralFactory(
        client=person,
        service=shelter,
        location=catalog,
        status="requested",
        sent_at=utcnow(),
        created_by_id=clinician.id,
        need="A safe place to stay",
    )
    ConsentFactory(client=person, organization=shelter.organization)
    UserFactory(role="provider", organizations=[shelter.organization], email="staff@example.org")
    UserFactory(role="provider", email="other@example.org")  # staff of another organization
    UserFactory(role="admin", with_mfa=True, email="admin@example.org")
    _db.session.commit()
    return record


def _user(email: str):
    from sqlalchemy import select

    from portal.models import User

    return _db.session.scalar(select(User).where(User.email == email))


def test_a_signed_in_clinician_sees_the_town_only(app, referral):
    from tests.accounts import signed_in

    clinician = signed_in(app, _user("clinician@example.org"))
    for url in (
        f"/services/{SHELTER}",
        f"/locations/{HOUSE}",
        f"/referrals/{referral.id}",
        f"/referrals/{referral.id}/print",
    ):
        response = clinician.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert_hidden(html, url)
        assert "Alexandria, VA 22314" in html, url
    # What the provider chose to say about getting there is shown.
    for url in (f"/services/{SHELTER}", f"/locations/{HOUSE}"):
        page = clinician.get(url).get_data(as_text=True)
        assert "staff meet you at the library on King Street" in page, url


def test_staff_of_another_provider_see_the_town_only(app, referral):
    from tests.accounts import signed_in

    other = signed_in(app, _user("other@example.org"))
    for url in (f"/services/{SHELTER}", f"/locations/{HOUSE}"):
        html = other.get(url).get_data(as_text=True)
        assert_hidden(html, url)
        assert "Alexandria, VA 22314" in html, url
    assert other.get(f"/provider/locations/{HOUSE}/edit").status_code in (403, 404)


def test_the_provider_and_admins_see_the_street_on_the_staff_pages(app, referral):
    from tests.accounts import signed_in

    for email in ("staff@example.org", "admin@example.org"):
        page = signed_in(app, _user(email)).get(f"/provider/locations/{HOUSE}/edit")
        assert page.status_code == 200, email
        assert "99 Hidden Lane" in page.get_data(as_text=True), email


def test_referral_emails_carry_no_address(app, referral):
    from sqlalchemy import select

    from portal.models import EmailMessage
    from tests.accounts import post_form, signed_in

    staff = signed_in(app, _user("staff@example.org"))
    page = f"/provider/referrals/{referral.id}"
    response = post_form(
        staff, f"{page}/status", {"version": referral.version, "to": "accepted"}, token_from=page
    )
    assert response.status_code in (200, 302, 303)
    mails = _db.session.scalars(select(EmailMessage)).all()
    assert [m.to for m in mails] == ["clinician@example.org"]
    for mail in mails:
        assert_hidden(mail.subject + mail.body, "referral email")
        assert "Alexandria" not in mail.body
