"""The admin import page, with a report of an import, checked by axe-core in Chromium.

Signing in as an admin (password and two-step code) is not scripted in the browser: the page is
rendered by the app for a signed-in admin and loaded into the live server's origin, so its
own CSS applies."""

from __future__ import annotations

import io
import zipfile

from tests.accounts import sign_in_as, token_for
from tests.factories import UserFactory
from tests.test_hsds_import import LEGACY


def _import_report_page(app) -> str:
    client = app.test_client()
    sign_in_as(client, UserFactory(role="admin", with_mfa=True))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(LEGACY.iterdir()):
            archive.write(path, arcname=path.name)
    response = client.post(
        "/admin/import",
        content_type="multipart/form-data",
        data={
            "csrf_token": token_for(client, "/admin/import"),
            "dry_run": "y",
            "file": (io.BytesIO(buffer.getvalue()), "legacy.zip"),
        },
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_import_report_is_accessible(app, db, page, live_server, assert_accessible):
    html = _import_report_page(app)
    page.goto(live_server("/"))
    page.set_content(html)
    assert page.get_by_role("heading", name="Check finished: nothing was saved").is_visible()
    assert page.get_by_label("HSDS file").is_visible()
    assert_accessible(page)
