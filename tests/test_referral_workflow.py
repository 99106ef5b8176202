"""The referral state machine (DESIGN.md, "Referrals") through portal.referrals.workflow:
every allowed and every refused change, who may make it, reasons, outcomes, append-only
events, consent before sending, version conflicts, overdue business days and notices."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import localtime
from portal.models import AuditEvent, EmailMessage, Notification, ReferralEvent
from portal.models.referrals import ReferralEventIsAppendOnly
from portal.referrals import consent as consents
from portal.referrals import workflow
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)

C, P = "clinician", "provider"
# The machine as DESIGN.md draws it, written out by hand so a slip in the module shows here.
ALLOWED = {
    ("draft", "requested"): C,
    ("requested", "accepted"): P,
    ("requested", "rejected"): P,
    ("requested", "cancelled"): C,
    ("accepted", "in-progress"): P,
    ("accepted", "on-hold"): P,
    ("accepted", "completed"): P,
    ("accepted", "failed"): P,
    ("accepted", "cancelled"): C,
    ("in-progress", "on-hold"): P,
    ("in-progress", "completed"): P,
    ("in-progress", "failed"): P,
    ("in-progress", "cancelled"): C,
    ("on-hold", "in-progress"): P,
    ("on-hold", "completed"): P,
    ("on-hold", "failed"): P,
    ("on-hold", "cancelled"): C,
    **{
        (s, "entered-in-error"): C
        for s in (
            "draft",
            "requested",
            "accepted",
            "rejected",
            "in-progress",
            "on-hold",
            "completed",
            "failed",
            "cancelled",
        )
    },
}
ALL_PAIRS = [(a, b) for a, b in itertools.product(workflow.STATUSES, workflow.STATUSES) if a != b]


@pytest.fixture
def people(db):
    org = OrganizationFactory(name="Receiving Org")
    other = OrganizationFactory(name="Other Org")
    return {
        "org": org,
        "clinician": UserFactory(role="clinician"),
        "provider": UserFactory(role="provider", organizations=[org]),
        "outsider": UserFactory(role="provider", organizations=[other]),
        "supervisor": UserFactory(role="supervisor"),
        "admin": UserFactory(role="admin"),
    }


def make_referral(people, status="draft", *, consent=True):
    service = ServiceFactory(organization=people["org"])
    referral = ReferralFactory(
        service=service,
        status=status,
        created_by_id=people["clinician"].id,
        sent_at=None if status == "draft" else dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC),
    )
    if consent:
        ConsentFactory(client=referral.client, organization=people["org"])
    return referral


def details_for(to):
    return {
        "reason": "A reason" if to in workflow.REASON_REQUIRED else None,
        "outcome": "got-help" if to in workflow.OUTCOME_REQUIRED else None,
    }


def test_the_module_matches_the_design():
    assert workflow.TRANSITIONS == ALLOWED


@pytest.mark.parametrize("start, to", sorted(ALLOWED))
def test_each_allowed_change_by_its_side_and_refused_to_the_other(db, people, start, to):
    referral = make_referral(people, start)
    side, other_side = (
        (people["clinician"], people["provider"])
        if ALLOWED[(start, to)] == C
        else (people["provider"], people["clinician"])
    )
    for refused in (other_side, people["outsider"], people["supervisor"], people["admin"]):
        with pytest.raises(workflow.NotPermitted):
            workflow.change_status(
                referral, to, by=refused, expected_version=referral.version, **details_for(to)
            )
    event = workflow.change_status(
        referral, to, by=side, expected_version=referral.version, **details_for(to)
    )
    db.session.commit()
    assert referral.status == to
    assert (event.from_status, event.to_status, event.actor_id) == (start, to, side.id)
    assert referral.events[-1] is event


@pytest.mark.parametrize("start, to", sorted(set(ALL_PAIRS) - set(ALLOWED)))
def test_each_change_outside_the_machine_is_refused(db, people, start, to):
    referral = make_referral(people, start)
    for user in (people["clinician"], people["provider"]):
        with pytest.raises(workflow.IllegalTransition) as refused:
            workflow.change_status(
                referral,
                to,
                by=user,
                expected_version=referral.version,
                reason="A reason",
                outcome="got-help" if to in workflow.FINAL else None,
            )
        assert "cannot become" in refused.value.message
    assert referral.status == start


@pytest.mark.parametrize("to", workflow.REASON_REQUIRED)
def test_a_reason_is_required(db, people, to):
    start = "requested" if to == "rejected" else "accepted"
    referral = make_referral(people, start)
    user = people["provider"] if ALLOWED[(start, to)] == P else people["clinician"]
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.change_status(
            referral,
            to,
            by=user,
            expected_version=referral.version,
            reason="   ",
            outcome=details_for(to)["outcome"],
        )
    assert refused.value.field == "reason" and referral.status == start


@pytest.mark.parametrize("to", workflow.OUTCOME_REQUIRED)
def test_an_outcome_is_required_at_the_end(db, people, to):
    referral = make_referral(people, "in-progress")
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.change_status(
            referral,
            to,
            by=people["provider"],
            expected_version=referral.version,
            reason="A reason",
        )
    assert refused.value.field == "outcome"
    with pytest.raises(workflow.WorkflowError):
        workflow.change_status(
            referral,
            to,
            by=people["provider"],
            expected_version=referral.version,
            reason="A reason",
            outcome="made-up",
        )
    workflow.change_status(
        referral,
        to,
        by=people["provider"],
        expected_version=referral.version,
        reason="A reason",
        outcome="could-not-contact",
    )
    assert referral.outcome == "could-not-contact" and referral.closed_at is not None


def test_no_outcome_before_the_end(db, people):
    referral = make_referral(people, "requested")
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.change_status(
            referral,
            "accepted",
            by=people["provider"],
            expected_version=referral.version,
            outcome="got-help",
        )
    assert refused.value.field == "outcome"


def test_sending_needs_a_valid_consent_naming_the_organization(db, people):
    referral = make_referral(people, consent=False)
    ConsentFactory(client=referral.client)  # names another organization
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.change_status(
            referral, "requested", by=people["clinician"], expected_version=referral.version
        )
    assert refused.value.field == "consent" and referral.status == "draft"
    ConsentFactory(client=referral.client, organization=people["org"])
    workflow.change_status(
        referral, "requested", by=people["clinician"], expected_version=referral.version
    )
    assert referral.status == "requested" and referral.sent_at is not None


def test_an_expired_or_revoked_consent_does_not_allow_sending(db, people):
    referral = make_referral(people, consent=False)
    today = localtime.today()
    expired = ConsentFactory(
        client=referral.client, organization=people["org"], expires_on=today - dt.timedelta(days=1)
    )
    assert not consents.is_valid(expired)
    revoked = ConsentFactory(client=referral.client, organization=people["org"])
    consents.revoke(revoked, by=people["clinician"], note="Asked to stop sharing")
    assert not consents.is_valid(revoked)
    with pytest.raises(consents.ConsentError):
        consents.revoke(revoked, by=people["clinician"])
    with pytest.raises(workflow.WorkflowError):
        workflow.change_status(
            referral, "requested", by=people["clinician"], expected_version=referral.version
        )
    last_day = ConsentFactory(client=referral.client, organization=people["org"], expires_on=today)
    assert consents.is_valid(last_day) and not consents.is_valid(
        last_day, today + dt.timedelta(days=1)
    )
    assert consents.valid_consent(referral.client, people["org"].id) is last_day


def test_recording_a_consent_needs_each_element(db, people):
    client = ClientFactory()
    now = dt.datetime.now(dt.UTC)
    base = dict(
        information="Name and phone",
        purpose="Treatment referral",
        method="paper",
        given_at=now,
        by=people["clinician"],
        expires_on=localtime.today(),
    )
    problems = {
        "information": dict(information=" "),
        "purpose": dict(purpose=""),
        "expires_on": dict(expires_on=None),
        "method": dict(method="telepathy"),
        "witness_name": dict(method="verbal"),
        "signature": dict(method="signed-on-screen"),
        "given_at": dict(given_at=now + dt.timedelta(days=1)),
    }
    for field, change in problems.items():
        with pytest.raises(consents.ConsentError) as refused:
            consents.record(client, people["org"], **{**base, **change})
        assert refused.value.field == field
    consent = consents.record(
        client,
        people["org"],
        **{
            **base,
            "expires_on": None,
            "expiry_event": "When treatment ends",
            "method": "verbal",
            "witness_name": "Sam Witness",
        },
    )
    assert consent.discloser == "Co-Response Program" and consents.is_valid(consent)


def test_events_are_append_only(db, people):
    referral = workflow.create(
        ClientFactory(),
        ServiceFactory(organization=people["org"]),
        by=people["clinician"],
        urgency="routine",
        need="Counseling",
    )
    db.session.commit()
    event = referral.events[0]
    event.note = "changed"
    with pytest.raises(ReferralEventIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ReferralEvent, event.id))
    with pytest.raises(ReferralEventIsAppendOnly):
        db.session.flush()


def test_create_checks_its_input_and_writes_the_first_event(db, people):
    service = ServiceFactory(organization=people["org"])
    elsewhere = LocationFactory()
    client = ClientFactory()
    with pytest.raises(workflow.WorkflowError, match="not offered"):
        workflow.create(
            client,
            service,
            by=people["clinician"],
            urgency="routine",
            need="Counseling",
            location=elsewhere,
        )
    with pytest.raises(workflow.WorkflowError):
        workflow.create(
            client, service, by=people["clinician"], urgency="whenever", need="Counseling"
        )
    with pytest.raises(workflow.WorkflowError):
        workflow.create(client, service, by=people["clinician"], urgency="routine", need=" ")
    with pytest.raises(workflow.NotPermitted):
        workflow.create(
            client, service, by=people["provider"], urgency="routine", need="Counseling"
        )
    here = ServiceAtLocationFactory(service=service).location
    referral = workflow.create(
        client, service, by=people["clinician"], urgency="urgent", need="Counseling", location=here
    )
    db.session.commit()
    assert referral.organization_id == people["org"].id and referral.version == 1
    assert [(e.from_status, e.to_status) for e in referral.events] == [(None, "draft")]
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.record_id == referral.id))
        == "referral.created"
    )


def test_a_stale_version_is_refused_and_nothing_changes(db, people):
    referral = make_referral(people, "requested")
    db.session.commit()
    shown = referral.version
    workflow.change_status(referral, "accepted", by=people["provider"], expected_version=shown)
    workflow.commit()
    assert referral.version == shown + 1
    with pytest.raises(workflow.StaleVersion):
        workflow.change_status(
            referral,
            "cancelled",
            by=people["clinician"],
            expected_version=shown,
            reason="Client moved",
        )
    with pytest.raises(workflow.StaleVersion):
        workflow.set_follow_up(
            referral, dt.date(2026, 12, 1), by=people["clinician"], expected_version=shown
        )
    assert referral.status == "accepted" and len(referral.events) == 1  # the acceptance only


@pytest.mark.fresh_database  # the other writer's change must outlive the app's rollback
def test_a_concurrent_update_of_the_same_row_raises_stale_version(app, db, people):
    referral = make_referral(people, "requested")
    db.session.commit()
    referral_id, version = referral.id, referral.version
    # Another writer changes the row after this session read it.
    with db.engine.begin() as connection:
        connection.execute(
            workflow.Referral.__table__.update()
            .where(workflow.Referral.id == referral_id)
            .values(status="rejected", version=version + 1)
        )
    with pytest.raises(workflow.StaleVersion):  # at the change's autoflush or at the commit
        workflow.change_status(
            referral, "accepted", by=people["provider"], expected_version=version
        )
        workflow.commit()
    db.session.expire_all()
    fresh = db.session.get(workflow.Referral, referral_id)
    assert fresh.status == "rejected"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ReferralEvent)
            .where(ReferralEvent.referral_id == referral_id)
        )
        == 0
    )


def test_appointments_and_follow_ups(db, people):
    referral = make_referral(people, "requested")
    with pytest.raises(workflow.IllegalTransition):
        workflow.set_appointment(
            referral, dt.date(2026, 12, 3), by=people["provider"], expected_version=referral.version
        )
    workflow.change_status(
        referral, "accepted", by=people["provider"], expected_version=referral.version
    )
    db.session.commit()
    with pytest.raises(workflow.NotPermitted):
        workflow.set_appointment(
            referral,
            dt.date(2026, 12, 3),
            by=people["clinician"],
            expected_version=referral.version,
        )
    event = workflow.set_appointment(
        referral, dt.date(2026, 12, 3), by=people["provider"], expected_version=referral.version
    )
    db.session.commit()
    assert referral.appointment_on == dt.date(2026, 12, 3) and "2026-12-03" in event.note
    with pytest.raises(workflow.NotPermitted):
        workflow.set_follow_up(
            referral, dt.date(2026, 12, 4), by=people["provider"], expected_version=referral.version
        )
    workflow.set_follow_up(
        referral, dt.date(2026, 12, 4), by=people["clinician"], expected_version=referral.version
    )
    db.session.commit()
    assert workflow.due_follow_ups(dt.date(2026, 12, 3)) == []
    assert workflow.due_follow_ups(dt.date(2026, 12, 4)) == [referral]
    workflow.change_status(
        referral,
        "completed",
        by=people["provider"],
        expected_version=referral.version,
        outcome="got-help",
    )
    db.session.commit()
    assert workflow.due_follow_ups(dt.date(2026, 12, 5)) == []
    with pytest.raises(workflow.IllegalTransition):
        workflow.set_follow_up(
            referral,
            dt.date(2026, 12, 9),
            by=people["clinician"],
            expected_version=referral.version,
        )


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "sent, days, due",
    [
        (dt.datetime(2026, 11, 23, 10, 0), 2, dt.datetime(2026, 11, 25, 10, 0)),  # Mon -> Wed
        (dt.datetime(2026, 11, 27, 10, 0), 2, dt.datetime(2026, 12, 1, 10, 0)),  # Fri -> Tue
        (dt.datetime(2026, 11, 26, 16, 30), 2, dt.datetime(2026, 11, 30, 16, 30)),  # Thu -> Mon
        (dt.datetime(2026, 11, 28, 12, 0), 2, dt.datetime(2026, 12, 2, 0, 0)),  # Sat -> Wed 00:00
        (dt.datetime(2026, 11, 29, 23, 0), 1, dt.datetime(2026, 12, 1, 0, 0)),  # Sun -> Tue 00:00
        (dt.datetime(2026, 11, 27, 10, 0), 5, dt.datetime(2026, 12, 4, 10, 0)),  # a whole week
    ],
)
def test_business_days(sent, days, due):
    result = workflow.add_business_days(sent.replace(tzinfo=NEW_YORK), days, NEW_YORK)
    assert result == due.replace(tzinfo=NEW_YORK)


def test_overdue_after_two_business_days_and_configurable(app, db, people):
    referral = make_referral(people, "requested")
    referral.sent_at = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)  # Fri 10:00 local
    db.session.commit()
    tuesday_before = dt.datetime(2026, 12, 1, 14, 59, tzinfo=dt.UTC)
    tuesday_after = dt.datetime(2026, 12, 1, 15, 1, tzinfo=dt.UTC)
    assert not workflow.is_overdue(referral, tuesday_before)
    assert workflow.is_overdue(referral, tuesday_after)
    assert workflow.overdue_referrals(tuesday_after) == [referral]
    app.config["PORTAL_REFERRAL_RESPONSE_TIMES"] = {
        **app.config["PORTAL_REFERRAL_RESPONSE_TIMES"],
        "routine": ("working-days", 3),
    }
    assert not workflow.is_overdue(referral, tuesday_after)
    workflow.change_status(
        referral, "accepted", by=people["provider"], expected_version=referral.version
    )
    assert not workflow.is_overdue(referral, tuesday_after)


def test_overdue_notices_go_once_to_both_sides(app, db, people):
    referral = make_referral(people, "requested")
    db.session.commit()
    later = referral.sent_at + dt.timedelta(days=10)
    assert workflow.notify_overdue(later) == [referral]
    db.session.commit()
    assert workflow.notify_overdue(later) == []
    kinds = db.session.execute(select(Notification.user_id, Notification.kind)).all()
    assert sorted(kinds) == sorted(
        [(people["provider"].id, "overdue"), (people["clinician"].id, "overdue")]
    )


def test_each_change_notifies_the_other_side_without_client_details(app, db, people):
    referral = make_referral(people)
    referral.client.name = "Riley Unique-Name"
    referral.need = "Detox bed tonight"
    db.session.commit()
    workflow.change_status(
        referral, "requested", by=people["clinician"], expected_version=referral.version
    )
    db.session.commit()
    workflow.change_status(
        referral, "accepted", by=people["provider"], expected_version=referral.version
    )
    db.session.commit()
    notices = db.session.execute(
        select(Notification.user_id, Notification.status).order_by(Notification.id)
    ).all()
    assert notices == [(people["provider"].id, "requested"), (people["clinician"].id, "accepted")]
    mails = db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()
    assert [m.to for m in mails] == [people["provider"].email, people["clinician"].email]
    assert f"/provider/referrals/{referral.id}" in mails[0].body
    assert f"/referrals/{referral.id}" in mails[1].body
    for mail in mails:
        text = mail.subject + mail.body
        for detail in ("Riley", "Unique-Name", "Detox", "703-555", people["org"].name):
            assert detail not in text


def test_dashboard_orders_by_urgency_then_age(app, db, people):
    now = dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)
    rows = []
    for urgency, days_ago in (("routine", 9), ("emergency", 1), ("urgent", 2), ("urgent", 5)):
        referral = make_referral(people, "requested")
        referral.urgency, referral.sent_at = urgency, now - dt.timedelta(days=days_ago)
        rows.append(referral)
    make_referral(people, "draft")
    make_referral(people, "completed")
    db.session.commit()
    dashboard = workflow.open_referrals(now)
    assert [r.referral for r in dashboard] == [rows[1], rows[3], rows[2], rows[0]]
    # Each urgency has its own clock: the emergency is 2 hours, the urgent ones 1 working day.
    assert [r.overdue for r in dashboard] == [True, True, True, True]
    # A day earlier the emergency had just been sent and the 2-day-old urgent one was due.
    assert [r.overdue for r in workflow.open_referrals(now - dt.timedelta(days=1))] == [
        False,
        True,
        False,
        True,
    ]
