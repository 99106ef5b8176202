"""Security headers and cookie flags (ASVS V3.4, V14.4), and templates fit for the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from portal import create_app
from portal.security import content_security_policy
from tests.accounts import log_in
from tests.factories import UserFactory

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize(
    "path", ["/", "/login", "/search?q=food", "/no-such-page", "/static/css/portal.css"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "geolocation=(self)" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # testing runs over http
    response.close()


def test_hsts_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test")
    monkeypatch.setenv("PORTAL_DATA_KEYS", Fernet.generate_key().decode())
    app = create_app(
        {
            "PORTAL_ENV": "production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
            "PORTAL_SEARCH_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    response = app.test_client().get("/static/css/portal.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    response.close()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_session_cookie_flags_and_no_caching_of_private_pages(client, db):
    user = UserFactory()
    db.session.commit()
    response = log_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # ends with the browser; the server ends it sooner
    assert client.get("/account/sessions").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_public_pages_stay_cacheable_for_anonymous_people(client):
    assert client.get("/").headers.get("Cache-Control") != "no-store"


def test_templates_have_no_inline_script_style_or_handlers():
    problems = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        if re.search(r"\sstyle\s*=", source):
            problems.append(f"{template.name}: style attribute")
        if re.search(r"<style\b", source):
            problems.append(f"{template.name}: <style> element")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source):
            problems.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", source):
            problems.append(f"{template.name}: on… event handler attribute")
        if "javascript:" in source:
            problems.append(f"{template.name}: javascript: URL")
    assert not problems


@pytest.mark.parametrize(
    "tile_url, img_src",
    [
        (
            "https://{s}.tile.example.org/{z}/{x}/{y}.png",
            "img-src 'self' data: https://*.tile.example.org;",
        ),
        (
            "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png",
            "img-src 'self' data: https://tiles.example.org:8443;",
        ),
        ("/static/tiles/{z}/{x}/{y}.png", "img-src 'self' data:;"),
    ],
)
def test_the_map_tile_server_is_allowed_for_images_only(tile_url, img_src):
    policy = content_security_policy(tile_url)
    assert img_src in policy
    host = "example.org"
    assert [part for part in policy.split(";") if host in part] == (
        [f" {img_src.rstrip(';')}"] if host in img_src else []
    )
