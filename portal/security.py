"""HTTP security headers on every response (ASVS V14.4), and the real client address behind
trusted proxies.

The Content-Security-Policy allows only this site's own scripts and styles: templates carry no
inline <script>, no style="" attribute and no on…= handler, and must keep it so. Images may
also come from the map's tile server (PORTAL_MAP_TILE_URL), and nothing else from it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix


def tile_origin(tile_url: str) -> str | None:
    """The origin map tiles come from (a {s} sub-domain becomes a wildcard); None for tiles
    served by this site or no tile server."""
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def content_security_policy(tile_url: str = "") -> str:
    tiles = tile_origin(tile_url)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:" + (f" {tiles}" if tiles else ""),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


HEADERS = {
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
    response.headers.setdefault("Content-Security-Policy", current_app.extensions["portal_csp"])
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
    app.extensions["portal_csp"] = content_security_policy(app.config["PORTAL_MAP_TILE_URL"])
    app.after_request(_set_headers)
    proxies = app.config.get("PORTAL_TRUSTED_PROXIES", 0)
    if proxies:
        # Flask's documented way to wrap the app in WSGI middleware (its stubs call it a method).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
