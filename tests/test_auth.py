"""Sign-in, sessions, MFA, password reset and invitations (issue 4), through the real forms
with CSRF on."""

from __future__ import annotations

import datetime as dt
import re
import time

import itsdangerous.timed
import pyotp
import pytest
from sqlalchemy import select, update

from portal.auth import passwords, sessions
from portal.models import (
    AuditEvent,
    EmailMessage,
    RecoveryCode,
    SignInGuard,
    User,
    UserSession,
)
from portal.models.catalog import utcnow
from tests.accounts import log_in, post_form, sign_in_as, token_for
from tests.factories import DEFAULT_PASSWORD, OrganizationFactory, UserFactory

NEW_PASSWORD = "seven green lanterns glow"
GENERIC_REFUSAL = "The email address or password is not right"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def signed_in(client) -> bool:
    return client.get("/account/sessions").status_code == 200


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def last_email(db, to: str) -> EmailMessage:
    return db.session.scalars(
        select(EmailMessage).where(EmailMessage.to == to).order_by(EmailMessage.id.desc())
    ).first()


def link_path(message: EmailMessage) -> str:
    match = re.search(r"http://127\.0\.0\.1:5000(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


# --- the password policy ----------------------------------------------------------------


def test_password_policy_length_and_common_passwords():
    assert passwords.problems("short pass") != []  # under 12
    assert passwords.problems("x" * 257) != []
    assert passwords.problems("1qaz2wsx3edc") != []  # 12 characters, but among the most common
    assert passwords.problems("1QAZ2WSX3EDC") != []  # compared without case
    assert passwords.problems(NEW_PASSWORD) == []
    assert passwords.problems("a long unusual phrase " * 11) == []  # 242 characters
    assert len(passwords.common_passwords()) == 10_000


def test_passwords_are_hashed_with_scrypt():
    stored = passwords.hash_password(NEW_PASSWORD)
    assert stored.startswith("scrypt:") and NEW_PASSWORD not in stored
    assert passwords.verify(stored, NEW_PASSWORD) and not passwords.verify(
        stored, "other words here"
    )
    assert not passwords.verify(None, NEW_PASSWORD)


# --- signing in and out -----------------------------------------------------------------


def test_login_page_is_accessible_and_carries_csrf(client):
    page = text(client.get("/login"))
    assert 'name="csrf_token"' in page
    assert 'for="email"' in page and 'autocomplete="username"' in page
    assert 'for="password"' in page and 'autocomplete="current-password"' in page


def test_sign_in_and_sign_out(client, db):
    user = UserFactory()
    db.session.commit()
    response = log_in(client, user.email.upper())  # addresses are matched without case
    # A clinician starts at the dashboard (each role at its own start page).
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert signed_in(client)
    assert db.session.get(User, user.id).last_login_at is not None

    home = client.get("/").get_data(as_text=True)
    assert user.email in home and "Sign out" in home
    response = post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in(client)
    assert audit_actions(db)[-2:] == ["login.success", "logout"]


def test_next_takes_you_back_but_never_to_another_site(client, db):
    user = UserFactory()
    db.session.commit()
    response = client.get("/account/sessions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert (
        log_in(client, user.email, query_string={"next": "/account/sessions"}).headers["Location"]
        == "/account/sessions"
    )
    post_form(client, "/logout", {}, token_from="/")
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert (
            log_in(client, user.email, query_string={"next": evil}).headers["Location"]
            == "/dashboard"
        )
        post_form(client, "/logout", {}, token_from="/")


def test_the_same_message_for_unknown_email_wrong_password_disabled_and_uninvited(client, db):
    UserFactory(email="known@example.org")
    UserFactory(email="off@example.org", active=False)
    UserFactory(email="invited@example.org", password_hash=None)
    db.session.commit()

    def refusal(email, password):
        response = log_in(client, email, password)
        assert response.status_code == 200
        page = text(response)
        start = page.index('role="alert"')
        return page[start : page.index("</div>", start)]

    unknown = refusal("nobody@example.org", DEFAULT_PASSWORD)
    assert GENERIC_REFUSAL in unknown
    assert refusal("known@example.org", "the wrong password") == unknown
    assert refusal("off@example.org", DEFAULT_PASSWORD) == unknown
    assert refusal("invited@example.org", DEFAULT_PASSWORD) == unknown
    assert audit_actions(db).count("login.failure") == 4


def test_session_id_changes_at_sign_in(client, db):
    user = UserFactory()
    db.session.commit()
    token_for(client)  # a session cookie exists before signing in
    with client.session_transaction() as session:
        session[sessions.SESSION_KEY] = "planted-by-an-attacker"
    before = client.get_cookie("session").value
    log_in(client, user.email)
    with client.session_transaction() as session:
        after_token = session[sessions.SESSION_KEY]
    assert after_token != "planted-by-an-attacker"
    assert client.get_cookie("session").value != before
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.token_hash != after_token and len(row.token_hash) == 64  # only a hash is kept

    # A second sign-in gets yet another session.
    post_form(client, "/logout", {}, token_from="/")
    log_in(client, user.email)
    with client.session_transaction() as session:
        assert session[sessions.SESSION_KEY] != after_token


def test_sign_out_makes_a_copied_cookie_useless(app, client, db):
    user = UserFactory()
    db.session.commit()
    log_in(client, user.email)
    copied = client.get_cookie("session").value
    post_form(client, "/logout", {}, token_from="/")

    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/account/sessions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_disabled_users_old_cookie_is_signed_out(app, client, db):
    admin = UserFactory(role="admin", with_mfa=True)
    user = UserFactory()
    db.session.commit()
    log_in(client, user.email)
    assert signed_in(client)

    admin_client = app.test_client()
    sign_in_as(admin_client, admin)
    response = post_form(
        admin_client, f"/admin/users/{user.id}/disable", {}, token_from=f"/admin/users/{user.id}"
    )
    assert response.status_code == 302

    assert not signed_in(client)
    assert (
        db.session.scalar(select(UserSession.end_reason).where(UserSession.user_id == user.id))
        == "disabled"
    )


@pytest.mark.parametrize(
    "field, age, reason",
    [
        ("last_seen_at", dt.timedelta(minutes=31), "idle"),
        ("created_at", dt.timedelta(hours=12, minutes=1), "expired"),
    ],
)
def test_idle_and_absolute_time_outs(client, db, field, age, reason):
    user = UserFactory()
    db.session.commit()
    row = sign_in_as(client, user)
    assert signed_in(client)
    setattr(row, field, utcnow() - age)
    db.session.commit()
    assert not signed_in(client)
    db.session.refresh(row)
    assert row.end_reason == reason and row.ended_at is not None


def test_time_outs_are_configurable(app, client, db):
    app.config["PORTAL_SESSION_IDLE_MINUTES"] = 5
    user = UserFactory()
    db.session.commit()
    row = sign_in_as(client, user)
    row.last_seen_at = utcnow() - dt.timedelta(minutes=4)
    db.session.commit()
    assert signed_in(client)
    row.last_seen_at = utcnow() - dt.timedelta(minutes=6)
    db.session.commit()
    assert not signed_in(client)


def test_activity_keeps_a_session_alive(client, db):
    user = UserFactory()
    db.session.commit()
    row = sign_in_as(client, user)
    row.last_seen_at = utcnow() - dt.timedelta(minutes=29)
    db.session.commit()
    assert signed_in(client)
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < dt.timedelta(minutes=1)


def test_lockout_after_repeated_failures(app, client, db):
    user = UserFactory()
    db.session.commit()
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        assert GENERIC_REFUSAL in text(log_in(client, user.email, "not the password"))
    # Locked: even the right password is refused, with the same words.
    assert GENERIC_REFUSAL in text(log_in(client, user.email))
    assert not signed_in(client)
    assert "login.lockout" in audit_actions(db)

    # The lock belongs to this address and account (portal.auth.guessing); it has run out.
    db.session.execute(
        update(SignInGuard)
        .where(SignInGuard.user_id == user.id)
        .values(locked_until=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    assert log_in(client, user.email).status_code == 302
    assert signed_in(client)


def test_rate_limit_per_account_gives_a_429_page(app, client, db):
    app.config["PORTAL_LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    for _ in range(3):
        assert log_in(client, "target@example.org", "guess number one").status_code == 200
    response = log_in(client, "TARGET@example.org", "guess number two")
    assert response.status_code == 429
    page = text(response)
    assert "Too many requests" in page and "wait a minute" in page
    assert 'rel="stylesheet"' in page  # the site's own styled page
    # Another account from the same address is not blocked by this limit.
    assert log_in(client, "other@example.org", "guess").status_code == 200


def test_rate_limit_per_address(app, client, db):
    app.config["PORTAL_LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    for n in range(3):
        assert log_in(client, f"p{n}@example.org", "guess").status_code == 200
    assert log_in(client, "p9@example.org", "guess").status_code == 429
    other = client.application.test_client()
    response = log_in(
        other, "p9@example.org", "guess", environ_overrides={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "email, password, message",
    [
        ("a" * 10_000 + "@example.org", "whatever words", "at most 254 characters"),
        ("nul\x00@example.org", "whatever words", "special or invisible characters"),
        ("not-an-address", "whatever words", "like name@example.org"),
        ("someone@example.org", "p" * 10_000, "at most 256 characters"),
        ("someone@example.org", "bad\x00password", "special or invisible characters"),
        ("", "", "Enter your email address"),
    ],
)
def test_malformed_sign_in_fields_get_a_clear_message(client, db, email, password, message):
    response = log_in(client, email, password)
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'aria-invalid="true"' in page and "aria-describedby" in page


def test_posting_without_csrf_is_refused(client, db):
    user = UserFactory()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)
    log_in(client, user.email)
    assert client.post("/logout").status_code == 400
    assert signed_in(client)


def test_huge_request_bodies_are_refused_cleanly(client, db):
    token = token_for(client)
    response = client.post("/login", data={"csrf_token": token, "email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


# --- my sessions --------------------------------------------------------------------------


def test_my_sessions_lists_and_ends_the_others(app, client, db):
    user = UserFactory()
    db.session.commit()
    other_device = app.test_client()
    log_in(other_device, user.email, headers={"User-Agent": "Other phone"})
    log_in(client, user.email, headers={"User-Agent": "This laptop"})
    page = text(client.get("/account/sessions", headers={"User-Agent": "This laptop"}))
    assert "Other phone" in page and "This laptop" in page and "This device" in page

    response = post_form(client, "/account/sessions/end-others", {}, token_from="/account/sessions")
    assert response.status_code == 302
    assert signed_in(client) and not signed_in(other_device)


def test_ending_one_session_and_someone_elses_gives_404(app, client, db):
    user, stranger = UserFactory(), UserFactory()
    db.session.commit()
    sign_in_as(client, user)
    other_device = app.test_client()
    mine = sign_in_as(other_device, user)
    theirs = sign_in_as(app.test_client(), stranger)

    response = post_form(
        client, f"/account/sessions/{theirs.id}/end", {}, token_from="/account/sessions"
    )
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.ended_at is None

    response = post_form(
        client, f"/account/sessions/{mine.id}/end", {}, token_from="/account/sessions"
    )
    assert response.status_code == 302 and not signed_in(other_device) and signed_in(client)


# --- MFA ----------------------------------------------------------------------------------


def test_sign_in_with_totp(client, db):
    user = UserFactory(with_mfa=True)
    db.session.commit()
    response = log_in(client, user.email, second_factor=False)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/verify")
    assert not signed_in(client)  # the password alone is not enough
    page = text(client.get("/login/verify"))
    assert 'autocomplete="one-time-code"' in page

    wrong = post_form(client, "/login/verify", {"code": "000000"})
    assert "That code did not work" in text(wrong) and not signed_in(client)
    code = pyotp.TOTP(user.totp_secret).now()
    assert post_form(client, "/login/verify", {"code": code}).status_code == 302
    assert signed_in(client)
    assert "mfa.failure" in audit_actions(db)

    # The same code cannot be used again (replay), even in a new sign-in.
    post_form(client, "/logout", {}, token_from="/")
    log_in(client, user.email, second_factor=False)
    assert "That code did not work" in text(post_form(client, "/login/verify", {"code": code}))
    assert not signed_in(client)


def test_the_mfa_step_cannot_be_skipped_or_reached_directly(client, db):
    assert client.get("/login/verify").headers["Location"] == "/login"
    user = UserFactory(with_mfa=True)
    db.session.commit()
    log_in(client, user.email, second_factor=False)
    assert client.get("/").status_code == 200 and not signed_in(client)


def test_recovery_codes_work_once(client, db):
    user = UserFactory(mfa_enabled=False)
    db.session.commit()
    sign_in_as(client, user)
    client.get("/account/mfa")
    db.session.refresh(user)
    response = post_form(client, "/account/mfa", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9-]{19})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(code.replace("-", "") not in h for code in codes for h in stored)
    assert "mfa.enabled" in audit_actions(db)
    # Shown once: the settings page does not show them again.
    assert codes[0] not in client.get("/account/mfa").get_data(as_text=True)

    fresh = client.application.test_client()
    log_in(fresh, user.email, second_factor=False)
    assert post_form(fresh, "/login/verify", {"code": codes[0].lower()}).status_code == 302
    assert signed_in(fresh)
    assert "mfa.recovery_code_used" in audit_actions(db)

    again = client.application.test_client()
    log_in(again, user.email, second_factor=False)
    assert "That code did not work" in text(post_form(again, "/login/verify", {"code": codes[0]}))
    assert not signed_in(again)


def test_wrong_totp_at_set_up_leaves_mfa_off(client, db):
    user = UserFactory(mfa_enabled=False)
    db.session.commit()
    sign_in_as(client, user)
    client.get("/account/mfa")
    response = post_form(client, "/account/mfa", {"code": "123456"})
    assert response.status_code == 422 and "That code did not work" in text(response)
    db.session.refresh(user)
    assert not user.mfa_enabled


def orgs_for(role: str) -> list:
    return [OrganizationFactory()] if role == "provider" else []


@pytest.mark.parametrize("role", ["admin", "clinician", "supervisor", "provider"])
def test_every_role_with_client_data_must_set_up_mfa_before_anything_else(client, db, role):
    """Issue 18.5: not only admins: clinicians, supervisors and provider staff see clients."""
    user = UserFactory(role=role, mfa_enabled=False, organizations=orgs_for(role))
    db.session.commit()
    log_in(client, user.email)
    for path in ("/", "/account/sessions"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/mfa"
    page = text(client.get("/account/mfa"))
    assert "Your role must use two-step sign-in" in page
    db.session.refresh(user)
    post_form(client, "/account/mfa", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert client.get("/account/sessions").status_code == 200


@pytest.mark.parametrize("role", ["admin", "clinician", "supervisor", "provider"])
def test_roles_with_client_data_cannot_turn_mfa_off(client, db, role):
    user = UserFactory(role=role, with_mfa=True, organizations=orgs_for(role))
    db.session.commit()
    sign_in_as(client, user)
    assert "Turn it off" not in text(client.get("/account/mfa"))
    response = post_form(
        client,
        "/account/mfa/disable",
        {"disable-password": DEFAULT_PASSWORD},
        token_from="/account/mfa",
    )
    assert response.status_code == 403
    db.session.refresh(user)
    assert user.mfa_enabled


def test_new_recovery_codes_need_the_password_and_replace_the_old(client, db):
    user = UserFactory(with_mfa=True)
    db.session.commit()
    sign_in_as(client, user)
    assert (
        post_form(
            client,
            "/account/mfa/recovery-codes",
            {"codes-password": "wrong one"},
            token_from="/account/mfa",
        ).status_code
        == 422
    )
    response = post_form(
        client,
        "/account/mfa/recovery-codes",
        {"codes-password": DEFAULT_PASSWORD},
        token_from="/account/mfa",
    )
    assert response.status_code == 200 and "only time they are shown" in text(response)
    assert db.session.scalar(select(RecoveryCode.id).limit(1)) is not None
    assert "mfa.recovery_codes_created" in audit_actions(db)


# --- password reset -----------------------------------------------------------------------


def test_password_reset_answers_the_same_for_unknown_addresses(client, db):
    UserFactory(email="known@example.org")
    db.session.commit()
    known = post_form(client, "/password/forgot", {"email": "known@example.org"})
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'name="csrf_token"[^>]*>', "", text(r))  # noqa: E731
    assert strip(known) == strip(unknown)
    assert last_email(db, "known@example.org") is not None
    assert last_email(db, "nobody@example.org") is None


def test_password_reset_sets_a_new_password_and_ends_other_sessions(app, client, db):
    user = UserFactory()
    db.session.commit()
    elsewhere = app.test_client()
    log_in(elsewhere, user.email)
    post_form(client, "/password/forgot", {"email": user.email})
    path = link_path(last_email(db, user.email))

    page = client.get(path)
    assert page.status_code == 200 and 'autocomplete="new-password"' in text(page)
    weak = post_form(client, path, {"password": "1qaz2wsx3edc", "confirm": "1qaz2wsx3edc"})
    assert weak.status_code == 422 and "too common" in text(weak)
    short = post_form(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 12" in text(short)
    mismatch = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422

    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert not signed_in(elsewhere)
    assert log_in(client, user.email, NEW_PASSWORD).status_code == 302
    assert "password.reset" in audit_actions(db)

    # The link works once.
    reused = client.get(path)
    assert reused.status_code == 410 and "already been used" in text(reused)


def test_expired_and_tampered_reset_links(client, db, monkeypatch):
    user = UserFactory()
    db.session.commit()
    real_timestamp = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 61 * 60
    )
    post_form(client, "/password/forgot", {"email": user.email})
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real_timestamp)
    path = link_path(last_email(db, user.email))
    expired = client.get(path)
    assert expired.status_code == 410 and "expired" in text(expired)
    assert post_form(client, "/password/forgot", {"email": user.email}).status_code == 200

    tampered = client.get(path[:-3] + "abc")
    assert tampered.status_code == 400 and "not valid" in text(tampered)
    assert client.get("/password/reset/" + "x" * 5000).status_code == 400
    assert client.get("/password/reset/%00abc").status_code == 400


# --- invitations --------------------------------------------------------------------------


def test_create_admin_command_prints_a_one_time_link(app, client, db):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "Boss@Example.org"])
    assert result.exit_code == 0, result.output
    path = re.search(r"http://127\.0\.0\.1:5000(/invitations/\S+)", result.output).group(1)
    admin = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert admin.role == "admin" and admin.password_hash is None

    page = client.get(path)
    assert page.status_code == 200 and "boss@example.org" in text(page)
    assert (
        post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    assert client.get(path).status_code == 410  # single use
    assert log_in(client, "boss@example.org", NEW_PASSWORD).headers["Location"] == "/admin/"
    assert client.get("/admin/users").headers["Location"] == "/account/mfa"

    again = app.test_cli_runner().invoke(args=["users", "create-admin", "boss@example.org"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_expired_invitations_are_refused(app, client, db, monkeypatch):
    app.test_cli_runner().invoke(args=["users", "create-admin", "late@example.org"])
    path = link_path(last_email(db, "late@example.org"))
    from portal.models import Invitation

    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410 and "expired" in text(response)

    # A signature older than 48 hours is refused even if the row still looks alive.
    invitation.expires_at = utcnow() + dt.timedelta(days=5)
    db.session.commit()
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: int(time.time()) + 49 * 3600,
    )
    assert client.get(path).status_code == 410
