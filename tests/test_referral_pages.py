"""The clinician pages, the provider inbox and the printable pages over HTTP: the loop, the
409 on a concurrent change, scoping, bad input, audit rows and the overdue command."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    Client,
    Consent,
    EmailMessage,
    Encounter,
    Notification,
    Referral,
    ReferralEvent,
    RequiredDocument,
    ServiceList,
)
from portal.models.catalog import utcnow
from portal.referrals import workflow
from tests.accounts import post_form, signed_in, token_for
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def world(app, db):
    org = OrganizationFactory(name="Harbor Counseling")
    other = OrganizationFactory(name="Elsewhere Services")
    service = ServiceFactory(organization=org, name="Harbor Outpatient")
    location = ServiceAtLocationFactory(service=service).location
    people = {
        "clinician": UserFactory(role="clinician", email="clinician@example.org"),
        "colleague": UserFactory(role="clinician", email="colleague@example.org"),
        "provider": UserFactory(role="provider", organizations=[org], email="staff@example.org"),
        "outsider": UserFactory(role="provider", organizations=[other]),
        "supervisor": UserFactory(role="supervisor"),
        "admin": UserFactory(role="admin", with_mfa=True),
    }
    client = ClientFactory(
        name="Avery Example",
        phone="703-555-0177",
        notes="Private note",
        date_of_birth=dt.date(1990, 5, 17),
    )
    db.session.commit()
    return dict(people=people, org=org, service=service, location=location, client=client)


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def sent_referral(db, world, status="requested"):
    referral = ReferralFactory(
        client=world["client"],
        service=world["service"],
        status=status,
        sent_at=utcnow(),
        created_by_id=world["people"]["clinician"].id,
        need="Counseling twice a week",
        note="Prefers mornings",
    )
    ConsentFactory(client=world["client"], organization=world["org"])
    db.session.commit()
    return referral


# --- clients and encounters --------------------------------------------------------------------


def test_a_clinician_adds_finds_and_changes_a_client(app, db, world):
    browser = signed_in(app, world["people"]["clinician"])
    response = post_form(
        browser,
        "/clients/new",
        {
            "name": "Quinn Sample",
            "approximate_age": "40",
            "phone": "703-555-0123",
            "contact_preference": "text",
        },
    )
    assert response.status_code == 302
    quinn = db.session.scalar(select(Client).where(Client.name == "Quinn Sample"))
    assert quinn.contact_preference == "text" and quinn.approximate_age == 40
    found = browser.get("/clients?q=quinn").get_data(as_text=True)
    assert "Quinn Sample" in found and "Avery Example" not in found
    response = post_form(
        browser,
        f"/clients/{quinn.id}/edit",
        {"name": "Quinn Sample-Jones", "contact_preference": "call"},
    )
    assert response.status_code == 302
    db.session.refresh(quinn)
    assert quinn.name == "Quinn Sample-Jones" and quinn.phone is None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert {"client.created", "client.searched", "client.updated"} <= set(actions)


@pytest.mark.parametrize(
    "data, field_message",
    [
        ({"name": ""}, "Enter a name or an alias."),
        ({"name": "A", "approximate_age": "400"}, "Enter an age from 0 to 120."),
        ({"name": "A", "contact_preference": "pigeon"}, "Choose one of the options listed for"),
        ({"name": "A\x00B"}, "Remove the special or invisible characters"),
        ({"name": "x" * 201}, "At most 200 characters."),
    ],
)
def test_bad_client_input_is_refused_and_nothing_saved(app, db, world, data, field_message):
    browser = signed_in(app, world["people"]["clinician"])
    response = post_form(browser, "/clients/new", data)
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert count(db, Client) == 1


def test_an_encounter_for_a_client_and_an_anonymous_one(app, db, world):
    people = world["people"]
    browser = signed_in(app, people["clinician"])
    base = {
        "occurred_at": "2026-11-20T14:30",
        "place": "Main St",
        "postal_code": "22314",
        "source": "dispatch",
        "disposition": "referred",
        "arrest_eligible": "y",
        "diverted": "y",
        "team_members": [people["clinician"].id, people["colleague"].id],
    }
    response = post_form(browser, f"/encounters/new?client_id={world['client'].id}", base)
    assert response.status_code == 302
    anonymous = post_form(browser, "/encounters/new", {**base, "source": "outreach"})
    assert anonymous.status_code == 302
    known, unknown = db.session.scalars(select(Encounter).order_by(Encounter.source)).all()
    assert known.client_id == world["client"].id and unknown.client_id is None
    assert known.diverted and known.arrest_eligible
    assert {u.email for u in known.team_members} == {
        "clinician@example.org",
        "colleague@example.org",
    }
    assert known.occurred_at == dt.datetime(2026, 11, 20, 19, 30, tzinfo=dt.UTC)
    bad = post_form(
        browser, "/encounters/new", {**base, "disposition": "vanished", "postal_code": "12"}
    )
    assert bad.status_code == 422 and count(db, Encounter) == 2
    page = browser.get(f"/clients/{world['client'].id}").get_data(as_text=True)
    assert "Encounter" in page and "Referred" in page


# --- consent -------------------------------------------------------------------------------------


def consent_data(world, **changes):
    return {
        "organization_id": world["org"].id,
        "information": "Name and phone",
        "purpose": "Referral to counseling",
        "expires_on": "2027-11-20",
        "method": "verbal",
        "witness_name": "Sam Witness",
        "given_at": "2026-11-20T10:00",
        **changes,
    }


def test_consent_is_recorded_with_its_elements_and_revoked(app, db, world):
    browser = signed_in(app, world["people"]["clinician"])
    path = f"/clients/{world['client'].id}/consents/new"
    assert browser.get(path).status_code == 200
    assert post_form(browser, path, consent_data(world)).status_code == 302
    consent = db.session.scalar(select(Consent))
    assert (consent.discloser, consent.method, consent.witness_name) == (
        "Co-Response Program",
        "verbal",
        "Sam Witness",
    )
    page = browser.get(f"/clients/{world['client'].id}").get_data(as_text=True)
    assert "Consent to share with Harbor Counseling" in page and "valid" in page
    response = post_form(
        browser,
        f"/consents/{consent.id}/revoke",
        {"note": "Asked to stop"},
        token_from=f"/clients/{world['client'].id}",
    )
    assert response.status_code == 303
    db.session.refresh(consent)
    assert consent.revoked_at is not None and consent.revocation_note == "Asked to stop"
    assert {"consent.recorded", "consent.revoked"} <= set(
        db.session.scalars(select(AuditEvent.action)).all()
    )


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"witness_name": ""}, "A verbal consent needs the name of the witness."),
        (
            {"method": "signed-on-screen", "signature": ""},
            "Ask the person to sign by typing their name.",
        ),
        ({"expires_on": "", "expiry_event": ""}, "Give an expiry date or the event"),
        ({"expires_on": "2026-01-01"}, "on or after the day the consent was given"),
        ({"organization_id": "not-an-organization"}, "Choose one of the options listed for"),
        ({"purpose": ""}, "Say why it is shared."),
        ({"given_at": "yesterday"}, "Enter the date and time."),
    ],
)
def test_bad_consent_input_is_refused_and_nothing_saved(app, db, world, changes, message):
    browser = signed_in(app, world["people"]["clinician"])
    response = post_form(
        browser, f"/clients/{world['client'].id}/consents/new", consent_data(world, **changes)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Consent) == 0


# --- referrals -----------------------------------------------------------------------------------


def referral_data(world, **changes):
    return {
        "client_id": world["client"].id,
        "location_id": world["location"].id,
        "urgency": "urgent",
        "need": "Counseling",
        "note": "Prefers mornings",
        **changes,
    }


def test_without_consent_a_referral_is_kept_as_a_draft(app, db, world):
    browser = signed_in(app, world["people"]["clinician"])
    path = f"/referrals/new?service_id={world['service'].id}"
    response = post_form(browser, path, {**referral_data(world), "action": "send"})
    referral = db.session.scalar(select(Referral))
    assert response.status_code == 302 and referral.status == "draft"
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "There is no valid consent to share with Harbor Counseling" in page
    assert count(db, EmailMessage) == 0


def test_a_referral_is_created_from_a_service_and_sent_with_consent(app, db, world):
    ConsentFactory(client=world["client"], organization=world["org"])
    db.session.commit()
    browser = signed_in(app, world["people"]["clinician"])
    path = f"/referrals/new?service_id={world['service'].id}&location_id={world['location'].id}"
    form = browser.get(path).get_data(as_text=True)
    assert "Harbor Outpatient" in form
    response = post_form(browser, path, {**referral_data(world), "action": "send"})
    referral = db.session.scalar(select(Referral))
    assert response.status_code == 302
    assert (referral.status, referral.location_id, referral.urgency) == (
        "requested",
        world["location"].id,
        "urgent",
    )
    assert [e.to_status for e in referral.events] == ["draft", "requested"]
    assert count(db, Notification, Notification.user_id == world["people"]["provider"].id) == 1


@pytest.mark.parametrize(
    "changes, status",
    [
        ({"need": ""}, 422),
        ({"urgency": "someday"}, 422),
        ({"client_id": "00000000-0000-4000-8000-000000000000"}, 422),
        ({"location_id": "00000000-0000-4000-8000-000000000000"}, 422),
    ],
)
def test_bad_referral_input_is_refused_and_nothing_saved(app, db, world, changes, status):
    browser = signed_in(app, world["people"]["clinician"])
    response = post_form(
        browser, f"/referrals/new?service_id={world['service'].id}", referral_data(world, **changes)
    )
    assert response.status_code == status and count(db, Referral) == 0


def test_an_unknown_service_is_404(app, world):
    browser = signed_in(app, world["people"]["clinician"])
    assert browser.get("/referrals/new?service_id=nope").status_code == 404
    assert browser.get("/referrals/new").status_code == 404


def status_post(browser, path, referral, to, **data):
    return post_form(
        browser, path, {"version": str(referral.version), "to": to, **data}, token_from="/"
    )


def test_two_people_change_the_same_referral_the_second_gets_409(app, db, world):
    referral = sent_referral(db, world)
    shown = referral.version
    provider = signed_in(app, world["people"]["provider"])
    clinician = signed_in(app, world["people"]["clinician"])
    first = post_form(
        provider,
        f"/provider/referrals/{referral.id}/status",
        {"version": str(shown), "to": "accepted"},
        token_from="/",
    )
    assert first.status_code == 303
    second = post_form(
        clinician,
        f"/referrals/{referral.id}/status",
        {"version": str(shown), "to": "cancelled", "reason": "Moved away"},
        token_from="/",
    )
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Someone else changed this referral" in page and "Accepted" in page
    as_json = clinician.post(
        f"/referrals/{referral.id}/status",
        headers={"Accept": "application/json"},
        data={
            "csrf_token": token_for(clinician, "/"),
            "version": str(shown),
            "to": "cancelled",
            "reason": "Moved away",
        },
    )
    assert as_json.status_code == 409
    assert as_json.get_json()["referral"]["status"] == "accepted"
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "accepted"
    assert [e.to_status for e in db.session.scalars(select(ReferralEvent))] == ["accepted"]


def test_illegal_changes_and_missing_reasons_answer_with_a_message(app, db, world):
    referral = sent_referral(db, world)
    clinician = signed_in(app, world["people"]["clinician"])
    path = f"/referrals/{referral.id}/status"
    providers_change = status_post(clinician, path, referral, "accepted")
    assert providers_change.status_code == 403
    assert "Only staff of the receiving organization" in providers_change.get_data(as_text=True)
    not_in_machine = status_post(clinician, path, referral, "draft")
    assert not_in_machine.status_code == 409
    assert "cannot become" in not_in_machine.get_data(as_text=True)
    no_reason = status_post(clinician, path, referral, "cancelled")
    assert no_reason.status_code == 422 and "Give a reason." in no_reason.get_data(as_text=True)
    unknown = status_post(clinician, path, referral, "teleported")
    assert unknown.status_code == 409
    assert count(db, ReferralEvent) == 0


def test_the_provider_loop_accept_appointment_complete(app, db, world):
    referral = sent_referral(db, world)
    provider = signed_in(app, world["people"]["provider"])
    inbox = provider.get("/provider/referrals").get_data(as_text=True)
    assert "Avery Example" in inbox
    page = provider.get(f"/provider/referrals/{referral.id}").get_data(as_text=True)
    for shown in ("Avery Example", "703-555-0177", "Counseling twice a week", "Prefers mornings"):
        assert shown in page
    for hidden in ("Private note", "1990", "Encounter"):
        assert hidden not in page
    path = f"/provider/referrals/{referral.id}"
    assert status_post(provider, path + "/status", referral, "accepted").status_code == 303
    db.session.refresh(referral)
    response = post_form(
        provider,
        path + "/appointment",
        {"version": str(referral.version), "appointment_on": "2026-12-03"},
        token_from="/",
    )
    assert response.status_code == 303
    db.session.refresh(referral)
    no_outcome = status_post(provider, path + "/status", referral, "completed")
    assert no_outcome.status_code == 422 and "Choose the outcome." in no_outcome.get_data(
        as_text=True
    )
    done = status_post(provider, path + "/status", referral, "completed", outcome="got-help")
    assert done.status_code == 303
    db.session.refresh(referral)
    assert (referral.status, referral.outcome, referral.appointment_on) == (
        "completed",
        "got-help",
        dt.date(2026, 12, 3),
    )
    assert "Avery Example" in provider.get("/provider/referrals?tab=closed").get_data(as_text=True)
    clinician = signed_in(app, world["people"]["clinician"])
    timeline = clinician.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert (
        "Completed" in timeline
        and "Got help" in timeline
        and "Appointment on 2026-12-03" in timeline
    )
    mails = db.session.scalars(select(EmailMessage)).all()
    assert len(mails) == 3 and {m.to for m in mails} == {"clinician@example.org"}
    for mail in mails:
        assert "Avery" not in mail.body and "Counseling" not in mail.body


# --- scoping -------------------------------------------------------------------------------------


def test_provider_staff_of_another_organization_get_404_for_the_referral_and_its_client(
    app, db, world
):
    referral = sent_referral(db, world)
    outsider = signed_in(app, world["people"]["outsider"])
    assert outsider.get(f"/provider/referrals/{referral.id}").status_code == 404
    assert outsider.get(f"/referrals/{referral.id}").status_code == 404
    assert outsider.get(f"/clients/{world['client'].id}").status_code == 404
    assert "Avery" not in outsider.get("/provider/referrals").get_data(as_text=True)
    own = signed_in(app, world["people"]["provider"])
    assert own.get(f"/clients/{world['client'].id}").status_code == 404
    assert own.get(f"/referrals/{referral.id}").status_code == 302


def test_a_draft_never_reaches_the_provider(app, db, world):
    referral = sent_referral(db, world, status="draft")
    provider = signed_in(app, world["people"]["provider"])
    assert provider.get(f"/provider/referrals/{referral.id}").status_code == 404


def test_supervisors_read_but_do_not_change(app, db, world):
    referral = sent_referral(db, world)
    supervisor = signed_in(app, world["people"]["supervisor"])
    assert supervisor.get(f"/clients/{world['client'].id}").status_code == 200
    page = supervisor.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Change the status" not in page
    assert (
        status_post(
            supervisor, f"/referrals/{referral.id}/status", referral, "cancelled", reason="x"
        ).status_code
        == 403
    )
    assert post_form(supervisor, "/clients/new", {"name": "X"}, token_from="/").status_code == 403


def test_admins_do_not_reach_client_data(app, db, world):
    referral = sent_referral(db, world)
    admin = signed_in(app, world["people"]["admin"])
    assert admin.get(f"/clients/{world['client'].id}").status_code == 404
    assert admin.get(f"/referrals/{referral.id}").status_code == 404
    assert admin.get("/clients").status_code == 403
    assert admin.get("/dashboard").status_code == 403


def test_every_view_of_client_data_is_audited(app, db, world):
    referral = sent_referral(db, world)
    clinician = signed_in(app, world["people"]["clinician"])
    clinician.get(f"/clients/{world['client'].id}")
    clinician.get(f"/referrals/{referral.id}")
    signed_in(app, world["people"]["provider"]).get(f"/provider/referrals/{referral.id}")
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.record_id, AuditEvent.actor_id)
        .where(AuditEvent.action.in_(("client.viewed", "referral.viewed")))
        .order_by(AuditEvent.id)
    ).all()
    assert rows == [
        ("client.viewed", world["client"].id, world["people"]["clinician"].id),
        ("referral.viewed", referral.id, world["people"]["clinician"].id),
        ("referral.viewed", referral.id, world["people"]["provider"].id),
    ]


# --- dashboard, printing, command ----------------------------------------------------------------


def test_the_dashboard_marks_overdue_and_lists_due_follow_ups(app, db, world):
    referral = sent_referral(db, world)
    referral.sent_at = utcnow() - dt.timedelta(days=10)
    referral.follow_up_on = dt.date(2026, 1, 1)
    db.session.commit()
    page = signed_in(app, world["people"]["clinician"]).get("/dashboard").get_data(as_text=True)
    assert "Overdue: no answer yet" in page
    assert page.count("Avery Example") == 2  # the open list and the due follow-ups


def test_the_printable_referral_and_the_public_list_with_a_qr_code(app, db, world):
    referral = sent_referral(db, world)
    db.session.add(RequiredDocument(service_id=world["service"].id, document="A photo ID"))
    db.session.commit()
    clinician = signed_in(app, world["people"]["clinician"])
    printed = clinician.get(f"/referrals/{referral.id}/print").get_data(as_text=True)
    assert "Harbor Outpatient" in printed and "A photo ID" in printed and "988" in printed
    response = post_form(clinician, "/lists/new", {"service_ids": [world["service"].id]})
    assert response.status_code == 303
    token = db.session.scalar(select(ServiceList.token))
    assert response.headers["Location"].endswith(f"/l/{token}")
    public = app.test_client().get(f"/l/{token}")
    page = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "Harbor Outpatient" in page and "A photo ID" in page and "<svg" in page
    assert f"/l/{token}" in page and "Avery" not in page
    assert app.test_client().get("/l/unknown-token").status_code == 404
    empty = post_form(clinician, "/lists/new", {})
    assert empty.status_code == 422 and "Choose at least one service." in empty.get_data(
        as_text=True
    )


def test_the_overdue_command_lists_and_notifies_once(app, db, world):
    referral = sent_referral(db, world)
    referral.sent_at = utcnow() - dt.timedelta(days=10)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["referrals", "overdue", "--notify"])
    assert result.exit_code == 0, result.output
    assert referral.id in result.output and "Avery" not in result.output
    assert "notified about 1 referral(s)" in result.output
    again = runner.invoke(args=["referrals", "overdue", "--notify"])
    assert "notified about 0 referral(s)" in again.output
    assert count(db, Notification, Notification.kind == "overdue") == 2
    assert workflow.overdue_referrals() == [referral]


def test_clinicians_see_refer_links_on_search_results_and_service_pages(app, db, world):
    from portal.search import rebuild_index

    rebuild_index()
    service_id = world["service"].id
    clinician = signed_in(app, world["people"]["clinician"])
    results = clinician.get("/search?q=harbor").get_data(as_text=True)
    assert f"/referrals/new?service_id={service_id}" in results
    page = clinician.get(f"/services/{service_id}").get_data(as_text=True)
    assert f"location_id={world['location'].id}" in page
    for other in (app.test_client(), signed_in(app, world["people"]["provider"])):
        assert other.get("/search?q=harbor").status_code == 200
        assert "/referrals/new" not in other.get(f"/services/{service_id}").get_data(as_text=True)


def test_a_stale_appointment_form_gets_409_on_the_provider_side_too(app, db, world):
    referral = sent_referral(db, world, status="accepted")
    provider = signed_in(app, world["people"]["provider"])
    stale = str(referral.version - 1)
    page = post_form(
        provider,
        f"/provider/referrals/{referral.id}/appointment",
        {"version": stale, "appointment_on": "2026-12-03"},
        token_from="/",
    )
    assert page.status_code == 409 and "Someone else changed this referral" in page.get_data(
        as_text=True
    )
    as_json = provider.post(
        f"/provider/referrals/{referral.id}/appointment",
        headers={"Accept": "application/json"},
        data={
            "csrf_token": token_for(provider, "/"),
            "version": stale,
            "appointment_on": "2026-12-03",
        },
    )
    assert as_json.status_code == 409 and as_json.get_json()["referral"]["status"] == "accepted"
    missing = post_form(
        provider,
        f"/provider/referrals/{referral.id}/appointment",
        {"appointment_on": "someday"},
        token_from="/",
    )
    assert missing.status_code == 422
    db.session.refresh(referral)
    assert referral.appointment_on is None


def test_after_consent_only_the_clients_own_referral_is_a_place_to_return_to(app, db, world):
    browser = signed_in(app, world["people"]["clinician"])
    path = f"/clients/{world['client'].id}/consents/new?next_referral=not-a-referral"
    response = post_form(browser, path, consent_data(world))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/clients/{world['client'].id}")


# --- malformed input answers 4xx, never 500 ------------------------------------------------------


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_time_that_cannot_be_converted_to_utc_is_refused(app, db, world, when):
    # 9999-12-31 23:59 in New York is past the largest datetime in UTC (it was a 500).
    browser = signed_in(app, world["people"]["clinician"])
    consent = post_form(
        browser, f"/clients/{world['client'].id}/consents/new", consent_data(world, given_at=when)
    )
    assert consent.status_code == 422 and "Enter a real date and time." in consent.get_data(
        as_text=True
    )
    encounter = post_form(
        browser,
        "/encounters/new",
        {"occurred_at": when, "source": "dispatch", "disposition": "referred"},
    )
    assert encounter.status_code == 422 and "Enter a real date and time." in encounter.get_data(
        as_text=True
    )
    assert count(db, Consent) == 0 and count(db, Encounter) == 0


def test_malformed_ids_and_nul_bytes_in_queries_answer_404_or_are_ignored(app, db, world):
    # PostgreSQL refuses a NUL byte in a query parameter; these values reach SQL without a form.
    browser = signed_in(app, world["people"]["clinician"])
    assert browser.get("/referrals/new", query_string={"service_id": "x\x00"}).status_code == 404
    assert browser.get("/encounters/new", query_string={"client_id": "x\x00"}).status_code == 404
    assert (
        browser.get("/encounters/new", query_string={"client_id": "not-an-id"}).status_code == 404
    )
    from portal.search import rebuild_index

    rebuild_index()  # the list builder searches as the directory does
    listed = browser.get("/lists/new", query_string={"q": "Harbor\x00", "service_id": "x\x00"})
    assert listed.status_code == 200 and "Harbor Outpatient" in listed.get_data(as_text=True)
    assert app.test_client().get("/l/abc%00def").status_code == 404
    assert app.test_client().get("/l/" + "a" * 33).status_code == 404
