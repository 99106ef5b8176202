"""The provider inbox: referrals sent to the organizations a staff member works for.

Provider staff see only what the consent allows: the client's name, contact preference and
phone, the need and the note; never other referrals, encounters, a date of birth or notes. The
client is read through disclosure.provider_view, which hides everything once the consent ends.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.auth import policies
from portal.auth.permissions import load_or_404, requires
from portal.extensions import db
from portal.models import Referral, Role
from portal.referrals import disclosure, workflow
from portal.referrals import inbox_bp as bp
from portal.referrals.forms import AppointmentForm, StatusForm
from portal.referrals.views import apply_change, status_change
from portal.translated import gettext as _

provider_only = requires(Role.provider)

TABS = {
    "new": (workflow.REQUESTED,),
    "open": (workflow.ACCEPTED, workflow.IN_PROGRESS, workflow.ON_HOLD),
    "closed": workflow.FINAL,
}


@bp.get("")
@provider_only
def inbox():
    tab = request.args.get("tab", "new")
    if tab not in TABS:
        tab = "new"
    referrals = db.session.scalars(
        workflow.for_listing(
            select(Referral)
            .where(policies.received_by(current_user), Referral.status.in_(TABS[tab]))
            # Still to do: most urgent and oldest first; done: the latest first.
            .order_by(
                *(
                    (Referral.sent_at.desc(),)
                    if tab == "closed"
                    else (workflow.most_urgent_first(), Referral.sent_at)
                )
            )
            .limit(200)
        )
    ).all()
    views = disclosure.provider_views(referrals)
    notifications = workflow.notices_for(current_user)
    audit.record("referral.listed", detail=f"inbox {tab}")
    audit.record_shown(
        [r.client for r in referrals if views[r.id].name] + workflow.clients_named(notifications),
        f"inbox {tab}",
    )
    db.session.commit()
    return render_template(
        "referrals/inbox.html",
        referrals=referrals,
        views=views,
        notifications=notifications,
        overdue={r.id for r in referrals if workflow.is_overdue(r)},
        tab=tab,
        tabs=TABS,
        workflow=workflow,
    )


def inbox_page(referral: Referral, status: int = 200, *, form=None, message: str | None = None):
    return render_template(
        "referrals/inbox_referral.html",
        referral=referral,
        view=disclosure.provider_view(referral),
        overdue=workflow.is_overdue(referral),
        answer_due=workflow.answer_due_at(referral),
        workflow=workflow,
        message=message,
        form=form if isinstance(form, StatusForm) else None,
        next_statuses=workflow.next_statuses(referral, current_user),
        appointment_form=form
        if isinstance(form, AppointmentForm)
        else AppointmentForm(
            version=referral.version,
            appointment_on=referral.appointment_on,
            appointment_time=referral.appointment_time,
        ),
    ), status


@bp.get("/<uuid:referral_id>")
@provider_only
def referral(referral_id):
    record = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    audit.record("referral.viewed", record=record)
    db.session.commit()
    return inbox_page(record)


@bp.post("/<uuid:referral_id>/status")
@provider_only
def status(referral_id):
    record = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    refused = status_change(record, inbox_page)
    return refused or redirect(url_for("inbox.referral", referral_id=record.id), 303)


@bp.post("/<uuid:referral_id>/appointment")
@provider_only
def appointment(referral_id):
    record = load_or_404(Referral, referral_id, policy=policies.can_view_referral)
    refused = apply_change(
        record,
        AppointmentForm(),
        lambda form: workflow.set_appointment(
            record,
            form.appointment_on.data,
            time=form.appointment_time.data,
            by=current_user,
            expected_version=form.version.data,
        ),
        inbox_page,
        done=lambda: _("The appointment date is saved."),
    )
    return refused or redirect(url_for("inbox.referral", referral_id=record.id), 303)
