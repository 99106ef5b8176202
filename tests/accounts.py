"""Signing in from tests: through the real forms, or straight to a session for speed."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from portal.auth import sessions
from portal.extensions import db
from portal.models import User
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD


def token_for(client, path: str = "/login") -> str:
    """A CSRF token for this client's session, from a page that carries a form."""
    return csrf_token(client.get(path).get_data(as_text=True))


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form as a browser would: with the CSRF token of the page it came from."""
    token = token_for(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def log_in(
    client, email: str, password: str = DEFAULT_PASSWORD, *, second_factor: bool = True, **kwargs
):
    """Sign in through the forms; with `second_factor`, answer the MFA step with a fresh TOTP
    code (the answer is then the MFA step's)."""
    response = post_form(client, "/login", {"email": email, "password": password}, **kwargs)
    location = response.headers.get("Location", "")
    if not second_factor or not location.startswith("/login/verify"):
        return response
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    user.totp_last_step = None  # each test sign-in may reuse the current time step
    db.session.commit()
    kwargs.pop("query_string", None)  # `next` travels in the verify page's own URL
    code = pyotp.TOTP(user.totp_secret).now()
    return post_form(client, location, {"code": code}, **kwargs)


def sign_in_as(client, user):
    """A live session for the user in this client's cookie, without the forms (fast)."""
    row, token = sessions.open_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        session[sessions.SESSION_KEY] = token
        session["_user_id"] = user.id
        session["_fresh"] = True
    return row


def signed_in(app, user):
    """A new test client with a live session for the user."""
    client = app.test_client()
    sign_in_as(client, user)
    return client
