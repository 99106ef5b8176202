"""Admin: the queue of problem reports from the public; each is resolved with a note.
Rules: portal/catalog/problems.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import audit
from portal.admin import INVALID, PAGE_SIZE, admin_only, bp
from portal.admin.listing_forms import ResolveForm
from portal.catalog import problems
from portal.extensions import db
from portal.models import ProblemReport, ProblemStatus
from portal.translated import gettext as _


def _queue(form: ResolveForm | None = None, failed_id: str | None = None, status: int = 200):
    page = db.paginate(problems.open_reports(), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE)
    return render_template(
        "admin/problems.html",
        page=page,
        form=form or ResolveForm(),
        failed_id=failed_id,
        kind_label=problems.kind_label,
    ), status


@bp.get("/problems")
@admin_only
def problem_queue():
    return _queue()


@bp.post("/problems/<uuid:report_id>/resolve")
@admin_only
def resolve_problem(report_id):
    report = db.session.get(ProblemReport, str(report_id)) or abort(404)
    if report.status != ProblemStatus.open:
        abort(409, _("This report is already resolved."))
    form = ResolveForm()
    if not form.validate():
        return _queue(form, report.id, INVALID)
    problems.resolve(report, current_user, form.note.data.strip())
    audit.record("problem.resolved", record=report)
    db.session.commit()
    flash(_("The report is resolved."), "success")
    return redirect(url_for("admin.problem_queue"))
