"""After consent ends, nothing new reaches the receiving organization (42 CFR Part 2, § 2.31).

Revoked or expired: the provider sees that the referral was withdrawn, the name as it was sent
and nothing else, and cannot move it. Entered in error: no client details at all. Every provider
page, JSON answer and email is checked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal import localtime
from portal.models import AuditEvent, EmailMessage, Notification, Referral, ReferralEvent
from portal.referrals import disclosure, workflow
from tests.accounts import post_form, signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)

NAME, PHONE = "Rowan Sample", "703-555-0142"
NEW_NAME, NEW_PHONE = "Rowan Q. Sample", "571-555-0199"
NEED, NOTE = "Help with alcohol use", "Suicidal ideation last week"


@pytest.fixture
def world(app, db):
    org = OrganizationFactory(name="Harbor Counseling")
    other = OrganizationFactory(name="Elsewhere Services")
    service = ServiceFactory(organization=org, name="Harbor Outpatient")
    clinician = UserFactory(role="clinician", email="clinician@example.org")
    provider = UserFactory(role="provider", organizations=[org], email="staff@example.org")
    client = ClientFactory(name=NAME, phone=PHONE)
    consent = ConsentFactory(client=client, organization=org)
    referral = workflow.create(
        client, service, by=clinician, urgency="urgent", need=NEED, note=NOTE
    )
    workflow.change_status(
        referral, workflow.REQUESTED, by=clinician, expected_version=referral.version
    )
    db.session.commit()
    return dict(
        org=org,
        other=other,
        service=service,
        clinician=clinician,
        provider=provider,
        client=client,
        consent=consent,
        referral=referral,
    )


def provider_pages(app, world) -> dict[str, str]:
    """Every page provider staff can open about the referral, by path."""
    browser = signed_in(app, world["provider"])
    paths = [
        "/provider/referrals",
        "/provider/referrals?tab=open",
        "/provider/referrals?tab=closed",
        f"/provider/referrals/{world['referral'].id}",
    ]
    pages = {}
    for path in paths:
        response = browser.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    # The clinician's address of the referral sends provider staff to their own page.
    assert browser.get(f"/referrals/{world['referral'].id}").status_code == 302
    return pages


def revoke(app, world) -> None:
    clinician = signed_in(app, world["clinician"])
    response = post_form(
        clinician,
        f"/consents/{world['consent'].id}/revoke",
        {"note": "Asked to stop sharing"},
        token_from=f"/clients/{world['client'].id}",
    )
    assert response.status_code == 303


def change_client(app, world) -> None:
    """The clinician updates the client's name and phone after the consent ended."""
    clinician = signed_in(app, world["clinician"])
    response = post_form(
        clinician,
        f"/clients/{world['client'].id}/edit",
        {"name": NEW_NAME, "phone": NEW_PHONE, "contact_preference": "call"},
    )
    assert response.status_code == 302


def provider_post(app, world, path: str, data: dict):
    referral = world["referral"]
    return post_form(
        signed_in(app, world["provider"]),
        f"/provider/referrals/{referral.id}/{path}",
        {"version": str(referral.version), **data},
        token_from="/provider/referrals",
        headers={"Accept": "application/json"},
    )


def assert_nothing_new_disclosed(pages: dict[str, str]) -> None:
    for path, page in pages.items():
        for hidden in (NEW_NAME, NEW_PHONE, PHONE, NEED, NOTE, "Asked to stop sharing"):
            assert hidden not in page, (path, hidden)


def test_while_consent_is_valid_the_provider_sees_the_client(app, db, world):
    page = provider_pages(app, world)[f"/provider/referrals/{world['referral'].id}"]
    for shown in (NAME, PHONE, NEED, NOTE):
        assert shown in page
    assert 'name="to" value="accepted"' in page


def test_revoking_consent_withdraws_the_referral_and_discloses_nothing_new(app, db, world):
    revoke(app, world)
    referral = db.session.get(Referral, world["referral"].id)
    assert referral.status == "cancelled"
    event = referral.events[-1]
    assert (event.from_status, event.to_status) == ("requested", "cancelled")
    assert event.reason == "The person revoked their consent to share."
    change_client(app, world)

    pages = provider_pages(app, world)
    assert_nothing_new_disclosed(pages)
    # Only the closed tab and the referral itself name the person, as the referral was sent.
    assert NAME not in pages["/provider/referrals"]
    assert NAME not in pages["/provider/referrals?tab=open"]
    assert f"{NAME} (withdrawn)" in pages["/provider/referrals?tab=closed"]
    page = pages[f"/provider/referrals/{referral.id}"]
    assert "withdrawn" in page and "can no longer be changed" in page
    assert 'name="to"' not in page and "appointment_on" not in page


def test_after_expiry_the_provider_cannot_accept_and_sees_only_the_name_sent(app, db, world):
    world["consent"].expires_on = localtime.today() - dt.timedelta(days=1)
    db.session.commit()
    change_client(app, world)

    pages = provider_pages(app, world)
    assert_nothing_new_disclosed(pages)
    assert f"{NAME} (withdrawn)" in pages["/provider/referrals"]
    page = pages[f"/provider/referrals/{world['referral'].id}"]
    assert 'name="to"' not in page

    events_before = db.session.query(ReferralEvent).count()
    refused = provider_post(app, world, "status", {"to": "accepted"})
    assert refused.status_code == 409
    assert (
        "consent to share with your organization has ended" in refused.get_json()["error"]["detail"]
    )
    db.session.expire_all()
    referral = db.session.get(Referral, world["referral"].id)
    assert referral.status == "requested"
    assert db.session.query(ReferralEvent).count() == events_before
    assert workflow.next_statuses(referral, world["provider"]) == []


def test_after_consent_ends_an_accepted_referral_cannot_be_moved_or_booked(app, db, world):
    referral = world["referral"]
    workflow.change_status(
        referral, workflow.ACCEPTED, by=world["provider"], expected_version=referral.version
    )
    db.session.commit()
    world["consent"].expires_on = localtime.today() - dt.timedelta(days=1)
    db.session.commit()

    booked = provider_post(app, world, "appointment", {"appointment_on": "2026-12-03"})
    assert booked.status_code == 409
    finished = provider_post(app, world, "status", {"to": "completed", "outcome": "got-help"})
    assert finished.status_code == 409
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert (referral.status, referral.appointment_on) == ("accepted", None)


def test_a_new_consent_lets_an_expired_referral_go_on(app, db, world):
    world["consent"].expires_on = localtime.today() - dt.timedelta(days=1)
    ConsentFactory(client=world["client"], organization=world["org"])
    db.session.commit()
    page = provider_pages(app, world)[f"/provider/referrals/{world['referral'].id}"]
    assert PHONE in page and 'name="to" value="accepted"' in page


def test_revoking_one_of_two_valid_consents_withdraws_nothing(app, db, world):
    ConsentFactory(client=world["client"], organization=world["org"])
    db.session.commit()
    revoke(app, world)
    referral = db.session.get(Referral, world["referral"].id)
    assert referral.status == "requested"
    assert disclosure.provider_view(referral).shared


def test_revoking_leaves_referrals_to_other_organizations_alone(app, db, world):
    elsewhere = ServiceFactory(organization=world["other"])
    ConsentFactory(client=world["client"], organization=world["other"])
    other = workflow.create(
        world["client"], elsewhere, by=world["clinician"], urgency="routine", need="x"
    )
    workflow.change_status(
        other, workflow.REQUESTED, by=world["clinician"], expected_version=other.version
    )
    db.session.commit()
    revoke(app, world)
    assert db.session.get(Referral, other.id).status == "requested"
    assert db.session.get(Referral, world["referral"].id).status == "cancelled"


def test_entered_in_error_removes_the_client_from_the_providers_view(app, db, world):
    referral = world["referral"]
    workflow.change_status(
        referral,
        workflow.ENTERED_IN_ERROR,
        by=world["clinician"],
        expected_version=referral.version,
    )
    db.session.commit()
    pages = provider_pages(app, world)
    for path, page in pages.items():
        for hidden in (NAME, PHONE, NEED, NOTE):
            assert hidden not in page, (path, hidden)
    assert "Removed: entered in error" in pages["/provider/referrals?tab=closed"]
    assert "Referral removed" in pages[f"/provider/referrals/{referral.id}"]
    assert provider_post(app, world, "status", {"to": "accepted"}).status_code == 409


def test_no_email_to_the_provider_ever_carries_client_details(app, db, world):
    revoke(app, world)
    change_client(app, world)
    mails = db.session.scalars(select(EmailMessage).where(EmailMessage.to == "staff@example.org"))
    mails = mails.all()
    # One for the new referral, one for its withdrawal.
    assert len(mails) == 2
    for mail in mails:
        for hidden in (NAME, NEW_NAME, PHONE, NEW_PHONE, NEED, NOTE, "Rowan"):
            assert hidden not in mail.subject and hidden not in mail.body


def test_a_withdrawn_referral_view_is_still_audited(app, db, world):
    revoke(app, world)
    provider_pages(app, world)
    views = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "referral.viewed", AuditEvent.actor_id == world["provider"].id
        )
    ).all()
    assert len(views) == 1


def test_a_referral_sent_before_the_name_was_recorded_withdraws_without_a_name(app, db, world):
    """Referrals sent before the name was kept (older rows) show no name at all."""
    referral = ReferralFactory(client=world["client"], service=world["service"], status="requested")
    db.session.commit()
    world["consent"].revoked_at = world["consent"].given_at
    db.session.commit()
    view = disclosure.provider_view(referral)
    assert view.disclosure == "withdrawn" and view.name is None and view.phone is None


def test_a_draft_marked_entered_in_error_never_reaches_the_organization(app, db, world):
    """A referral never sent (no consent asked for it) stays the program's, even once it is
    marked entered in error: no page, no list entry, no notice, no email."""
    draft = workflow.create(
        world["client"], world["service"], by=world["clinician"], urgency="emergency", need=NEED
    )
    db.session.commit()
    workflow.change_status(
        draft, workflow.ENTERED_IN_ERROR, by=world["clinician"], expected_version=draft.version
    )
    db.session.commit()
    browser = signed_in(app, world["provider"])
    assert browser.get(f"/provider/referrals/{draft.id}").status_code == 404
    assert draft.id not in browser.get("/provider/referrals?tab=closed").get_data(as_text=True)
    mails = db.session.scalars(select(EmailMessage).where(EmailMessage.to == "staff@example.org"))
    assert [m.subject for m in mails] == ["New urgent referral"]  # the sent one only
    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == world["provider"].id)
    )
    assert [n.referral_id for n in notices] == [world["referral"].id]


@pytest.mark.parametrize("was", ["staff of the organization", "the referring clinician"])
def test_notifications_name_the_person_only_to_staff_of_the_receiving_organization(
    app, db, world, was
):
    """Someone told about a referral who no longer works for its organization (moved to
    another, or a clinician who became provider staff) sees their old notices without names."""
    referral = world["referral"]
    person = world["provider"] if was == "staff of the organization" else world["clinician"]
    if person is world["clinician"]:  # the provider's answer tells the clinician
        workflow.change_status(
            referral, workflow.ACCEPTED, by=world["provider"], expected_version=referral.version
        )
    db.session.commit()
    assert db.session.scalars(select(Notification).where(Notification.user_id == person.id)).all()
    person.role = "provider"
    person.organizations = [world["other"]]
    db.session.commit()
    page = signed_in(app, person).get("/provider/referrals").get_data(as_text=True)
    assert "A referral is now" in page and NAME not in page
