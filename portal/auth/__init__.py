"""Accounts: sign-in, sessions, MFA, invitations, password reset, and authorization.

`init_app` wires Flask-Login to the server-side sessions, turns on the authorization check for
every request and keeps anyone whose role requires MFA on the MFA set-up page until it is on.
"""

from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, request, url_for
from flask_login import current_user

from portal.extensions import login_manager

bp = Blueprint("auth", __name__)

# What a user who still owes MFA set-up may reach: setting it up, and leaving.
MFA_SETUP_ENDPOINTS = frozenset({"auth.mfa_settings", "auth.mfa_enable", "auth.logout", "static"})


# Per-request caches in `g`: the signed-in user (Flask-Login), its session row, the CSRF token.
_REQUEST_CACHES = ("_login_user", "user_session", "csrf_token")


def _forget_the_previous_request():
    # `g` belongs to the app context, which outlives a request when a test or a script holds
    # one around several requests; who is signed in must be worked out afresh every time.
    for name in _REQUEST_CACHES:
        g.pop(name, None)


def _set_up_mfa_first():
    if (
        request.endpoint
        and request.endpoint not in MFA_SETUP_ENDPOINTS
        and current_user.is_authenticated
        and current_user.mfa_required
        and not current_user.mfa_enabled
    ):
        return redirect(url_for("auth.mfa_settings"))
    return None


def init_app(app: Flask) -> None:
    from portal.auth import permissions, sessions

    login_manager.user_loader(sessions.load_user)
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_the_previous_request)
    permissions.init_app(app)
    app.before_request(_set_up_mfa_first)


from portal.auth import views  # noqa: E402,F401  (the routes, on bp)
