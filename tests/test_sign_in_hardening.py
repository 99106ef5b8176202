"""Sign-in hardening found by the adversarial test of issue 18 (point 5): each test here failed
before its fix."""

from __future__ import annotations

import datetime as dt
import re
import smtplib

import pytest
from sqlalchemy import select

from portal.auth import accounts
from portal.models import EmailMessage, User
from tests.accounts import log_in, post_form
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture
def smtp_sent(monkeypatch):
    """The messages handed to SMTP, in order (no connection is made)."""
    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, **kwargs):
            pass

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return sent


def text(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client) -> bool:
    return client.get("/account/sessions").status_code == 200


def test_wrong_codes_after_a_right_password_count_toward_the_lockout(app, client, db):
    """A right password used to reset the counter, so the TOTP step could be guessed for ever."""
    user = UserFactory(with_mfa=True)
    db.session.commit()
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        response = log_in(client, user.email, second_factor=False)
        if response.headers.get("Location", "").startswith("/login/verify"):
            post_form(client, "/login/verify", {"code": "000000"})
    db.session.refresh(user)
    assert user.locked_until is not None
    # Locked: the password step now refuses, even with the right password.
    assert log_in(client, user.email).status_code == 200 and not signed_in(client)


def test_the_user_is_told_by_email_when_sign_in_is_paused(app, client, db):
    user = UserFactory(email="worker@example.org")
    db.session.commit()
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        log_in(client, user.email, "not the password")
    mail = db.session.scalars(select(EmailMessage).where(EmailMessage.to == user.email)).all()
    assert len(mail) == 1 and "paused" in mail[0].subject


@pytest.mark.parametrize(
    "evil",
    [
        "/\t/evil.example",  # browsers drop the tab: //evil.example
        "/\n/evil.example",
        "/account\r\nSet-Cookie: x=1",  # a header break used to answer 500
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\x7f/evil.example",
    ],
)
def test_next_is_only_ever_a_path_on_this_site(client, db, evil):
    user = UserFactory()
    db.session.commit()
    response = log_in(client, user.email, query_string={"next": evil})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"  # a clinician's start page, not `evil`


def test_a_new_invitation_makes_the_older_link_useless(app, client, db):
    admin = UserFactory(role="admin", with_mfa=True)
    db.session.commit()
    first = accounts.invite("newcomer@example.org", "clinician", by=admin)
    second = accounts.invite("newcomer@example.org", "clinician", by=admin)
    db.session.commit()
    old_path = re.sub(r"^https?://[^/]+", "", first)
    new_path = re.sub(r"^https?://[^/]+", "", second)
    assert client.get(old_path).status_code == 410
    assert client.get(new_path).status_code == 200


def test_forgot_password_only_queues_the_email(app, client, db, monkeypatch):
    """Sending by SMTP inside the request made known addresses slower than unknown ones."""
    app.config["PORTAL_SMTP_HOST"] = "mail.invalid"
    connections = []
    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: connections.append(a) or 1 / 0)
    UserFactory(email="known@example.org")
    db.session.commit()
    for email in ("known@example.org", "unknown@example.org"):
        response = post_form(client, "/password/forgot", {"email": email})
        assert response.status_code == 200 and "Check your email" in text(response)
    assert connections == []
    queued = db.session.scalars(select(EmailMessage.to)).all()
    assert queued == ["known@example.org"]


def test_the_mail_command_sends_what_requests_queued(app, db, smtp_sent):
    app.config["PORTAL_SMTP_HOST"] = "mail.example.org"
    UserFactory(email="known@example.org", password=DEFAULT_PASSWORD)
    db.session.commit()
    accounts.request_password_reset("known@example.org")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert [message["To"] for message in smtp_sent] == ["known@example.org"]
    assert db.session.scalar(select(User.email)) == "known@example.org"


def test_the_outbox_keeps_no_link_once_sent_or_expired(app, db, smtp_sent):
    UserFactory(email="known@example.org")
    UserFactory(email="late@example.org")
    db.session.commit()
    accounts.request_password_reset("late@example.org")
    db.session.commit()
    late = db.session.scalars(select(EmailMessage)).one()
    late.created_at -= dt.timedelta(hours=app.config["PORTAL_INVITATION_HOURS"] + 1)
    db.session.commit()
    accounts.request_password_reset("known@example.org")
    db.session.commit()
    app.config["PORTAL_SMTP_HOST"] = "mail.example.org"
    assert app.test_cli_runner().invoke(args=["mail", "send-pending"]).exit_code == 0
    sent = [message.get_content() for message in smtp_sent]
    assert len(sent) == 2 and sum("/password/reset/" in body for body in sent) == 1
    db.session.expire_all()
    for body in db.session.scalars(select(EmailMessage.body)):
        assert "/password/reset/" not in body and "[link removed once sent]" in body
