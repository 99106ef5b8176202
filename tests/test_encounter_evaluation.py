"""The encounter's optional evaluation section (issue 15, point 1): recorded when given,
never required, and refused with a clear message when it does not make sense."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.models import Encounter, Role
from tests.accounts import post_form, signed_in
from tests.factories import UserFactory

BASE = {"occurred_at": "2026-11-20T14:30", "source": "dispatch", "disposition": "resolved"}


@pytest.fixture
def clinician(db):
    user = UserFactory(role=Role.clinician.value)
    db.session.commit()
    return user


def test_the_evaluation_section_is_optional_and_offers_not_recorded(app, db, clinician):
    browser = signed_in(app, clinician)
    page = browser.get("/encounters/new").get_data(as_text=True)
    assert "Program evaluation details (optional)" in page
    assert "<details" in page and "Declined to say" in page
    assert post_form(browser, "/encounters/new", BASE).status_code == 302
    encounter = db.session.scalar(select(Encounter))
    assert (encounter.race, encounter.triage_level, encounter.force_used) == (None, None, None)


def test_every_evaluation_field_is_recorded_and_shown(app, db, clinician):
    browser = signed_in(app, clinician)
    data = {
        **BASE,
        "call_id": "CAD-2026-0042",
        "call_received_at": "2026-11-20T14:05",
        "arrived_at": "2026-11-20T14:21",
        "triage_level": "3",
        "police_role": "backup-requested",
        "force_used": "no",
        "injuries": "responder",
        "race": "middle-eastern-north-african",
        "ethnicity": "not-hispanic-latino",
        "gender": "non-binary",
        "age_band": "25-34",
        "demographics_basis": "self-reported",
    }
    response = post_form(browser, "/encounters/new", data)
    assert response.status_code == 302
    encounter = db.session.scalar(select(Encounter))
    # November: Eastern Standard Time, UTC−5.
    assert encounter.call_received_at == dt.datetime(2026, 11, 20, 19, 5, tzinfo=dt.UTC)
    assert encounter.arrived_at == dt.datetime(2026, 11, 20, 19, 21, tzinfo=dt.UTC)
    assert (encounter.call_id, encounter.triage_level, encounter.force_used) == (
        "CAD-2026-0042",
        3,
        False,
    )
    assert (encounter.police_role, encounter.injuries, encounter.race) == (
        "backup-requested",
        "responder",
        "middle-eastern-north-african",
    )
    assert (encounter.gender, encounter.age_band, encounter.demographics_basis) == (
        "non-binary",
        "25-34",
        "self-reported",
    )
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "CAD-2026-0042" in page and "3 – Urgent" in page
    assert "Middle Eastern or North African" in page and "Police backup requested" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"triage_level": "5"}, "Choose one of the options listed for"),
        ({"race": "martian"}, "Choose one of the options listed for"),
        ({"force_used": "maybe"}, "Choose one of the options listed for"),
        (
            {"call_received_at": "2026-11-20T14:30", "arrived_at": "2026-11-20T14:00"},
            "The arrival time cannot be before the call was received.",
        ),
        ({"arrived_at": "9999-01-01T00:00"}, "Enter a real date and time."),
    ],
)
def test_bad_evaluation_values_are_refused_and_nothing_saved(app, db, clinician, changes, message):
    browser = signed_in(app, clinician)
    response = post_form(browser, "/encounters/new", {**BASE, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and '<details class="optional-section" open>' in page
    assert db.session.scalar(select(func.count()).select_from(Encounter)) == 0
