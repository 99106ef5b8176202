"""Admin page: upload HSDS data (the same import and report as `flask hsds import`).

HTTP only: reading is portal.hsds.sources, checking and writing portal.hsds.importer.
"""

from __future__ import annotations

import re

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from portal import audit, jobs
from portal.admin import INVALID, admin_only, bp, import_jobs
from portal.admin.forms import ImportForm
from portal.extensions import db
from portal.hsds.importer import import_source
from portal.hsds.sources import SourceError, read_upload
from portal.translated import gettext as _

JOB_ID = re.compile(r"[0-9a-f-]{36}")


@bp.url_value_preprocessor
def _larger_uploads_for_admins(endpoint, _values) -> None:
    # Runs before the app's before_request hooks, where CSRF protection parses the body:
    # only admins on the import page may send more than the site-wide MAX_CONTENT_LENGTH.
    if (
        endpoint == "admin.import_catalog"
        and current_user.is_authenticated
        and current_user.is_admin
    ):
        request.max_content_length = current_app.config["PORTAL_IMPORT_MAX_BYTES"]


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def import_catalog():
    form = ImportForm()
    if request.method == "GET":
        return render_template("admin/import.html", form=form, report=None)
    if not form.validate():
        return render_template("admin/import.html", form=form, report=None), INVALID
    upload = form.file.data
    if jobs.enabled():
        return _enqueue(upload, form.dry_run.data)
    # Saved to a file first, as for a job: the rows are read from it, not from memory.
    path = import_jobs.save_upload(upload)
    try:
        try:
            source = read_upload(upload.filename or "upload", path)
        except SourceError as error:
            form.file.errors = [_("This file could not be read: %(reason)s", reason=str(error))]
            status = 413 if error.too_large else INVALID
            return render_template("admin/import.html", form=form, report=None), status
        report = import_source(source, dry_run=form.dry_run.data)
    finally:
        path.unlink(missing_ok=True)
    if not report.dry_run and not report.fatal:
        audit.record(
            "catalog.imported",
            record_type="hsds_import",
            detail=f"{report.rows_written} rows, {report.problem_count} problems",
        )
        db.session.commit()
    return render_template(
        "admin/import.html", form=form, report=report, problems=report.problems
    ), INVALID if report.fatal else 200


def _enqueue(upload, dry_run: bool):
    """A large file takes longer than a request may: a worker imports it (portal.jobs)."""
    path = import_jobs.save_upload(upload)
    job = jobs.queue().enqueue(
        import_jobs.run_import,
        str(path),
        upload.filename or "upload",
        bool(dry_run),
        current_user.id,
        result_ttl=jobs.RESULT_TTL,
        meta={"stage": "queued", "filename": upload.filename or "upload"},
    )
    return redirect(url_for("admin.import_job", job_id=job.id), 303)


@bp.get("/import/jobs/<job_id>")
@admin_only
def import_job(job_id: str):
    if not jobs.enabled() or not JOB_ID.fullmatch(job_id):
        abort(404)
    try:
        job = Job.fetch(job_id, connection=jobs.connection())
    except NoSuchJobError:
        abort(404)
    status = job.get_status()
    if status == JobStatus.FINISHED:
        outcome = job.return_value() or {}
        form = ImportForm()
        if "error" in outcome:
            form.file.errors = [
                _("This file could not be read: %(reason)s", reason=outcome["error"])
            ]
            code = 413 if outcome.get("too_large") else INVALID
            return render_template("admin/import.html", form=form, report=None), code
        report = outcome["report"]
        return render_template(
            "admin/import.html",
            form=form,
            report=report,
            problems=report.problems,
        ), INVALID if report.fatal else 200
    failed = status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
    stage = job.meta.get("stage", "queued")
    page = render_template(
        "admin/import_job.html",
        job=job,
        failed=failed,
        stage=import_jobs.STAGES.get(stage, stage),
        filename=job.meta.get("filename", ""),
    )
    # The browser reloads the page by itself (no JavaScript needed) until the report is in.
    return page, 200, ({} if failed else {"Refresh": "3"})
