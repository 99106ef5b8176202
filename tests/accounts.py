"""Signing in from tests: through the real forms, or straight to a session for speed."""

from __future__ import annotations

from portal.auth import sessions
from portal.extensions import db
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD


def token_for(client, path: str = "/login") -> str:
    """A CSRF token for this client's session, from a page that carries a form."""
    return csrf_token(client.get(path).get_data(as_text=True))


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form as a browser would: with the CSRF token of the page it came from."""
    token = token_for(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def log_in(client, email: str, password: str = DEFAULT_PASSWORD, **kwargs):
    return post_form(client, "/login", {"email": email, "password": password}, **kwargs)


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
