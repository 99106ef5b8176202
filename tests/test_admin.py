"""Admin pages: users, invitations, roles, disabling, the outbox and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from portal import audit
from portal.models import AuditEvent, EmailMessage, Invitation, User
from tests.accounts import log_in, post_form, sign_in_as
from tests.factories import OrganizationFactory, UserFactory

NEW_PASSWORD = "seven green lanterns glow"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def admin(db):
    admin = UserFactory(role="admin", with_mfa=True, email="admin@example.org")
    db.session.commit()
    return admin


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    sign_in_as(client, admin)
    return client


def test_users_page_lists_accounts(admin_client, db):
    UserFactory(email="clinician@example.org")
    UserFactory(email="gone@example.org", active=False)
    db.session.commit()
    page = text(admin_client.get("/admin/users"))
    assert "clinician@example.org" in page and "gone@example.org" in page and "Disabled" in page


def test_invite_provider_staff_with_organizations_and_accept(app, admin_client, db):
    org = OrganizationFactory(name="Riverside Clinic")
    db.session.commit()
    page = text(admin_client.get("/admin/users/invite"))
    assert "Riverside Clinic" in page and 'for="role"' in page

    response = post_form(
        admin_client,
        "/admin/users/invite",
        {"email": "New.Person@Example.org", "role": "provider", "organizations": [org.id]},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.role == "provider" and user.organization_ids == {org.id}
    assert user.password_hash is None

    message = db.session.scalar(select(EmailMessage).where(EmailMessage.to == user.email))
    assert "48 hours" in message.body
    outbox = text(admin_client.get("/admin/outbox"))
    assert "new.person@example.org" in outbox and "/invitations/" in outbox

    path = re.search(r"http://127\.0\.0\.1:5000(/invitations/\S+)", message.body).group(1)
    newcomer = app.test_client()
    assert (
        post_form(newcomer, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    assert log_in(newcomer, user.email, NEW_PASSWORD).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "invitation.created" in actions and "invitation.accepted" in actions


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "x@example.org", "role": "provider"}, "at least one organization"),
        ({"email": "x@example.org", "role": "wizard"}, "Choose one of the options listed for"),
        ({"email": "admin@example.org", "role": "clinician"}, "already exists"),
        ({"email": "a" * 10_000, "role": "clinician"}, "at most 254"),
        ({"email": "x\x00@example.org", "role": "clinician"}, "special or invisible characters"),
    ],
)
def test_invite_refuses_bad_input_clearly(admin_client, db, data, message):
    response = post_form(admin_client, "/admin/users/invite", data)
    assert response.status_code == 422 and message in text(response)
    assert db.session.scalar(select(Invitation.id)) is None


def test_change_role_ends_sessions_and_is_audited(app, admin_client, db):
    user = UserFactory(role="clinician")
    db.session.commit()
    user_client = app.test_client()
    sign_in_as(user_client, user)
    response = post_form(
        admin_client,
        f"/admin/users/{user.id}/role",
        {"role": "supervisor"},
        token_from=f"/admin/users/{user.id}",
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == "supervisor"
    assert user_client.get("/account/sessions").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.detail == "clinician -> supervisor" and event.actor_email == "admin@example.org"
    assert event.record_id == user.id


def test_admins_cannot_lock_themselves_out(admin_client, admin, db):
    path = f"/admin/users/{admin.id}"
    response = post_form(admin_client, f"{path}/role", {"role": "clinician"}, token_from=path)
    assert response.status_code == 422 and "cannot change your own role" in text(response)
    response = post_form(
        admin_client, f"{path}/disable", {}, token_from=path, follow_redirects=True
    )
    assert "cannot disable your own account" in text(response)
    db.session.refresh(admin)
    assert admin.active and admin.role == "admin"


def test_disable_and_enable(app, admin_client, db):
    user = UserFactory()
    db.session.commit()
    path = f"/admin/users/{user.id}"
    assert post_form(admin_client, f"{path}/disable", {}, token_from=path).status_code == 302
    assert log_in(app.test_client(), user.email).status_code == 200  # refused
    assert post_form(admin_client, f"{path}/enable", {}, token_from=path).status_code == 302
    assert log_in(app.test_client(), user.email).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.disabled" in actions and "user.enabled" in actions


def test_the_user_page_says_when_password_sign_in_waits_for_a_reset(admin_client, db):
    user = UserFactory(email="guessed@example.org")
    db.session.commit()
    path = f"/admin/users/{user.id}"
    assert "Wrong sign-in attempts" not in text(admin_client.get(path))
    user.failed_logins, user.failures_since = 7, dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    db.session.commit()
    page = text(admin_client.get(path))
    assert "Wrong sign-in attempts" in page and "7 since" in page
    user.password_reset_required = True
    db.session.commit()
    page = text(admin_client.get(path))
    assert "Password sign-in" in page and "until the person chooses a new password" in page


def test_outbox_is_not_shown_in_production(app, admin_client):
    app.config["PORTAL_ENV"] = "production"
    assert admin_client.get("/admin/outbox").status_code == 404


def _event(db, action, email, at, record_id=None):
    event = AuditEvent(
        action=action, actor_email=email, at=at, record_type="user_account", record_id=record_id
    )
    db.session.add(event)
    return event


def test_audit_log_filters(admin_client, db):
    day = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)
    _event(db, "login.success", "ana@example.org", day, "rec-1")
    _event(db, "login.failure", "ana@example.org", day + dt.timedelta(days=2), "rec-2")
    _event(db, "user.disabled", "ben@example.org", day + dt.timedelta(days=5), "rec-1")
    db.session.commit()

    def rows(**params):
        page = admin_client.get("/admin/audit", query_string=params)
        assert page.status_code == 200
        return len(re.findall(r"<tr>\s*<td>", page.get_data(as_text=True)))

    assert rows(who="ana") == 2
    assert rows(action="user.disabled") == 1
    assert rows(record_id="rec-1") == 2
    assert rows(start="2026-03-11", end="2026-03-12") == 1
    assert rows(start="2026-03-10", end="2026-03-10", who="ANA@") == 1
    bad = admin_client.get("/admin/audit", query_string={"start": "not a date", "who": "x\x00"})
    assert bad.status_code == 422 and "special or invisible characters" in text(bad)


def test_audit_csv_export_is_safe_from_formula_injection(admin_client, db):
    _event(
        db,
        "login.failure",
        '=HYPERLINK("http://evil")@example.org',
        dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
    )
    _event(db, "login.failure", "+cmd@example.org", dt.datetime(2026, 3, 11, tzinfo=dt.UTC))
    db.session.commit()
    response = admin_client.get("/admin/audit.csv", query_string={"action": "login.failure"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == list(audit.CSV_COLUMNS)
    emails = [row[2] for row in table[1:]]
    assert emails == ["'+cmd@example.org", '\'=HYPERLINK("http://evil")@example.org']
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.exported"))
