"""Admin: the dashboard with the listing queues, the review of provider changes (a
field-by-field diff, approve or reject with a comment), the stale-listing queue and a listing's
change history. Rules: portal/catalog/change_requests.py and portal/catalog/freshness.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal import audit
from portal.admin import INVALID, PAGE_SIZE, admin_only, bp
from portal.admin.listing_forms import NOTE_MAX, DecisionForm
from portal.auth import policies
from portal.auth.permissions import load_or_404
from portal.catalog import change_requests, cleaning, fields, freshness, problems
from portal.extensions import db
from portal.models import ChangeRequest, ChangeStatus
from portal.translated import gettext as _


def _count(statement) -> int:
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return db.session.scalar(counted) or 0


@bp.get("/")
@admin_only
def dashboard():
    return render_template(
        "admin/dashboard.html",
        counts={
            "review": _count(change_requests.pending_changes()),
            "stale": _count(freshness.stale_services()),
            "problems": _count(problems.open_reports()),
        },
    )


@bp.get("/changes")
@admin_only
def review_queue():
    page = db.paginate(
        change_requests.pending_changes(), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE
    )
    return render_template(
        "admin/review_queue.html",
        page=page,
        target_label=fields.target_label,
        targets={c.id: change_requests.target_of(c) for c in page.items},
    )


def _change_page(change: ChangeRequest, form: DecisionForm | None = None, status: int = 200):
    return render_template(
        "admin/review_change.html",
        change=change,
        diff=fields.diff(change),
        target=change_requests.target_of(change),
        form=form or DecisionForm(),
        target_label=fields.target_label,
        decision_label=change_requests.decision_label,
    ), status


@bp.get("/changes/<uuid:change_id>")
@admin_only
def review_change(change_id):
    return _change_page(
        load_or_404(ChangeRequest, change_id, policy=policies.can_view_change_request)
    )


def _decide(change_id, approve: bool):
    change = load_or_404(ChangeRequest, change_id, policy=policies.can_view_change_request)
    form = DecisionForm()
    if not form.validate():
        return _change_page(change, form, INVALID)
    try:
        comment = cleaning.clean_text(form.comment.data, NOTE_MAX)
        if approve:
            change_requests.approve(change, current_user, comment)
        else:
            change_requests.reject(change, current_user, comment)
    except (cleaning.CleaningError, change_requests.ReviewError) as error:
        db.session.rollback()
        if change.status != ChangeStatus.pending.value:
            abort(409, str(error))
        form.comment.errors = [str(error)]
        return _change_page(change, form, INVALID)
    audit.record("listing.change_approved" if approve else "listing.change_rejected", record=change)
    db.session.commit()
    flash(_("The change is published.") if approve else _("The change is rejected."), "success")
    return redirect(url_for("admin.review_queue"))


@bp.post("/changes/<uuid:change_id>/approve")
@admin_only
def approve_change(change_id):
    return _decide(change_id, approve=True)


@bp.post("/changes/<uuid:change_id>/reject")
@admin_only
def reject_change(change_id):
    return _decide(change_id, approve=False)


@bp.get("/stale")
@admin_only
def stale_queue():
    page = db.paginate(freshness.stale_services(), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE)
    return render_template("admin/stale.html", page=page)


@bp.get("/history/<uuid:resource_id>")
@admin_only
def listing_history(resource_id):
    rows = change_requests.history(str(resource_id))
    return render_template("admin/history.html", rows=rows, resource_id=str(resource_id))
