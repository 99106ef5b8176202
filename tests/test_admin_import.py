"""The admin import page: admins only, CSRF on, size limit, dry run, and the CLI's report."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func, select

from portal.models import AuditEvent, Service
from tests.accounts import sign_in_as, token_for
from tests.factories import UserFactory
from tests.hsds_spec import spec_dir
from tests.test_hsds_import import LEGACY

PAGE = "/admin/import"


def zipped(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, arcname=path.name)
    return buffer.getvalue()


def admin_client(app, db):
    client = app.test_client()
    sign_in_as(client, UserFactory(role="admin", with_mfa=True))
    return client


def upload(client, name: str, data: bytes, dry_run: bool = False, token: str | None = None):
    form = {"csrf_token": token or token_for(client, PAGE), "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post(PAGE, data=form, content_type="multipart/form-data")


def services() -> int:
    from portal.extensions import db

    return db.session.scalar(select(func.count()).select_from(Service))


def test_admin_imports_a_legacy_zip_and_sees_the_report(app, db):
    client = admin_client(app, db)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "Check only (dry run)" in page
    response = upload(client, "legacy.zip", zipped(LEGACY))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Import finished" in html and services() == 3
    assert "services.csv" in html and "missing required field" in html
    assert "service.name" in html
    assert "Problems by kind" in html and "time written as text" in html
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "catalog.imported")
    ).one()
    assert "rows" in event.detail


def test_a_dry_run_upload_saves_nothing(app, db):
    client = admin_client(app, db)
    example = (spec_dir() / "examples" / "service_full.json").read_bytes()
    response = upload(client, "service_full.json", example, dry_run=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "nothing was saved" in html
    assert services() == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "catalog.imported")
        )
        == 0
    )


def test_records_a_line_upload_as_ndjson_or_jsonl(app, db):
    client = admin_client(app, db)
    record = json.loads((spec_dir() / "examples" / "service_full.json").read_text())
    line = json.dumps(record).encode() + b"\n"
    for name in ("services.ndjson", "services.jsonl"):
        response = upload(client, name, line, dry_run=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "nothing was saved" in html, name
    assert upload(client, "services.jsonl", line).status_code == 200
    assert services() == 1


def test_bad_uploads_get_clear_messages(app, db):
    client = admin_client(app, db)
    no_file = client.post(PAGE, data={"csrf_token": token_for(client, PAGE)})
    assert no_file.status_code == 422 and "Choose a file to import." in no_file.get_data(
        as_text=True
    )
    wrong_kind = upload(client, "listings.xlsx", b"PK")
    assert (
        wrong_kind.status_code == 422
        and "Choose a .json, .ndjson, .jsonl, .csv or .zip file."
        in wrong_kind.get_data(as_text=True)
    )
    broken = upload(client, "broken.json", b'{"id": ')
    assert broken.status_code == 422 and "not valid JSON" in broken.get_data(as_text=True)
    assert services() == 0


def test_csrf_is_required(app, db):
    client = admin_client(app, db)
    response = upload(client, "service_full.json", b"{}", token="not-a-token")
    assert response.status_code == 400
    assert services() == 0


def test_uploads_over_the_limit_get_413(app, db):
    app.config["PORTAL_IMPORT_MAX_BYTES"] = 2048
    client = admin_client(app, db)
    response = upload(client, "big.json", b" " * 4096)
    assert response.status_code == 413


def test_admins_may_upload_more_than_the_site_wide_limit(app, db):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client = admin_client(app, db)
    example = (spec_dir() / "examples" / "service_full.json").read_bytes()
    assert len(example) > 1024
    assert upload(client, "service_full.json", example).status_code == 200
    assert services() == 1
    other = app.test_client()
    sign_in_as(other, UserFactory(role="supervisor"))
    assert (
        other.post(
            PAGE,
            data={"csrf_token": token_for(other, "/"), "file": (io.BytesIO(example), "x.json")},
            content_type="multipart/form-data",
        ).status_code
        == 413
    )


def test_an_upload_that_expands_too_far_answers_413_and_a_damaged_one_422(app, db, monkeypatch):
    from portal.hsds import sources

    monkeypatch.setattr(sources, "MAX_UNZIPPED_BYTES", 10_000)
    client = admin_client(app, db)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.csv", "id,name\n" + "0" * 50_000)
    response = upload(client, "bomb.zip", buffer.getvalue())
    assert response.status_code == 413
    assert "too many or too large files inside" in response.get_data(as_text=True)
    response = upload(client, "broken.zip", b"PK\x03\x04 not really a zip")
    assert response.status_code == 422 and "not a valid zip file" in response.get_data(as_text=True)
    assert services() == 0


def test_an_upload_without_redis_is_read_from_a_saved_file_not_from_memory(app, db, monkeypatch):
    from pathlib import Path

    from werkzeug import formparser
    from werkzeug.datastructures import FileStorage

    from portal.admin import imports

    assert not app.config.get("PORTAL_REDIS_URL")
    read_from = []

    def reading(name, data):
        read_from.append(data)
        assert isinstance(data, Path) and data.is_file()
        assert oct(data.stat().st_mode & 0o777) == oct(0o600)
        return real_read_upload(name, data)

    class Received(FileStorage):
        """The upload as the server receives it: reading it whole into memory fails."""

        def read(self, *args):
            raise AssertionError("the upload was read into memory")

    real_read_upload = imports.read_upload
    monkeypatch.setattr(imports, "read_upload", reading)
    monkeypatch.setattr(formparser, "FileStorage", Received)
    client = admin_client(app, db)
    example = (spec_dir() / "examples" / "service_full.json").read_bytes()
    response = upload(client, "service_full.json", example)
    assert response.status_code == 200 and services() == 1
    response = upload(client, "services.json", b"[{")
    assert response.status_code == 422 and "not valid JSON" in response.get_data(as_text=True)
    # Each saved file is removed once read, whatever came of it.
    assert len(read_from) == 2 and not any(path.exists() for path in read_from)
