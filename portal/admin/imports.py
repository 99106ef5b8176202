"""Admin page: upload HSDS data (the same import and report as `flask hsds import`).

HTTP only: reading is portal.hsds.sources, checking and writing portal.hsds.importer.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.admin import INVALID, admin_only, bp
from portal.admin.forms import ImportForm
from portal.extensions import db
from portal.hsds.importer import import_source
from portal.hsds.sources import SourceError, read_upload

# Problems listed on the page; the rest are counted (the CLI prints them all).
PROBLEMS_SHOWN = 500


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
    try:
        source = read_upload(upload.filename or "upload", upload.read())
    except SourceError as error:
        form.file.errors = [_("This file could not be read: %(reason)s", reason=str(error))]
        status = 413 if error.too_large else INVALID
        return render_template("admin/import.html", form=form, report=None), status
    report = import_source(source, dry_run=form.dry_run.data)
    if not report.dry_run and not report.fatal:
        audit.record(
            "catalog.imported",
            record_type="hsds_import",
            detail=f"{report.rows_written} rows, {len(report.problems)} problems",
        )
        db.session.commit()
    return render_template(
        "admin/import.html", form=form, report=report, problems=report.problems[:PROBLEMS_SHOWN]
    ), INVALID if report.fatal else 200
