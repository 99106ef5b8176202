"""The provider's referral page (issue 13, point 3): phones are tel: links, the referring
clinician is named with a phone, the appointment has a date and a time, one action area holds
only the moves allowed now and asks only what each needs; the Part 2 notice goes with the
disclosed details."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal import localtime
from portal.models.catalog import utcnow
from tests.accounts import post_form, signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def referral(app, db):
    org = OrganizationFactory(name="Harbor Counseling")
    clinician = UserFactory(
        role="clinician",
        email="clinician@example.org",
        display_name="Dana Clinician",
        phone="703-555-0111",
    )
    person = ClientFactory(name="Avery Example", phone="703-555-0177")
    record = ReferralFactory(
        client=person,
        service=ServiceFactory(organization=org),
        status="requested",
        sent_at=utcnow(),
        created_by_id=clinician.id,
        need="Counseling",
    )
    ConsentFactory(client=person, organization=org)
    UserFactory(role="provider", organizations=[org], email="staff@example.org")
    db.session.commit()
    return record


def provider(app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import User

    return signed_in(app, db.session.scalar(select(User).where(User.role == "provider")))


def forms_on(page: str) -> list[str]:
    """The hidden `to` of each status form, in order."""
    return re.findall(r'name="to" value="([^"]+)"', page)


def test_phones_are_links_and_the_referring_clinician_is_named(app, db, referral):
    page = provider(app).get(f"/provider/referrals/{referral.id}").get_data(as_text=True)
    assert '<a href="tel:+17035550177">703-555-0177</a>' in page
    assert "Dana Clinician" in page and '<a href="tel:+17035550111">703-555-0111</a>' in page
    assert "Notice to accompany disclosure" in page and "42 CFR part 2" in page


def test_a_new_referral_offers_accept_and_decline_asking_only_a_reason_to_decline(
    app, db, referral
):
    page = provider(app).get(f"/provider/referrals/{referral.id}").get_data(as_text=True)
    assert forms_on(page) == ["accepted", "rejected"]
    assert 'id="reason-rejected"' in page and 'id="reason-accepted"' not in page
    assert 'name="note"' not in page and 'id="outcome-rejected"' not in page
    assert 'name="appointment_on"' not in page


def test_an_accepted_referral_books_with_a_date_and_time_and_completes_with_an_outcome(
    app, db, referral
):
    browser = provider(app)
    path = f"/provider/referrals/{referral.id}"
    post_form(
        browser, path + "/status", {"version": referral.version, "to": "accepted"}, token_from=path
    )
    db.session.refresh(referral)
    page = browser.get(path).get_data(as_text=True)
    assert forms_on(page) == ["in-progress", "on-hold", "completed", "failed"]
    assert 'id="outcome-completed"' in page and 'id="reason-completed"' not in page
    assert 'type="time"' in page
    day = localtime.today() + dt.timedelta(days=7)
    booked = post_form(
        browser,
        path + "/appointment",
        {
            "version": referral.version,
            "appointment_on": day.isoformat(),
            "appointment_time": "14:30",
        },
        token_from=path,
    )
    assert booked.status_code == 303
    db.session.refresh(referral)
    assert (referral.appointment_on, referral.appointment_time) == (day, dt.time(14, 30))
    assert "at 14:30" in browser.get(path).get_data(as_text=True)
    clinician_page = signed_in(app, referral.created_by).get(f"/referrals/{referral.id}")
    assert f"Appointment on {day.isoformat()} at 14:30" in clinician_page.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"appointment_on": "", "appointment_time": "14:30"}, "Give the date of the appointment"),
        ({"appointment_on": "9999-12-31"}, "within a year"),
        ({"appointment_on": "2026-12-03", "appointment_time": "25:99"}, "Not a valid time"),
    ],
)
def test_a_bad_appointment_is_refused_and_nothing_saved(app, db, referral, data, message):
    referral.status = "accepted"
    db.session.commit()
    browser = provider(app)
    path = f"/provider/referrals/{referral.id}"
    response = post_form(
        browser, path + "/appointment", {"version": referral.version, **data}, token_from=path
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.appointment_on is None and referral.appointment_time is None
