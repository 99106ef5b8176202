"""An admin's HSDS upload as a background job: the upload is saved to the instance folder, a
worker imports it (portal.hsds, as the CLI does) and keeps the report for the progress page."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app
from rq import get_current_job
from werkzeug.datastructures import FileStorage

from portal import audit
from portal.extensions import db
from portal.hsds.importer import Report, import_source
from portal.hsds.sources import SourceError, read_upload
from portal.models import User
from portal.translated import lazy_gettext as _l

# What the worker says it is doing (job.meta["stage"]), and its words on the progress page.
STAGES = {
    "queued": _l("queued"),
    "reading": _l("reading"),
    "checking and writing": _l("checking and writing"),
    "finished": _l("finished"),
}


def save_upload(upload: FileStorage) -> Path:
    """The uploaded file copied to the instance folder a chunk at a time (never held whole
    in memory), readable by the portal's user only; the caller removes it."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}.upload"
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        upload.save(handle)
    return path


def _stage(name: str) -> None:
    job = get_current_job()
    if job is not None:
        job.meta["stage"] = name
        job.save_meta()


def run_import(path: str, filename: str, dry_run: bool, actor_id: str | None) -> dict:
    """The job. Returns {"report": Report} or {"error": message, "too_large": bool}."""
    upload = Path(path)
    try:
        _stage("reading")
        try:
            source = read_upload(filename, upload)
        except SourceError as error:
            return {"error": str(error), "too_large": error.too_large}
        _stage("checking and writing")
        report: Report = import_source(source, dry_run=dry_run)
        if not report.dry_run and not report.fatal:
            actor = db.session.get(User, actor_id) if actor_id else None
            audit.record(
                "catalog.imported",
                record_type="hsds_import",
                actor=actor,
                detail=f"{report.rows_written} rows, {report.problem_count} problems",
            )
            db.session.commit()
        _stage("finished")
        return {"report": report}
    finally:
        upload.unlink(missing_ok=True)
