"""Data checks (issue 13, point 6): dates of birth in the past 120 years and not in the
future; follow-ups and appointments within a year (tests/test_refer_in_one_page.py and
tests/test_provider_referral_page.py); review diffs that compare normalized values."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal import localtime
from portal.catalog import fields
from portal.models import ChangeRequest, Client, ServiceCapacity
from tests.accounts import post_form, signed_in
from tests.factories import PhoneFactory, ServiceFactory, UnitFactory, UserFactory


@pytest.mark.parametrize(
    "born, message",
    [
        ("0001-01-01", "within the last 120 years"),
        ("1890-06-01", "within the last 120 years"),
        ("2999-01-01", "cannot be in the future"),
        ((dt.date.today() + dt.timedelta(days=2)).isoformat(), "cannot be in the future"),
    ],
)
def test_an_impossible_date_of_birth_is_refused(app, db, born, message):
    clinician = UserFactory(role="clinician")
    db.session.commit()
    response = post_form(
        signed_in(app, clinician), "/clients/new", {"name": "Quinn", "date_of_birth": born}
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_a_real_date_of_birth_is_kept(app, db):
    clinician = UserFactory(role="clinician")
    db.session.commit()
    born = localtime.today().replace(year=localtime.today().year - 119, day=1)
    response = post_form(
        signed_in(app, clinician),
        "/clients/new",
        {"name": "Quinn", "date_of_birth": born.isoformat()},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Client.date_of_birth)) == born


def test_a_phone_written_differently_is_not_a_change(app, db):
    service = ServiceFactory()
    PhoneFactory(service_id=service.id, number="571-555-0100")
    db.session.commit()
    same = [{"number": "(571) 555-0100", "extension": None, "type": "voice", "description": ""}]
    assert fields.changed_fields("service", service, {"phones": same}) == {}
    other = [{**same[0], "number": "571-555-0199"}]
    assert fields.changed_fields("service", service, {"phones": other}) == {"phones": other}


def test_capacities_compare_and_show_as_whole_numbers(app, db):
    service = ServiceFactory()
    unit = UnitFactory(name="beds")
    service.capacities = [ServiceCapacity(unit=unit, available=2.0, maximum=20.0)]
    db.session.commit()
    same = [{"unit_id": unit.id, "available": 2, "maximum": 20}]
    assert fields.changed_fields("service", service, {"capacity": same}) == {}
    more = [{"unit_id": unit.id, "available": 3, "maximum": 20}]
    change = ChangeRequest(
        target_type="service",
        target_id=service.id,
        proposed_values={"capacity": more, "name": service.name},
        previous_values={
            "capacity": [{"unit_id": unit.id, "available": 2.0, "maximum": 20.0}],
            "name": service.name,
        },
    )
    rows = fields.diff(change)
    # The unchanged name is not listed; the capacity reads as whole numbers.
    assert [(r.name, r.before, r.after) for r in rows] == [
        ("capacity", "beds: 2 / 20", "beds: 3 / 20")
    ]
