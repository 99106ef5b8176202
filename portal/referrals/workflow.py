"""The referral rules, in one place: the state machine of DESIGN.md as data, who may make
which change, what each change needs, optimistic concurrency, overdue referrals, due
follow-ups and the notices each change sends. Pages, the provider inbox and the CLI call
these functions; none of them decides a rule itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel.speaklater import LazyString
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, localtime, notify
from portal.auth import policies
from portal.auth.tokens import external_url
from portal.config import HOURS
from portal.extensions import db
from portal.models import (
    Consent,
    Location,
    Notification,
    Referral,
    ReferralEvent,
    Role,
    Service,
    User,
)
from portal.models.catalog import ServiceAtLocation, utcnow
from portal.models.referrals import Client, ReferralOutcome, ReferralStatus, Urgency
from portal.referrals import consent as consents
from portal.referrals import disclosure
from portal.translated import gettext as _
from portal.translated import lazy_gettext as _l

# The statuses (portal.models.referrals.ReferralStatus), by the names the rules below use.
DRAFT = ReferralStatus.draft
REQUESTED = ReferralStatus.requested
ACCEPTED = ReferralStatus.accepted
REJECTED = ReferralStatus.rejected
IN_PROGRESS = ReferralStatus.in_progress
ON_HOLD = ReferralStatus.on_hold
COMPLETED = ReferralStatus.completed
FAILED = ReferralStatus.failed
CANCELLED = ReferralStatus.cancelled
ENTERED_IN_ERROR = ReferralStatus.entered_in_error

STATUSES = tuple(ReferralStatus)
OPEN = (REQUESTED, ACCEPTED, IN_PROGRESS, ON_HOLD)  # sent and not yet ended
FINAL = (REJECTED, CANCELLED, COMPLETED, FAILED, ENTERED_IN_ERROR)

# The two sides of a referral: the program's clinicians, and the staff of the organization
# it was sent to.
CLINICIAN = "clinician"
PROVIDER = "provider"

# Where an accepted or in-progress referral can go next on the provider's side.
_PROVIDER_NEXT = dict.fromkeys((ON_HOLD, COMPLETED, FAILED), PROVIDER)
# (from, to) -> the side that may make the change (DESIGN.md, "Referrals").
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, REQUESTED): CLINICIAN,
    (REQUESTED, ACCEPTED): PROVIDER,
    (REQUESTED, REJECTED): PROVIDER,
    (REQUESTED, CANCELLED): CLINICIAN,  # the clinician withdraws
    (ACCEPTED, IN_PROGRESS): PROVIDER,
    **{(ACCEPTED, to): side for to, side in _PROVIDER_NEXT.items()},
    (ACCEPTED, CANCELLED): CLINICIAN,
    **{(IN_PROGRESS, to): side for to, side in _PROVIDER_NEXT.items()},
    (IN_PROGRESS, CANCELLED): CLINICIAN,
    (ON_HOLD, IN_PROGRESS): PROVIDER,
    (ON_HOLD, COMPLETED): PROVIDER,
    (ON_HOLD, FAILED): PROVIDER,
    (ON_HOLD, CANCELLED): CLINICIAN,
    # A referral recorded by mistake is marked so, from any status, by the program.
    **{(status, ENTERED_IN_ERROR): CLINICIAN for status in STATUSES if status != ENTERED_IN_ERROR},
}
REASON_REQUIRED = (REJECTED, CANCELLED, ON_HOLD, FAILED)
OUTCOME_REQUIRED = (COMPLETED, FAILED)
OUTCOMES = tuple(ReferralOutcome)
# An appointment date is recorded by the provider while the referral is being worked on.
APPOINTMENT_STATUSES = (ACCEPTED, IN_PROGRESS, ON_HOLD)

STATUS_LABELS: dict[str, LazyString] = {
    DRAFT: _l("Draft"),
    REQUESTED: _l("Sent, waiting for an answer"),
    ACCEPTED: _l("Accepted"),
    REJECTED: _l("Declined"),
    IN_PROGRESS: _l("In progress"),
    ON_HOLD: _l("On hold"),
    COMPLETED: _l("Completed"),
    FAILED: _l("Ended without service"),
    CANCELLED: _l("Cancelled"),
    ENTERED_IN_ERROR: _l("Entered in error"),
}
# What the button that makes the change says.
ACTION_LABELS: dict[str, LazyString] = {
    REQUESTED: _l("Send"),
    ACCEPTED: _l("Accept"),
    REJECTED: _l("Decline"),
    IN_PROGRESS: _l("Start"),
    ON_HOLD: _l("Put on hold"),
    COMPLETED: _l("Complete"),
    FAILED: _l("Close without service"),
    CANCELLED: _l("Cancel (withdraw)"),
    ENTERED_IN_ERROR: _l("Mark as entered in error"),
}
OUTCOME_LABELS: dict[str, LazyString] = {
    ReferralOutcome.got_help: _l("Got help"),
    ReferralOutcome.could_not_contact: _l("Could not contact"),
    ReferralOutcome.no_capacity: _l("No capacity"),
    ReferralOutcome.not_eligible: _l("Not eligible"),
    ReferralOutcome.no_longer_interested: _l("No longer interested"),
    ReferralOutcome.referred_elsewhere: _l("Referred elsewhere"),
    ReferralOutcome.other: _l("Other"),
}
URGENCY_LABELS: dict[str, LazyString] = {
    Urgency.emergency: _l("Emergency"),
    Urgency.urgent: _l("Urgent"),
    Urgency.routine: _l("Routine"),
}


# --- refusals -------------------------------------------------------------------------------


class WorkflowError(Exception):
    """A change that is refused; `status` is the HTTP answer, `field` the form field at fault."""

    status = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(WorkflowError):
    status = 403


class IllegalTransition(WorkflowError):
    status = 409


class ConsentEnded(IllegalTransition):
    """The consent that let the program disclose to the organization was revoked or expired:
    the provider can no longer act on the referral."""


def _refuse_after_consent_ended(referral: Referral) -> None:
    if not disclosure.consent_in_force(referral):
        raise ConsentEnded(
            _(
                "This referral was withdrawn: the person's consent to share with your "
                "organization has ended. Nothing was saved."
            )
        )


class StaleVersion(WorkflowError):
    """Someone else changed the referral since the form was shown."""

    status = 409


# --- who may do what ---------------------------------------------------------------------------


def side_of(user: User, referral: Referral) -> str | None:
    if user.role == Role.clinician.value:
        return CLINICIAN
    return PROVIDER if policies.is_receiving_staff(user, referral) else None


def next_statuses(referral: Referral, user: User) -> list[str]:
    """The changes this user may make to the referral now, in the machine's order."""
    side = side_of(user, referral)
    if side is None or (side == PROVIDER and not disclosure.consent_in_force(referral)):
        return []
    return [
        to for (start, to), who in TRANSITIONS.items() if start == referral.status and who == side
    ]


def check_version(referral: Referral, expected_version: int | None) -> None:
    if expected_version is None or expected_version != referral.version:
        raise StaleVersion(
            _(
                "Someone else changed this referral after you opened it. "
                "Nothing was saved; here is how it stands now."
            )
        )


def _stale_is_a_conflict(change):
    """A flush (at commit, or an autoflush inside a change) that meets another writer's update
    of the same referral (the version counter no longer matches) rolls everything back and
    raises StaleVersion."""

    @functools.wraps(change)
    def guarded(*args, **kwargs):
        try:
            return change(*args, **kwargs)
        except StaleDataError:
            db.session.rollback()
            raise StaleVersion(
                _(
                    "Someone else changed this referral at the same moment. "
                    "Nothing was saved; here is how it stands now."
                )
            ) from None

    return guarded


@_stale_is_a_conflict
def commit() -> None:
    db.session.commit()


# --- changes -------------------------------------------------------------------------------------


def _event(
    referral: Referral,
    by: User,
    from_status: str | None,
    to_status: str,
    reason: str | None = None,
    note: str | None = None,
) -> ReferralEvent:
    event = ReferralEvent(
        referral=referral,
        actor_id=by.id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        note=note,
    )
    db.session.add(event)
    return event


def create(
    client: Client,
    service: Service,
    *,
    by: User,
    urgency: str,
    need: str,
    note: str | None = None,
    location: Location | None = None,
    follow_up_on: dt.date | None = None,
) -> Referral:
    """A draft referral of the client to the service (at the location); audited."""
    if by.role != Role.clinician.value:
        raise NotPermitted(_("Only clinicians refer clients."))
    if urgency not in list(Urgency):
        raise WorkflowError(_("Choose how urgent the referral is."), "urgency")
    if not (need or "").strip():
        raise WorkflowError(_("Say what the person needs."), "need")
    if (
        location is not None
        and db.session.scalar(
            select(ServiceAtLocation.id).where(
                ServiceAtLocation.service_id == service.id,
                ServiceAtLocation.location_id == location.id,
            )
        )
        is None
    ):
        raise WorkflowError(_("This service is not offered at that location."), "location_id")
    check_within_a_year(follow_up_on, "follow_up_on")
    referral = Referral(
        client=client,
        service=service,
        organization_id=service.organization_id,
        location=location,
        urgency=urgency,
        need=need.strip(),
        note=(note or "").strip() or None,
        follow_up_on=follow_up_on,
        created_by_id=by.id,
        status=DRAFT,
    )
    db.session.add(referral)
    _event(referral, by, None, DRAFT)
    db.session.flush()
    audit.record("referral.created", record=referral, actor=by)
    return referral


@_stale_is_a_conflict
def change_status(
    referral: Referral,
    to: str,
    *,
    by: User,
    expected_version: int | None,
    reason: str | None = None,
    note: str | None = None,
    outcome: str | None = None,
) -> ReferralEvent:
    """Move the referral to `to`, or raise WorkflowError saying why not. Adds the event, the
    audit row and the other side's notices to the session."""
    check_version(referral, expected_version)
    start = referral.status
    side = TRANSITIONS.get((start, to))
    if side is None:
        raise IllegalTransition(
            _(
                "A referral that is “%(status)s” cannot become “%(to)s”.",
                status=STATUS_LABELS.get(start, start),
                to=STATUS_LABELS.get(to, to),
            )
        )
    if side_of(by, referral) != side:
        raise NotPermitted(
            _("Only the referring clinician's program may do this.")
            if side == CLINICIAN
            else _("Only staff of the receiving organization may do this.")
        )
    if side == PROVIDER:
        _refuse_after_consent_ended(referral)
    reason = (reason or "").strip() or None
    note = (note or "").strip() or None
    if to in REASON_REQUIRED and not reason:
        raise WorkflowError(_("Give a reason."), "reason")
    if outcome and outcome not in OUTCOMES:
        raise WorkflowError(_("Choose one of the outcomes."), "outcome")
    if to in OUTCOME_REQUIRED and not outcome:
        raise WorkflowError(_("Choose the outcome."), "outcome")
    if outcome and to not in FINAL:
        raise WorkflowError(_("An outcome is recorded only when the referral ends."), "outcome")
    if (
        to == REQUESTED
        and consents.valid_consent(referral.client, referral.organization_id) is None
    ):
        raise WorkflowError(
            _(
                "There is no valid consent to share with %(organization)s. Record "
                "the person's consent first; the referral is kept as a draft.",
                organization=referral.organization.name,
            ),
            "consent",
        )
    now = utcnow()
    referral.status = to
    if to == REQUESTED:
        referral.sent_at = now
        referral.disclosed_client_name = referral.client.name
    if start == REQUESTED and to != CANCELLED:
        referral.responded_at = now
    if to in FINAL:
        referral.closed_at = now
        referral.outcome = outcome or referral.outcome
    event = _event(referral, by, start, to, reason, note)
    audit.record("referral.status_changed", record=referral, actor=by, detail=f"{start} -> {to}")
    _notify_other_side(referral, side, kind="status-changed")
    return event


@_stale_is_a_conflict
def set_appointment(
    referral: Referral,
    day: dt.date | None,
    *,
    by: User,
    expected_version: int | None,
    time: dt.time | None = None,
) -> ReferralEvent:
    """Book (or clear) the appointment: a date, and a local time when known."""
    check_version(referral, expected_version)
    if side_of(by, referral) != PROVIDER:
        raise NotPermitted(_("Only staff of the receiving organization may do this."))
    _refuse_after_consent_ended(referral)
    if referral.status not in APPOINTMENT_STATUSES:
        raise IllegalTransition(_("Accept the referral before recording an appointment."))
    if time is not None and day is None:
        raise WorkflowError(_("Give the date of the appointment too."), "appointment_on")
    check_within_a_year(day, "appointment_on")
    referral.appointment_on = day
    referral.appointment_time = time if day else None
    if day and time:
        note = _(
            "Appointment on %(day)s at %(time)s",
            day=day.isoformat(),
            time=time.strftime("%H:%M"),
        )
    elif day:
        note = _("Appointment on %(day)s", day=day.isoformat())
    else:
        note = _("Appointment date cleared")
    event = _event(referral, by, referral.status, referral.status, note=note)
    audit.record("referral.updated", record=referral, actor=by, detail="appointment")
    _notify_other_side(referral, PROVIDER, kind="appointment")
    return event


# Follow-ups and appointments are planned within a year, before or after today.
PLANNING_DAYS = 366


def check_within_a_year(day: dt.date | None, field: str) -> None:
    if day is not None and abs((day - localtime.today()).days) > PLANNING_DAYS:
        raise WorkflowError(_("Enter a date within a year from today."), field)


@_stale_is_a_conflict
def set_follow_up(
    referral: Referral, day: dt.date | None, *, by: User, expected_version: int | None
) -> None:
    check_version(referral, expected_version)
    if side_of(by, referral) != CLINICIAN:
        raise NotPermitted(_("Only the program's clinicians set follow-up dates."))
    if referral.status in FINAL:
        raise IllegalTransition(_("This referral has ended; no follow-up is needed."))
    check_within_a_year(day, "follow_up_on")
    referral.follow_up_on = day
    # Changes the row, so the version moves on as for any other change.
    audit.record("referral.updated", record=referral, actor=by, detail="follow-up")


def revoke_consent(consent: Consent, *, by: User, note: str | None = None) -> list[Referral]:
    """Revoke the consent (audited) and withdraw the open referrals it let the program send to
    its organization, unless another valid consent still names that organization. Returns the
    withdrawn referrals; each gets its event, audit row and notices like any cancellation."""
    consents.revoke(consent, by=by, note=note)
    db.session.flush()
    if consents.valid_consent(consent.client, consent.organization_id) is not None:
        return []
    still_open = db.session.scalars(
        select(Referral)
        .where(
            Referral.client_id == consent.client_id,
            Referral.organization_id == consent.organization_id,
            Referral.status.in_(OPEN),
        )
        .order_by(Referral.sent_at)
    ).all()
    for referral in still_open:
        change_status(
            referral,
            CANCELLED,
            by=by,
            expected_version=referral.version,
            reason=_("The person revoked their consent to share."),
        )
    return list(still_open)


# --- notices -------------------------------------------------------------------------------------


def _recipients(referral: Referral, acting_side: str) -> list[User]:
    if acting_side == CLINICIAN:
        staff = db.session.scalars(
            select(User)
            .where(
                User.role == Role.provider.value,
                User.active.is_(True),
                User.organizations.any(id=referral.organization_id),
            )
            .order_by(User.email)
        )
        # None for a referral never sent (a draft marked entered in error).
        return [user for user in staff if policies.is_receiving_staff(user, referral)]
    creator = referral.created_by
    if creator is not None and creator.active and creator.role == Role.clinician.value:
        return [creator]
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.clinician.value, User.active.is_(True))
            .order_by(User.email)
        )
    )


def link_for(user: User, referral: Referral) -> str:
    if user.role == Role.provider.value:
        return external_url("inbox.referral", referral_id=referral.id)
    return external_url("referrals.referral", referral_id=referral.id)


# Email subjects: what happened and how urgent, never who.
NEW_REFERRAL_SUBJECTS: dict[str, LazyString] = {
    Urgency.emergency: _l("New emergency referral"),
    Urgency.urgent: _l("New urgent referral"),
    Urgency.routine: _l("New routine referral"),
}
CHANGE_SUBJECTS: dict[str, LazyString] = {
    ACCEPTED: _l("Referral accepted"),
    REJECTED: _l("Referral declined"),
    IN_PROGRESS: _l("Referral in progress"),
    ON_HOLD: _l("Referral on hold"),
    COMPLETED: _l("Referral completed"),
    FAILED: _l("Referral closed without service"),
    CANCELLED: _l("Referral withdrawn"),
    ENTERED_IN_ERROR: _l("Referral removed: entered in error"),
    "appointment": _l("Appointment booked for a referral"),
    "overdue": _l("Referral overdue: no answer yet"),
}


def email_subject(referral: Referral, kind: str) -> str:
    if kind == "status-changed" and referral.status == REQUESTED:
        return str(NEW_REFERRAL_SUBJECTS[referral.urgency])
    what = CHANGE_SUBJECTS.get(kind if kind != "status-changed" else referral.status)
    subject = str(what) if what is not None else _("A referral was updated")
    if referral.urgency == Urgency.routine:
        return subject
    return _(
        "%(what)s (%(urgency)s)",
        what=subject,
        urgency=str(URGENCY_LABELS[referral.urgency]).lower(),
    )


def _notify_other_side(referral: Referral, acting_side: str, *, kind: str) -> None:
    """An in-app notice and an email to each person on the other side. The email carries no
    client details: it says what happened and how urgent, and links to the page."""
    for user in _recipients(referral, acting_side):
        db.session.add(
            Notification(user_id=user.id, referral=referral, kind=kind, status=referral.status)
        )
        with notify.staff_language():
            subject = email_subject(referral, kind)
            body = _(
                "%(what)s. Sign in to see it:\n\n%(link)s\n\n"
                "For privacy, this email holds no details about the person.",
                what=subject,
                link=link_for(user, referral),
            )
        notify.queue(user.email, subject, body)


def notifications_for(user: User, limit: int = 20) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Notice:
    """An in-app notification with the person's name as this user may see it (providers
    through disclosure.provider_view); emails never carry it."""

    notification: Notification
    name: str | None


def notices_for(user: User, limit: int = 20) -> list[Notice]:
    rows = notifications_for(user, limit)
    referrals = [n.referral for n in rows if n.referral is not None]
    if user.role == Role.provider.value:
        # Only referrals to the person's organizations now (staff move, roles change), and
        # only while the consent is in force: a withdrawn referral is named in its own page
        # and the closed list, nowhere else (disclosure.py).
        received = [r for r in referrals if policies.is_receiving_staff(user, r)]
        views = disclosure.provider_views(received)
        names = {r.id: views[r.id].name for r in received if views[r.id].shared}
    elif policies.is_program_staff(user):
        names = {r.id: r.client.name for r in referrals}
    else:
        names = {}
    return [Notice(n, names.get(n.referral_id) if n.referral_id else None) for n in rows]


def clients_named(notices: list[Notice]) -> list[Client]:
    """The clients these notices name, for the audit log."""
    referrals = [n.notification.referral for n in notices if n.name]
    return [r.client for r in referrals if r is not None]


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read; returns how many."""
    statement = select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    unread = db.session.scalars(statement).all()
    now = utcnow()
    for notification in unread:
        notification.read_at = now
    return len(unread)


# --- overdue and follow-ups -------------------------------------------------------------------


def add_business_days(
    moment: dt.datetime, days: int, zone: ZoneInfo, holidays: Collection[dt.date] = ()
) -> dt.datetime:
    """`moment` plus `days` working days (Monday to Friday, not a holiday) in the program's
    time zone, at the same time of day. A moment on a day off counts from the start of the
    next working day."""

    def working(day: dt.date) -> bool:
        return day.weekday() < 5 and day not in holidays

    local = moment.astimezone(zone)
    if not working(local.date()):
        day = local.date() + dt.timedelta(days=1)
        while not working(day):
            day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    day = local.date()
    while days > 0:
        day += dt.timedelta(days=1)
        if working(day):
            days -= 1
    return dt.datetime.combine(day, local.timetz())


def response_due(sent_at: dt.datetime, urgency: str) -> dt.datetime:
    """When the provider's answer to a referral of this urgency sent then is due
    (PORTAL_REFERRAL_RESPONSE_TIMES, PORTAL_HOLIDAYS): emergencies count clock hours, the
    others working days."""
    unit, amount = current_app.config["PORTAL_REFERRAL_RESPONSE_TIMES"][urgency]
    if unit == HOURS:
        return sent_at + dt.timedelta(hours=amount)
    return add_business_days(
        sent_at, amount, localtime.zone(), current_app.config["PORTAL_HOLIDAYS"]
    )


def answer_due_at(referral: Referral) -> dt.datetime | None:
    """When the provider's answer is due, for a sent referral still waiting for one."""
    if referral.status != REQUESTED or referral.sent_at is None:
        return None
    return response_due(referral.sent_at, referral.urgency)


def is_overdue(referral: Referral, now: dt.datetime | None = None) -> bool:
    due = answer_due_at(referral)
    return due is not None and (now or utcnow()) > due


def overdue_sent_before(now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Per urgency, the latest sending time (to the second) of a referral overdue now, so a
    report counts overdue referrals in SQL (sent_at <= this) by the same rule as `is_overdue`.
    The due time never goes down as the sending time goes up, so a binary search finds the
    edge."""
    now = now or utcnow()
    edges = {}
    for urgency in Urgency:
        low, high = now - dt.timedelta(days=7), now  # low: overdue, high: not overdue
        while response_due(low, urgency.value) >= now:
            low -= now - low
        while (high - low) > dt.timedelta(seconds=1):
            middle = low + (high - low) / 2
            if now > response_due(middle, urgency.value):
                low = middle
            else:
                high = middle
        edges[urgency.value] = low
    return edges


def most_urgent_first():
    """An ORDER BY term: emergency, urgent, routine."""
    return case({u.value: rank for rank, u in enumerate(Urgency)}, value=Referral.urgency)


def overdue_referrals(
    now: dt.datetime | None = None, urgencies: Collection[str] | None = None
) -> list[Referral]:
    """Referrals waiting too long for an answer, most urgent and oldest first."""
    statement = select(Referral).where(Referral.status == REQUESTED)
    if urgencies:
        statement = statement.where(Referral.urgency.in_(urgencies))
    waiting = db.session.scalars(statement.order_by(most_urgent_first(), Referral.sent_at))
    return [r for r in waiting if is_overdue(r, now)]


def notify_overdue(
    now: dt.datetime | None = None, urgencies: Collection[str] | None = None
) -> list[Referral]:
    """Tell both sides, once, about each overdue referral (of these urgencies); returns the
    ones newly told."""
    told = []
    for referral in overdue_referrals(now, urgencies):
        if referral.overdue_notified_at is not None:
            continue
        referral.overdue_notified_at = utcnow()
        _notify_other_side(referral, CLINICIAN, kind="overdue")
        _notify_other_side(referral, PROVIDER, kind="overdue")
        told.append(referral)
    return told


def for_listing(statement):
    """A referral query that loads what the lists show (client, service, organization) in
    one query each, not one per row."""
    return statement.options(
        selectinload(Referral.client),
        selectinload(Referral.service),
        selectinload(Referral.organization),
    )


def due_follow_ups(today: dt.date | None = None) -> list[Referral]:
    """Referrals not yet ended whose follow-up date has come."""
    today = today or localtime.today()
    return list(
        db.session.scalars(
            for_listing(
                select(Referral)
                .where(Referral.follow_up_on <= today, Referral.status.not_in(FINAL))
                .order_by(Referral.follow_up_on)
            )
        )
    )


def drafts_waiting_for_consent() -> list[Referral]:
    """Drafts whose client has no valid consent for the organization yet, oldest first."""
    drafts = db.session.scalars(
        for_listing(select(Referral).where(Referral.status == DRAFT).order_by(Referral.created_at))
    ).all()
    return [r for r in drafts if consents.valid_consent(r.client, r.organization_id) is None]


@dataclass(frozen=True)
class DashboardRow:
    referral: Referral
    age_days: int
    overdue: bool


def open_referrals(now: dt.datetime | None = None) -> list[DashboardRow]:
    """Sent referrals not yet ended, most urgent first, then oldest first."""
    now = now or utcnow()
    referrals = db.session.scalars(for_listing(select(Referral).where(Referral.status.in_(OPEN))))
    rows = [
        DashboardRow(r, (now - r.sent_at).days if r.sent_at else 0, is_overdue(r, now))
        for r in referrals
    ]
    most_urgent_first: list[str] = list(Urgency)
    return sorted(
        rows, key=lambda row: (most_urgent_first.index(row.referral.urgency), -row.age_days)
    )
