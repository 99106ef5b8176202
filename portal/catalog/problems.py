"""Problem reports from the public about a listing, and the bot check on their form.

No captcha: the form carries a hidden honeypot field that people never fill, and a signed
timestamp of when it was shown; a submission that fills the honeypot, comes back faster than
a person could type, or carries a forged or day-old stamp is refused. The route is also
rate-limited per address (portal/problems/views.py).
"""

from __future__ import annotations

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from portal import notify
from portal.catalog import freshness
from portal.extensions import db
from portal.models import ProblemKind, ProblemReport, ProblemStatus, Service, User
from portal.models.catalog import utcnow
from portal.translated import gettext as _

MIN_SECONDS = 3  # faster than this, no person has read the form
MAX_SECONDS = 24 * 3600
TEXT_MAX = 2000


class ProblemError(ValueError):
    """A submission refused by the bot check; the message is shown to the person."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="problem-report-form")


def form_stamp(now: float | None = None) -> str:
    return _serializer().dumps(int(now if now is not None else time.time()))


def check_stamp(stamp: str | None, now: float | None = None) -> None:
    try:
        shown = int(_serializer().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        raise ProblemError(_("Please reload the page and send the form again.")) from None
    age = (now if now is not None else time.time()) - shown
    if age < MIN_SECONDS:
        raise ProblemError(_("That was very fast. Please check the form and send it again."))
    if age > MAX_SECONDS:
        raise ProblemError(
            _("This form is more than a day old. Please reload the page and send it again.")
        )


def check_bot(honeypot: str | None, stamp: str | None, now: float | None = None) -> None:
    """The whole bot check: the hidden field left empty and a good stamp."""
    if honeypot:
        raise ProblemError(_("Please leave the last field empty."))
    check_stamp(stamp, now)


def kind_label(kind: str) -> str:
    return {
        ProblemKind.wrong_phone.value: _("The phone number is wrong"),
        ProblemKind.wrong_hours.value: _("The hours are wrong"),
        ProblemKind.closed.value: _("The service has closed"),
        ProblemKind.other.value: _("Something else"),
    }[kind]


def report(service: Service, kind: str, text: str | None) -> ProblemReport:
    """Keep the report for the admin queue and tell the organization's provider staff."""
    problem = ProblemReport(service=service, kind=ProblemKind(kind).value, text=text or "")
    db.session.add(problem)
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    with notify.staff_language():
        subject = _("A problem was reported with your listing")
        body = _(
            "Someone reported a problem with your listing “%(name)s”: %(kind)s.\n\n%(text)s\n\n"
            "Please check the listing and correct it here:\n%(link)s\n",
            name=service.name,
            kind=kind_label(problem.kind),
            text=problem.text,
            link=f"{base}/provider/organizations/{service.organization_id}",
        )
    for person in freshness.provider_staff(service.organization_id):
        notify.queue(person.email, subject, body)
    return problem


def resolve(problem: ProblemReport, by: User, note: str) -> None:
    problem.status = ProblemStatus.resolved.value
    problem.resolution_note = note
    problem.resolved_by_id = by.id
    problem.resolved_at = utcnow()


def open_reports():
    return (
        select(ProblemReport)
        .where(ProblemReport.status == ProblemStatus.open.value)
        .order_by(ProblemReport.created_at)
    )
