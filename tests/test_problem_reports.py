"""Problem reports from the public: the form, its bot checks and rate limit, the emails to the
provider staff and the admin queue."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from portal.catalog import problems
from portal.models import EmailMessage, ProblemReport
from tests.accounts import post_form, sign_in_as
from tests.factories import OrganizationFactory, ServiceFactory, UserFactory


@pytest.fixture
def service(app, db):
    org = OrganizationFactory(name="Riverbend Community Services")
    service = ServiceFactory(organization=org, name="Riverbend Counseling")
    UserFactory(role="provider", organizations=[org], email="staff@example.org")
    db.session.commit()
    return service


def report(client, service, **fields):
    data = {
        "kind": "wrong phone",
        "text": "The number rings a fax machine.",
        "website": "",
        "shown": problems.form_stamp(time.time() - 30),
        **fields,
    }
    return post_form(
        client, f"/services/{service.id}/report", data, token_from=f"/services/{service.id}/report"
    )


def reports(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ProblemReport))


def test_every_service_page_links_to_the_report_form(app, service):
    client = app.test_client()
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert f'href="/services/{service.id}/report"' in page
    assert "Report a problem with this listing" in page
    form = client.get(f"/services/{service.id}/report").get_data(as_text=True)
    for label in (
        "The phone number is wrong",
        "The hours are wrong",
        "The service has closed",
        "Something else",
    ):
        assert label in form


def test_a_report_reaches_the_queue_and_the_provider_staff(app, db, service):
    response = report(app.test_client(), service, text="<b>Number</b> is wrong")
    assert response.status_code == 302
    saved = db.session.scalars(select(ProblemReport)).one()
    assert (saved.kind, saved.text, saved.status) == ("wrong phone", "Number is wrong", "open")
    mail = db.session.scalars(select(EmailMessage)).one()
    assert mail.to == "staff@example.org" and "Riverbend Counseling" in mail.body
    assert "The phone number is wrong" in mail.body


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"website": "http://spam.example.org"}, "leave the last field empty"),
        ({"shown": None}, "reload the page"),
        ({"shown": "forged-stamp"}, "reload the page"),
        ({"kind": "broken"}, "Choose one of the options listed for"),
        ({"text": "x" * (problems.TEXT_MAX + 1)}, "Field cannot be longer"),
    ],
)
def test_bots_and_bad_reports_are_refused(app, db, service, fields, message):
    if fields.get("shown", "") is None:
        fields["shown"] = ""
    response = report(app.test_client(), service, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reports(db) == 0
    assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == 0


def test_a_form_sent_back_too_fast_is_refused(app, db, service):
    # Stamped ahead of now: however slow the machine, the form is sent back "at once".
    response = report(app.test_client(), service, shown=problems.form_stamp(time.time() + 600))
    assert response.status_code == 422
    assert "very fast" in response.get_data(as_text=True)
    with pytest.raises(problems.ProblemError):
        problems.check_stamp(problems.form_stamp(1000), now=1000 + problems.MAX_SECONDS + 1)
    problems.check_stamp(problems.form_stamp(1000), now=1000 + problems.MIN_SECONDS)
    assert reports(db) == 0


def test_reports_are_rate_limited_per_address(app, db, service):
    app.config["PORTAL_PROBLEM_REPORT_LIMIT"] = "3 per minute"
    client = app.test_client()
    assert [report(client, service).status_code for _n in range(4)] == [302, 302, 302, 429]
    assert reports(db) == 3


def test_an_unknown_service_is_404(app, service):
    assert app.test_client().get("/services/no-such-service/report").status_code == 404


def test_admins_resolve_reports_with_a_note(app, db, service):
    report(app.test_client(), service)
    saved = db.session.scalars(select(ProblemReport)).one()
    admin = UserFactory(role="admin", with_mfa=True)
    db.session.commit()
    client = app.test_client()
    sign_in_as(client, admin)
    queue = client.get("/admin/problems").get_data(as_text=True)
    assert "The number rings a fax machine." in queue
    assert "Open problem reports</a>: <strong>1</strong>" in client.get("/admin/").get_data(
        as_text=True
    )
    path = f"/admin/problems/{saved.id}/resolve"
    assert post_form(client, path, {"note": ""}, token_from="/admin/problems").status_code == 422
    assert (
        post_form(
            client, path, {"note": "Called them; number fixed."}, token_from="/admin/problems"
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (saved.status, saved.resolution_note, saved.resolved_by_id) == (
        "resolved",
        "Called them; number fixed.",
        admin.id,
    )
    assert (
        post_form(client, path, {"note": "again"}, token_from="/admin/problems").status_code == 409
    )
    assert "No open problem reports" in client.get("/admin/problems").get_data(as_text=True)
