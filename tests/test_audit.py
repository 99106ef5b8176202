"""The audit log: append-only, complete for the account events, and free of secrets."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import delete, select, update

from portal import audit
from portal.models import AuditEvent, EmailMessage
from portal.models.audit import AuditLogIsAppendOnly
from tests.accounts import log_in, post_form, sign_in_as
from tests.factories import DEFAULT_PASSWORD, UserFactory

NEW_PASSWORD = "seven green lanterns glow"


def test_audit_rows_cannot_be_changed_or_deleted(db):
    event = audit.record("login.failure", actor_email="someone@example.org")
    db.session.commit()
    event.detail = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(detail="x"))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.detail)) is None


def test_unknown_actions_are_refused(db):
    with pytest.raises(ValueError):
        audit.record("made.up")


def test_the_account_events_are_recorded_with_address_and_no_secrets(app, client, db):
    admin = UserFactory(role="admin", with_mfa=True, email="admin@example.org")
    user = UserFactory(email="worker@example.org", with_mfa=True)
    db.session.commit()
    headers = {"User-Agent": "TestBrowser/1.0 " + "x" * 400}
    secrets_seen = [DEFAULT_PASSWORD, NEW_PASSWORD, user.totp_secret, admin.totp_secret]

    log_in(client, user.email, "a wrong password here", headers=headers)  # login.failure
    log_in(client, user.email, headers=headers, second_factor=False)
    code = pyotp.TOTP(user.totp_secret).now()
    secrets_seen.append(code)
    post_form(client, "/login/verify", {"code": code}, headers=headers)  # login.success
    post_form(client, "/logout", {}, token_from="/")  # logout
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        log_in(client, "worker@example.org", "guessing again now")  # … login.lockout

    admin_client = app.test_client()
    sign_in_as(admin_client, admin)
    post_form(
        admin_client, "/admin/users/invite", {"email": "new@example.org", "role": "clinician"}
    )
    path = f"/admin/users/{user.id}"
    post_form(admin_client, f"{path}/role", {"role": "supervisor"}, token_from=path)
    post_form(admin_client, f"{path}/disable", {}, token_from=path)
    post_form(admin_client, f"{path}/enable", {}, token_from=path)

    post_form(client, "/password/forgot", {"email": user.email})
    body = db.session.scalars(select(EmailMessage.body).where(EmailMessage.to == user.email)).all()[
        -1
    ]
    reset_path = re.search(r"5000(/password/reset/\S+)", body).group(1)
    secrets_seen.append(reset_path.rsplit("/", 1)[1])
    post_form(client, reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    for expected in (
        "login.failure",
        "login.success",
        "logout",
        "login.lockout",
        "invitation.created",
        "user.role_changed",
        "user.disabled",
        "user.enabled",
        "password.reset_requested",
        "password.reset",
    ):
        assert expected in actions, expected

    first = events[0]
    assert first.ip_address == "127.0.0.1" and first.user_agent.startswith("TestBrowser/1.0")
    assert len(first.user_agent) == audit.USER_AGENT_LENGTH
    assert first.actor_email == "worker@example.org" and first.record_id == user.id

    everything = " ".join(str(getattr(e, column)) for e in events for column in audit.CSV_COLUMNS)
    for secret in secrets_seen:
        assert secret not in everything


def test_mfa_changes_are_recorded(client, db):
    user = UserFactory(mfa_enabled=False)
    db.session.commit()
    sign_in_as(client, user)
    client.get("/account/mfa")
    db.session.refresh(user)
    post_form(client, "/account/mfa", {"code": pyotp.TOTP(user.totp_secret).now()})
    post_form(
        client,
        "/account/mfa/recovery-codes",
        {"codes-password": DEFAULT_PASSWORD},
        token_from="/account/mfa",
    )
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["mfa.enabled", "mfa.recovery_codes_created"]
