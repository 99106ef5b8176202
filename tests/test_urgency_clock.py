"""Urgency is a clock (issue 13, point 2): a response time per urgency, configurable, counted
in clock hours or working days that skip weekends and holidays; overdue shown on both sides;
the overdue command per urgency; email subjects that say what happened and how urgent."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.config import ConfigError, holidays, response_times
from portal.models import EmailMessage, Notification
from portal.referrals import workflow
from tests.accounts import signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
THANKSGIVING = dt.date(2026, 11, 26)  # a Thursday


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def test_response_times_and_holidays_are_read_from_the_environment_strictly():
    assert response_times("emergency=2h,urgent=1d,routine=2d") == {
        "emergency": ("hours", 2),
        "urgent": ("working-days", 1),
        "routine": ("working-days", 2),
    }
    assert response_times("emergency=4h")["emergency"] == ("hours", 4)
    assert response_times("emergency=4h")["routine"] == ("working-days", 2)
    assert holidays("2026-11-26, 2026-12-25") == {THANKSGIVING, dt.date(2026, 12, 25)}
    for bad in ("emergency=2", "someday=1d", "urgent=xd", "urgent=0d", "routine=2w"):
        with pytest.raises(ConfigError):
            response_times(bad)
    with pytest.raises(ConfigError):
        holidays("2026-13-01")


@pytest.fixture
def world(app, db):
    app.config["PORTAL_HOLIDAYS"] = frozenset({THANKSGIVING})
    org = OrganizationFactory(name="Harbor Counseling")
    service = ServiceFactory(organization=org, name="Harbor Outpatient")
    clinician = UserFactory(role="clinician", email="clinician@example.org")
    provider = UserFactory(role="provider", organizations=[org], email="staff@example.org")
    db.session.commit()
    return dict(org=org, service=service, clinician=clinician, provider=provider)


def sent(db, world, urgency: str, at: dt.datetime, name: str = "Riley Example"):
    person = ClientFactory(name=name)
    referral = ReferralFactory(
        client=person,
        service=world["service"],
        status="requested",
        urgency=urgency,
        sent_at=at.astimezone(dt.UTC),
        created_by_id=world["clinician"].id,
    )
    ConsentFactory(client=person, organization=world["org"])
    db.session.commit()
    return referral


@pytest.mark.parametrize(
    "urgency, sent_at, due",
    [
        # Across a weekend.
        ("emergency", local(2026, 11, 20, 23, 0), local(2026, 11, 21, 1, 0)),  # Fri -> Sat
        ("urgent", local(2026, 11, 20, 16, 0), local(2026, 11, 23, 16, 0)),  # Fri -> Mon
        ("routine", local(2026, 11, 20, 16, 0), local(2026, 11, 24, 16, 0)),  # Fri -> Tue
        ("urgent", local(2026, 11, 21, 9, 0), local(2026, 11, 24, 0, 0)),  # Sat -> Tue 00:00
        # Across a holiday (Thanksgiving, Thursday 26 November).
        ("urgent", local(2026, 11, 25, 10, 0), local(2026, 11, 27, 10, 0)),  # Wed -> Fri
        ("routine", local(2026, 11, 25, 10, 0), local(2026, 11, 30, 10, 0)),  # Wed -> Mon
        ("urgent", local(2026, 11, 26, 10, 0), local(2026, 11, 30, 0, 0)),  # on the holiday
        ("emergency", local(2026, 11, 26, 10, 0), local(2026, 11, 26, 12, 0)),  # hours go on
    ],
)
def test_each_urgency_has_its_own_clock(app, db, world, urgency, sent_at, due):
    referral = sent(db, world, urgency, sent_at)
    assert workflow.answer_due_at(referral) == due
    assert not workflow.is_overdue(referral, due.astimezone(dt.UTC))
    assert workflow.is_overdue(referral, (due + dt.timedelta(minutes=1)).astimezone(dt.UTC))


def test_the_response_times_are_configurable(app, db, world):
    referral = sent(db, world, "emergency", local(2026, 11, 20, 10, 0))
    app.config["PORTAL_REFERRAL_RESPONSE_TIMES"] = response_times("emergency=1d")
    assert workflow.answer_due_at(referral) == local(2026, 11, 23, 10, 0)


def test_the_provider_inbox_puts_the_most_urgent_and_oldest_first_and_marks_overdue(app, db, world):
    now = dt.datetime.now(dt.UTC)
    sent(db, world, "routine", now - dt.timedelta(days=1), name="Routine Recent")
    sent(db, world, "emergency", now - dt.timedelta(minutes=30), name="Emergency Recent")
    sent(db, world, "urgent", now - dt.timedelta(days=9), name="Urgent Old")
    sent(db, world, "emergency", now - dt.timedelta(hours=5), name="Emergency Old")
    page = signed_in(app, world["provider"]).get("/provider/referrals").get_data(as_text=True)
    order = [page.index(n) for n in ("Emergency Old", "Emergency Recent", "Urgent Old")]
    assert order == sorted(order) and page.index("Urgent Old") < page.index("Routine Recent")
    rows = page.split("<li>")
    overdue = {
        n
        for n in ("Emergency Old", "Urgent Old", "Emergency Recent")
        if "Overdue" in next(r for r in rows if n in r)
    }
    assert overdue == {"Emergency Old", "Urgent Old"}


def test_the_overdue_command_works_per_urgency(app, db, world):
    now = dt.datetime.now(dt.UTC)
    emergency = sent(db, world, "emergency", now - dt.timedelta(hours=3))
    routine = sent(db, world, "routine", now - dt.timedelta(days=10))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["referrals", "overdue", "--notify", "--urgency", "emergency"])
    assert result.exit_code == 0, result.output
    assert emergency.id in result.output and routine.id not in result.output
    assert "emergency: 1" in result.output and "notified about 1 referral(s)" in result.output
    told = set(db.session.scalars(select(Notification.referral_id)))
    assert told == {emergency.id}
    everything = runner.invoke(args=["referrals", "overdue", "--notify"])
    assert "emergency: 1" in everything.output and "routine: 1" in everything.output
    assert "notified about 1 referral(s)" in everything.output
    assert "Riley" not in everything.output
    subjects = set(db.session.scalars(select(EmailMessage.subject)))
    assert subjects == {
        "Referral overdue: no answer yet (emergency)",
        "Referral overdue: no answer yet",
    }


def test_email_subjects_say_what_happened_and_how_urgent_but_not_who(app, db, world):
    urgent = sent(db, world, "urgent", dt.datetime.now(dt.UTC), name="Riley Unique-Name")
    urgent.status = "draft"
    db.session.commit()
    workflow.change_status(
        urgent, "requested", by=world["clinician"], expected_version=urgent.version
    )
    workflow.change_status(
        urgent, "accepted", by=world["provider"], expected_version=urgent.version
    )
    routine = sent(db, world, "routine", dt.datetime.now(dt.UTC), name="Sam Other")
    workflow.change_status(
        routine, "rejected", by=world["provider"], expected_version=routine.version, reason="Full"
    )
    db.session.commit()
    mails = db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)).all()
    assert [m.subject for m in mails] == [
        "New urgent referral",
        "Referral accepted (urgent)",
        "Referral declined",
    ]
    assert mails[0].body.startswith("New urgent referral. Sign in to see it")
    for mail in mails:
        for detail in ("Riley", "Unique-Name", "Sam Other", "Harbor", "Full"):
            assert detail not in mail.subject + mail.body
