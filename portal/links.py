"""Absolute links to the site (emails, API documents) built from PORTAL_BASE_URL, never from
the request's Host or X-Forwarded-Host, which a caller can set to anything (issue 18.7)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
