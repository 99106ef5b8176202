"""HTTP security headers on every response (ASVS V14.4), and the real client address behind
trusted proxies.

The Content-Security-Policy allows only this site's own scripts and styles: templates carry no
inline <script>, no style="" attribute and no on…= handler, and must keep it so.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    # The search page may ask for the browser's location; nothing may use the rest.
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
PRIVATE_BLUEPRINTS = frozenset({"auth", "admin"})


def _set_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # HSTS only in production: development and tests run over plain http.
    if current_app.config["PORTAL_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    # Pages for signed-in people (and the sign-in pages themselves) must not stay in caches
    # or the back-button history of a shared computer (ASVS 8.2.1).
    if request.endpoint != "static" and (
        current_user.is_authenticated or request.blueprint in PRIVATE_BLUEPRINTS
    ):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
    proxies = app.config.get("PORTAL_TRUSTED_PROXIES", 0)
    if proxies:
        # Flask's documented way to wrap the app in WSGI middleware (its stubs call it a method).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
