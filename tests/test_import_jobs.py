"""Admin uploads run as background jobs (RQ on Redis database 6 here): the upload is saved, a
worker imports it and the progress page shows the report. Most tests run the job inline (RQ's
is_async=False); one goes through a real `flask jobs worker` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from portal.models import AuditEvent, Service
from tests.test_admin_import import LEGACY, admin_client, upload, zipped

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_jobs(app, tmp_path, monkeypatch):
    # Uploads are saved under the instance folder: a folder of this test's own.
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as error:  # CI has Redis; say clearly what is missing elsewhere
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis at {REDIS_URL} is not running ({error})")
    app.config.update(PORTAL_REDIS_URL=REDIS_URL, PORTAL_JOBS_INLINE=True)
    yield connection
    for key in connection.scan_iter("rq:*"):  # only RQ's keys, in this test database
        connection.delete(key)


def services(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Service))


def test_an_upload_is_queued_and_the_progress_page_shows_the_report(app, db, redis_jobs):
    client = admin_client(app, db)
    response = upload(client, "legacy.zip", zipped(LEGACY))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/admin/import/jobs/")
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Import finished" in html
    assert "Problems by kind" in html and "missing required field" in html
    assert services(db) == 3
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "catalog.imported")
    ).one()
    assert event.actor_email and "rows" in event.detail
    # The saved upload is gone once imported.
    assert not list((Path(app.instance_path) / "imports").glob("*.upload"))


def test_an_unreadable_upload_reports_on_the_progress_page(app, db, redis_jobs):
    client = admin_client(app, db)
    response = upload(client, "broken.zip", b"not a zip")
    page = client.get(response.headers["Location"])
    assert page.status_code == 422
    assert "not a valid zip file" in page.get_data(as_text=True)


def test_job_pages_are_admin_only_and_unknown_jobs_404(app, db, redis_jobs):
    client = admin_client(app, db)
    assert client.get("/admin/import/jobs/not-a-job").status_code == 404
    assert (
        client.get("/admin/import/jobs/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12).status_code
        == 404
    )
    stranger = app.test_client()
    response = stranger.get("/admin/import/jobs/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert response.status_code in (302, 401, 403)


@pytest.mark.fresh_database
def test_a_real_worker_runs_the_queued_import(app, db, redis_jobs):
    app.config["PORTAL_JOBS_INLINE"] = False
    client = admin_client(app, db)
    response = upload(client, "legacy.zip", zipped(LEGACY))
    location = response.headers["Location"]
    waiting = client.get(location)
    assert waiting.status_code == 200 and waiting.headers["Refresh"] == "3"
    assert "Now: queued." in waiting.get_data(as_text=True)
    environment = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_REDIS_URL": REDIS_URL,
        "PORTAL_SEARCH_INDEX_DIR": app.config["PORTAL_SEARCH_INDEX_DIR"],
    }
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    page = client.get(location)
    assert page.status_code == 200, worker.stderr[-3000:] + worker.stdout[-2000:]
    assert "Import finished" in page.get_data(as_text=True)
    db.session.expire_all()
    assert services(db) == 3
