"""The clinician's day (issue 13, point 4): each role's start page after sign-in, the
dashboard's cards (open referrals, drafts waiting for consent, follow-ups due), notifications
that name the person in the app and can be marked read, and "Find a service" carrying the
person into search and "Refer"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal import localtime
from portal.models import EmailMessage, Notification
from portal.models.catalog import utcnow
from portal.referrals import workflow
from tests.accounts import log_in, post_form, signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def world(app, db):
    org = OrganizationFactory(name="Harbor Counseling")
    service = ServiceFactory(organization=org, name="Harbor Outpatient")
    people = {
        "clinician": UserFactory(role="clinician", email="clinician@example.org"),
        "provider": UserFactory(role="provider", organizations=[org], email="staff@example.org"),
        "supervisor": UserFactory(role="supervisor", email="boss@example.org"),
        "admin": UserFactory(role="admin", email="admin@example.org", with_mfa=True),
    }
    person = ClientFactory(name="Avery Example")
    db.session.commit()
    return dict(org=org, service=service, people=people, client=person)


@pytest.mark.parametrize(
    "role, start",
    [
        ("clinician", "/dashboard"),
        ("supervisor", "/dashboard"),
        ("provider", "/provider/referrals"),
    ],
)
def test_each_role_lands_on_its_start_page_unless_a_safe_next_is_given(app, db, world, role, start):
    user = world["people"][role]
    assert log_in(app.test_client(), user.email).headers["Location"] == start
    asked = log_in(app.test_client(), user.email, query_string={"next": "/account/sessions"})
    assert asked.headers["Location"] == "/account/sessions"
    evil = log_in(app.test_client(), user.email, query_string={"next": "//evil.example/"})
    assert evil.headers["Location"] == start


def test_the_dashboard_shows_cards_with_drafts_waiting_for_consent(app, db, world):
    clinician = world["people"]["clinician"]
    draft = ReferralFactory(client=world["client"], service=world["service"], status="draft")
    covered = ClientFactory(name="Casey Covered")
    ReferralFactory(client=covered, service=world["service"], status="draft")
    ConsentFactory(client=covered, organization=world["org"])
    sent = ReferralFactory(
        client=ClientFactory(name="Jordan Sent"),
        service=world["service"],
        status="requested",
        urgency="emergency",
        sent_at=utcnow() - dt.timedelta(days=3),
        follow_up_on=localtime.today(),  # the program's date, not the machine's
    )
    db.session.commit()
    assert workflow.drafts_waiting_for_consent() == [draft]
    page = signed_in(app, clinician).get("/dashboard").get_data(as_text=True)
    drafts = page[page.index("Drafts waiting for consent") : page.index("Follow-ups due")]
    assert "Avery Example" in drafts and "Casey Covered" not in drafts
    assert f"next_referral={draft.id}" in drafts
    cards = page[page.index('id="open-heading"') : page.index("Drafts waiting")]
    assert 'class="card overdue"' in cards and "Jordan Sent" in cards
    assert "Emergency" in cards and "Sent 3 days ago" in cards
    assert "<table" not in cards
    follow_ups = page[page.index("Follow-ups due") : page.index('id="notes-heading"')]
    assert "Jordan Sent" in follow_ups and f"/referrals/{sent.id}" in follow_ups


def test_notifications_name_the_person_in_the_app_only_and_can_be_marked_read(app, db, world):
    people = world["people"]
    referral = ReferralFactory(
        client=world["client"],
        service=world["service"],
        status="draft",
        created_by_id=people["clinician"].id,
    )
    ConsentFactory(client=world["client"], organization=world["org"])
    db.session.commit()
    workflow.change_status(
        referral, "requested", by=people["clinician"], expected_version=referral.version
    )
    workflow.change_status(
        referral, "accepted", by=people["provider"], expected_version=referral.version
    )
    db.session.commit()
    provider = signed_in(app, people["provider"])
    inbox = provider.get("/provider/referrals").get_data(as_text=True)
    notes = inbox[inbox.index("Notifications") :]
    assert "Avery Example" in notes and f"/provider/referrals/{referral.id}" in notes
    clinician = signed_in(app, people["clinician"])
    page = clinician.get("/dashboard").get_data(as_text=True)
    notes = page[page.index('id="notes-heading"') :]
    assert "Avery Example" in notes and "A referral is now: Accepted" in notes
    assert "Mark as read" in notes and "Mark all as read" in notes
    for mail in db.session.scalars(select(EmailMessage)):
        assert "Avery" not in mail.subject + mail.body

    mine = db.session.scalar(
        select(Notification).where(Notification.user_id == people["clinician"].id)
    )
    theirs = db.session.scalar(
        select(Notification).where(Notification.user_id == people["provider"].id)
    )
    refused = post_form(
        clinician, "/notifications/read", {"notification_id": theirs.id}, token_from="/dashboard"
    )
    assert refused.status_code == 404
    done = post_form(
        clinician, "/notifications/read", {"notification_id": mine.id}, token_from="/dashboard"
    )
    assert done.status_code == 303 and done.headers["Location"] == "/dashboard"
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert mine.read_at is not None and theirs.read_at is None
    assert "Mark all as read" not in clinician.get("/dashboard").get_data(as_text=True)
    everything = post_form(provider, "/notifications/read", {}, token_from="/provider/referrals")
    assert everything.headers["Location"] == "/provider/referrals"
    db.session.refresh(theirs)
    assert theirs.read_at is not None


def test_find_a_service_carries_the_person_into_search_and_refer(app, db, world):
    from portal.search import rebuild_index

    rebuild_index()
    person, service = world["client"], world["service"]
    ConsentFactory(client=person, organization=world["org"])
    db.session.commit()
    clinician = signed_in(app, world["people"]["clinician"])
    client_page = clinician.get(f"/clients/{person.id}").get_data(as_text=True)
    assert f'action="/clients/{person.id}/find-service"' in client_page
    # Only the page's own form chooses the person: a plain link (from anywhere) does not.
    assert clinician.get(f"/clients/{person.id}/find-service").status_code == 405
    refer_link = f"/referrals/new?service_id={service.id}&amp;client_id={person.id}"
    assert refer_link not in clinician.get("/search?q=harbor").get_data(as_text=True)
    found = post_form(
        clinician, f"/clients/{person.id}/find-service", {}, token_from=f"/clients/{person.id}"
    )
    assert found.status_code == 303 and found.headers["Location"] == "/search"
    results = clinician.get("/search?q=harbor").get_data(as_text=True)
    assert refer_link in results
    form = clinician.get(f"/referrals/new?service_id={service.id}").get_data(as_text=True)
    assert f'<option data-consent="yes" selected value="{person.id}">' in form
    sent = post_form(
        clinician,
        f"/referrals/new?service_id={service.id}",
        {"client_id": person.id, "urgency": "routine", "need": "Counseling", "action": "send"},
    )
    assert sent.status_code == 302
    # Referred: the next search starts for nobody in particular.
    assert refer_link not in clinician.get("/search?q=harbor").get_data(as_text=True)
