"""Refer in one page (issue 13, point 1): the person on file or new, the consent inline with
the program's wording, the referral sent, all in one transaction; a refusal saves nothing
and keeps what was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal import localtime
from portal.models import AuditEvent, Client, Consent, Referral
from portal.referrals import consent as consents
from tests.accounts import post_form, signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def world(app, db):
    org = OrganizationFactory(name="Harbor Counseling")
    service = ServiceFactory(organization=org, name="Harbor Outpatient")
    ServiceAtLocationFactory(service=service)
    clinician = UserFactory(role="clinician", email="clinician@example.org")
    provider = UserFactory(role="provider", organizations=[org], email="staff@example.org")
    on_file = ClientFactory(name="Avery Example", phone="703-555-0177")
    db.session.commit()
    return dict(org=org, service=service, clinician=clinician, provider=provider, client=on_file)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def path(world) -> str:
    return f"/referrals/new?service_id={world['service'].id}"


def new_person(**changes):
    return {
        "new_name": "Jordan Sample",
        "new_phone": "703-555-0142",
        "new_contact_preference": "text",
        "urgency": "urgent",
        "need": "Detox today",
        "consent_method": "verbal",
        "consent_witness_name": "Officer Example",
        "consent_information": "Name, phone and the need",
        "consent_purpose": "To connect the person with detox",
        "consent_expires_on": (localtime.today() + dt.timedelta(days=90)).isoformat(),
        "action": "send",
        **changes,
    }


def test_the_page_proposes_the_programs_consent_wording_for_this_organization(app, db, world):
    consents.save_template(
        information="Name and phone only",
        purpose="To arrange care",
        expiry_days=30,
        by=world["clinician"],
    )
    db.session.commit()
    browser = signed_in(app, world["clinician"])
    page = browser.get(path(world)).get_data(as_text=True)
    assert "Name and phone only" in page and "To arrange care" in page
    expiry = (localtime.today() + dt.timedelta(days=30)).isoformat()
    assert f'value="{expiry}"' in page
    assert "Recipient" in page and "Harbor Counseling" in page
    assert "may revoke this consent at any time" in page
    assert "may be shared again by the recipient" in page
    assert 'data-consent="no"' in page and "Avery Example" in page
    shown = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client.shown")).all()
    assert {(e.actor_id, e.detail) for e in shown} == {(world["clinician"].id, "new referral form")}
    assert len(shown) == db.session.scalar(select(func.count()).select_from(Client))


def test_the_defaults_are_proposed_until_an_admin_saves_a_wording(app, db, world):
    page = signed_in(app, world["clinician"]).get(path(world)).get_data(as_text=True)
    assert consents.DEFAULT_PURPOSE in page


def test_a_new_person_with_consent_is_referred_and_sent_in_one_post(app, db, world):
    browser = signed_in(app, world["clinician"])
    response = post_form(browser, path(world), new_person())
    assert response.status_code == 302
    person = db.session.scalar(select(Client).where(Client.name == "Jordan Sample"))
    assert (person.phone, person.contact_preference) == ("703-555-0142", "text")
    consent = db.session.scalar(select(Consent))
    assert consent.client_id == person.id and consent.organization_id == world["org"].id
    assert (consent.method, consent.witness_name) == ("verbal", "Officer Example")
    referral = db.session.scalar(select(Referral))
    assert (referral.client_id, referral.status, referral.urgency) == (
        person.id,
        "requested",
        "urgent",
    )
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    sent_page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "The referral is sent." in sent_page
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"client.created", "consent.recorded", "referral.created"} <= actions


def test_a_person_with_consent_on_file_needs_no_consent_fields(app, db, world):
    ConsentFactory(client=world["client"], organization=world["org"])
    db.session.commit()
    browser = signed_in(app, world["clinician"])
    shown = browser.get(path(world) + f"&client_id={world['client'].id}").get_data(as_text=True)
    assert "A valid consent to share with Harbor Counseling is on file" in shown
    assert 'data-consent="yes"' in shown
    response = post_form(
        browser,
        path(world),
        {
            "client_id": world["client"].id,
            "urgency": "routine",
            "need": "Counseling",
            "action": "send",
            "new_name": "Ignored when a person is chosen",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Referral.status)) == "requested"
    assert count(db, Consent) == 1 and count(db, Client) == 1


def test_without_consent_the_new_person_and_a_draft_are_kept(app, db, world):
    browser = signed_in(app, world["clinician"])
    response = post_form(browser, path(world), new_person(consent_method=""))
    assert response.status_code == 302
    assert db.session.scalar(select(Referral.status)) == "draft"
    assert count(db, Consent) == 0 and count(db, Client) == 2
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "There is no valid consent to share with Harbor Counseling" in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"consent_witness_name": ""}, "consent_witness_name", "needs the name of the witness"),
        ({"consent_method": "signed-on-screen"}, "consent_signature", "sign by typing"),
        ({"consent_purpose": ""}, "consent_purpose", "Say why the information is shared."),
        (
            {"consent_expires_on": "", "consent_expiry_event": ""},
            "consent_expires_on",
            "Give an expiry date or the event",
        ),
        ({"new_name": ""}, "client_id", "Choose the person, or give a new person"),
        ({"need": ""}, "need", "Say what the person needs."),
        ({"urgency": "someday"}, "urgency", "Choose one of the options listed"),
        ({"follow_up_on": "9999-12-31"}, "follow_up_on", "within a year"),
        ({"consent_given_at": "9999-12-31T23:59"}, "consent_given_at", "real date and time"),
        (
            {"client_id": "00000000-0000-4000-8000-000000000000"},
            "client_id",
            "Choose one of the options listed",
        ),
    ],
)
def test_a_refusal_saves_nothing_and_keeps_what_was_typed(app, db, world, changes, field, message):
    browser = signed_in(app, world["clinician"])
    response = post_form(browser, path(world), new_person(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and f'id="{field}-error"' in page
    assert (count(db, Client), count(db, Consent), count(db, Referral)) == (1, 0, 0)
    # What was typed is still there to correct.
    assert "Detox today" in page or changes.get("need") == ""
    assert 'value="Jordan Sample"' in page or changes.get("new_name") == ""
    assert "To connect the person with detox" in page or "consent_purpose" in changes


def test_only_clinicians_refer(app, db, world):
    provider = signed_in(app, world["provider"])
    assert provider.get(path(world)).status_code == 403
    assert post_form(provider, path(world), new_person(), token_from="/").status_code == 403
    assert count(db, Client) == 1


def test_admins_edit_the_consent_wording_and_bad_input_is_refused(app, db, world):
    admin = UserFactory(role="admin", with_mfa=True)
    db.session.commit()
    browser = signed_in(app, admin)
    assert consents.DEFAULT_PURPOSE in browser.get("/admin/consent-wording").get_data(as_text=True)
    for bad, message in (
        ({"purpose": ""}, "Say why it is shared."),
        ({"expiry_days": "0"}, "Enter from 1 to 3650 days."),
        ({"expiry_days": "soon"}, "Enter from 1 to 3650 days."),
    ):
        data = {"information": "Name only", "purpose": "To arrange care", "expiry_days": "60"}
        response = post_form(browser, "/admin/consent-wording", {**data, **bad})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert consents.template().purpose == consents.DEFAULT_PURPOSE
    saved = post_form(
        browser,
        "/admin/consent-wording",
        {"information": "Name only", "purpose": "To arrange care", "expiry_days": "60"},
    )
    assert saved.status_code == 303
    assert (consents.template().purpose, consents.template().expiry_days) == ("To arrange care", 60)
    page = signed_in(app, world["clinician"]).get(path(world)).get_data(as_text=True)
    assert "To arrange care" in page
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "consent_template.saved")
    )
