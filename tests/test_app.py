"""The factory, settings and the error handling shared by every page."""

import pytest
from cryptography.fernet import Fernet

from portal import create_app
from portal.config import ConfigError


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_development_gets_a_throwaway_key_and_insecure_cookies(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app(
        {"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"}
    )
    assert app.config["SECRET_KEY"]
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("PORTAL_DATA_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("PORTAL_SEARCH_INDEX_DIR", str(tmp_path / "ix"))
    monkeypatch.delenv("PORTAL_TIMEZONE", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["PORTAL_SEARCH_INDEX_DIR"] == str(tmp_path / "ix")
    assert app.config["PORTAL_TIMEZONE"] == "America/New_York"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"PORTAL_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV must be"),
    ],
)
def test_bad_settings_are_clear_start_up_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"PORTAL_ENV": "testing", **overrides})


def test_bad_number_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_PAGE_SIZE", "lots")
    with pytest.raises(ConfigError, match="PORTAL_PAGE_SIZE"):
        create_app({"PORTAL_ENV": "testing"})


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"PORTAL_ENV": "testing"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/portal.db")


def test_unexpected_errors_get_a_500_page_without_details(app, client):
    from portal.auth.permissions import public

    @app.get("/boom")
    @public  # every route declares who may use it; one without a rule is refused
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body and "secret internals" not in body


def test_csrf_protection_is_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert "csrf" in app.extensions


def test_the_serving_process_keeps_startup_objects_out_of_full_collections(tmp_path):
    """wsgi.py freezes what startup loaded (gc.freeze), so full garbage collections do not
    rescan libraries and the app on every pass; checked in a process of its own."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = "import gc, wsgi; print(gc.get_freeze_count())"
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "PORTAL_ENV": "production",
        "SECRET_KEY": "x" * 64,
        "PORTAL_DATA_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000  # the libraries and the app, not a handful of objects


def test_production_refuses_to_start_without_data_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.delenv("PORTAL_DATA_KEYS", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    with pytest.raises(ConfigError, match="PORTAL_DATA_KEYS"):
        create_app()
