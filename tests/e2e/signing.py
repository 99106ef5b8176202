"""Signing in through the real pages in Chromium, with the two-step code when the account
has MFA (every role that sees client data must)."""

from __future__ import annotations

import datetime as dt
import time

import pyotp
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.factories import DEFAULT_PASSWORD

_last_steps: dict[str, int] = {}


def unused_code(secret: str) -> str:
    """A code the portal accepts: each time step works only once, so a second sign-in within
    the same 30 seconds takes the next step's code (one step of clock drift is allowed)."""
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(dt.datetime.now()), _last_steps.get(secret, -1) + 1)
    while step > totp.timecode(dt.datetime.now()) + 1:
        time.sleep(1)
    _last_steps[secret] = step
    return totp.generate_otp(step)


def secret_of(live_server, email: str) -> str | None:
    with live_server.app.app_context():
        secret = db.session.scalar(select(User.totp_secret).where(User.email == email))
        db.session.remove()
    return secret


def sign_in(page, live_server, email, secret=None):
    """Sign in as `email`; the TOTP secret is looked up when not given."""
    secret = secret or secret_of(live_server, email)
    page.goto(live_server("/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if secret:
        page.get_by_label("Code from your authenticator app").fill(unused_code(secret))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
