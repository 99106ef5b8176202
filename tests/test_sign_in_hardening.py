"""Sign-in hardening found by the adversarial test of issue 18 (point 5): each test here failed
before its fix."""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import threading

import pytest
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.auth import accounts
from portal.models import AuditEvent, EmailMessage, SignInGuard, User
from portal.models.catalog import utcnow
from tests.accounts import log_in, post_form, token_for
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
    assert pair_locked(db, user)
    # Locked: the password step now refuses, even with the right password.
    assert log_in(client, user.email).status_code == 200 and not signed_in(client)


def test_the_user_is_told_by_email_when_sign_in_is_paused(app, client, db):
    user = UserFactory(email="worker@example.org")
    db.session.commit()
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        log_in(client, user.email, "not the password")
    mail = db.session.scalars(select(EmailMessage).where(EmailMessage.to == user.email)).all()
    assert len(mail) == 1 and "paused" in mail[0].body


# --- lock the guessing, not the account (18.5) ---------------------------------------------

HOME = "10.1.1.1"
GUESSER = "203.0.113.7"


def at(address: str) -> dict:
    return {"environ_overrides": {"REMOTE_ADDR": address}}


def guard(db, user, address: str = "127.0.0.1") -> SignInGuard | None:
    return db.session.scalar(
        select(SignInGuard)
        .where(SignInGuard.user_id == user.id, SignInGuard.address == address)
        .execution_options(populate_existing=True)
    )


def pair_locked(db, user, address: str = "127.0.0.1") -> bool:
    row = guard(db, user, address)
    return row is not None and row.locked_until is not None and row.locked_until > utcnow()


def guess(app, user, address: str, times: int | None = None) -> None:
    """Wrong passwords from one address, each from a fresh browser."""
    for _ in range(times or app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        log_in(app.test_client(), user.email, "a wrong guess here", **at(address))


@pytest.fixture
def unlimited(app):
    """No rate limit in the way: these tests are about the counts behind it."""
    app.config["PORTAL_LOGIN_LIMIT_PER_ACCOUNT"] = "1000 per minute"
    app.config["PORTAL_LOGIN_LIMIT_PER_ADDRESS"] = "1000 per minute"


def test_the_real_user_at_another_address_signs_in_while_a_guesser_is_locked(app, db, unlimited):
    user = UserFactory(with_mfa=True)
    db.session.commit()
    guess(app, user, GUESSER)
    assert pair_locked(db, user, GUESSER) and not pair_locked(db, user, HOME)
    home = app.test_client()
    assert log_in(home, user.email, **at(HOME)).status_code == 302
    assert signed_in(home)


def test_a_locked_pair_is_refused_even_with_the_right_password(app, db, unlimited):
    user = UserFactory(with_mfa=True)
    db.session.commit()
    guess(app, user, GUESSER)
    guesser = app.test_client()
    response = log_in(guesser, user.email, second_factor=False, **at(GUESSER))
    assert response.status_code == 200  # no way on to the code step
    assert "The email address or password is not right" in text(response)
    assert not signed_in(guesser)
    # Refused attempts are not counted as guesses: the lock runs out as set.
    assert guard(db, user, GUESSER).failures == 0


def test_wrong_codes_count_for_the_pair_only(app, db, unlimited):
    user = UserFactory(with_mfa=True)
    db.session.commit()
    guesser = app.test_client()
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        response = log_in(guesser, user.email, second_factor=False, **at(GUESSER))
        assert response.headers["Location"].startswith("/login/verify")
        post_form(guesser, "/login/verify", {"code": "000000"}, **at(GUESSER))
    assert pair_locked(db, user, GUESSER)
    assert "mfa.failure" in db.session.scalars(select(AuditEvent.action)).all()
    home = app.test_client()
    assert log_in(home, user.email, **at(HOME)).status_code == 302 and signed_in(home)


def test_the_owner_is_told_once_without_the_address(app, db, unlimited):
    user = UserFactory(email="owner@example.org")
    db.session.commit()
    guess(app, user, GUESSER)
    guess(app, user, "198.51.100.9")
    assert pair_locked(db, user, GUESSER) and pair_locked(db, user, "198.51.100.9")
    mail = db.session.scalars(select(EmailMessage).where(EmailMessage.to == user.email)).all()
    assert len(mail) == 1
    assert GUESSER not in mail[0].body and "198.51.100.9" not in mail[0].body
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("login.lockout") == 2  # the administrator sees both


def test_a_success_forgets_that_pairs_failures_only(app, db, unlimited):
    user = UserFactory()
    db.session.commit()
    almost = app.config["PORTAL_LOGIN_MAX_FAILURES"] - 1
    guess(app, user, HOME, almost)
    guess(app, user, GUESSER, almost)
    home = app.test_client()
    assert log_in(home, user.email, **at(HOME)).status_code == 302
    assert guard(db, user, HOME) is None
    assert guard(db, user, GUESSER).failures == almost
    guess(app, user, GUESSER, 1)
    assert pair_locked(db, user, GUESSER)
    guess(app, user, HOME, 1)  # counts from nothing again
    assert guard(db, user, HOME).failures == 1 and not pair_locked(db, user, HOME)


def test_the_lock_runs_out(app, db, unlimited):
    user = UserFactory()
    db.session.commit()
    guess(app, user, GUESSER)
    row = guard(db, user, GUESSER)
    row.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    guesser = app.test_client()
    assert log_in(guesser, user.email, **at(GUESSER)).status_code == 302
    assert signed_in(guesser)


def test_failures_long_ago_are_forgotten(app, db, unlimited):
    user = UserFactory()
    db.session.commit()
    guess(app, user, GUESSER, app.config["PORTAL_LOGIN_MAX_FAILURES"] - 1)
    row = guard(db, user, GUESSER)
    row.last_failure_at = utcnow() - dt.timedelta(
        hours=app.config["PORTAL_SIGN_IN_FAILURE_HOURS"], minutes=1
    )
    db.session.commit()
    guess(app, user, GUESSER, 1)
    assert guard(db, user, GUESSER).failures == 1


def test_many_addresses_at_one_account_need_the_emailed_reset(app, db, unlimited):
    """Past the account's ceiling even the right password from a new address is refused, and
    the owner's way in is the reset link only their mailbox gets."""
    app.config["PORTAL_ACCOUNT_MAX_FAILURES"] = 3 * app.config["PORTAL_LOGIN_MAX_FAILURES"]
    user = UserFactory(email="owner@example.org")
    db.session.commit()
    for n in range(3):
        guess(app, user, f"192.0.2.{n}")
    db.session.refresh(user)
    assert user.password_reset_required
    home = app.test_client()
    assert log_in(home, user.email, **at(HOME)).status_code == 200 and not signed_in(home)
    subjects = db.session.scalars(
        select(EmailMessage.subject).where(EmailMessage.to == user.email)
    ).all()
    assert len(subjects) == 2 and "new password" in subjects[-1]  # told of the first lock too
    assert db.session.scalars(select(AuditEvent.action)).all().count("login.reset_required") == 1

    post_form(home, "/password/forgot", {"email": user.email}, **at(HOME))
    body = db.session.scalars(
        select(EmailMessage.body).where(EmailMessage.to == user.email).order_by(EmailMessage.id)
    ).all()[-1]
    reset_path = re.search(r"5000(/password/reset/\S+)", body).group(1)
    new = "seven green lanterns glow"
    post_form(home, reset_path, {"password": new, "confirm": new}, **at(HOME))
    assert log_in(home, user.email, new, **at(HOME)).status_code == 302 and signed_in(home)
    assert guard(db, user, "192.0.2.0") is None  # a new password makes old guesses moot


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


@pytest.mark.fresh_database  # the requests run in threads and see each other's commits
def test_guesses_at_the_same_moment_are_all_counted_and_lock_once(app, db, monkeypatch, unlimited):
    """The counters live in the database, so workers share them: wrong passwords arriving
    together from one address all count, and exactly one of them locks and tells."""
    from portal.auth import guessing

    user = UserFactory(email="owner@example.org")
    db.session.commit()
    together = app.config["PORTAL_LOGIN_MAX_FAILURES"]
    arrived = threading.Barrier(together, timeout=20)
    count_for_pair = guessing._count_for_pair

    def count_together(*args):
        arrived.wait()  # every request has checked the lock before any counts
        return count_for_pair(*args)

    monkeypatch.setattr(guessing, "_count_for_pair", count_together)
    clients = [app.test_client() for _ in range(together)]
    tokens = [token_for(c) for c in clients]
    statuses: list[int] = []

    def guess_once(client, token):
        data = {"csrf_token": token, "email": "owner@example.org", "password": "a wrong guess"}
        statuses.append(client.post("/login", data=data, **at(GUESSER)).status_code)

    threads = [
        threading.Thread(target=guess_once, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * together
    assert pair_locked(db, user, GUESSER)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("login.failure") == together and actions.count("login.lockout") == 1
    assert len(db.session.scalars(select(EmailMessage)).all()) == 1
    db.session.refresh(user)
    assert user.failed_logins == together


def test_behind_a_trusted_proxy_the_forwarded_address_makes_the_pair(
    app, db, monkeypatch, unlimited
):
    """With PORTAL_TRUSTED_PROXIES the proxy's own address is everyone's; the pair must use
    the address the proxy forwards, as every per-address rule does."""
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1))  # as portal.security
    user = UserFactory(with_mfa=True)
    db.session.commit()
    proxy = {"environ_overrides": {"REMOTE_ADDR": "10.0.0.2"}}
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        log_in(
            app.test_client(),
            user.email,
            "a wrong guess here",
            headers={"X-Forwarded-For": GUESSER},
            **proxy,
        )
    assert pair_locked(db, user, GUESSER) and guard(db, user, "10.0.0.2") is None
    home = app.test_client()
    assert log_in(home, user.email, headers={"X-Forwarded-For": HOME}, **proxy).status_code == 302
    assert signed_in(home)
