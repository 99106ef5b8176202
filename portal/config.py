"""Settings from the environment.

`create_app(config)` starts from these values and lets a test or script override any key.
"""
from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The settings cannot run the portal; the message says which one and why."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def from_environment(instance_path: str) -> dict:
    """Read every PORTAL_* setting, SECRET_KEY and DATABASE_URL."""
    env = os.environ.get("PORTAL_ENV", "production").strip().lower()
    default_db = "sqlite:///" + str(Path(instance_path) / "portal.db")
    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_db,
        "PORTAL_SEARCH_INDEX_DIR": os.environ.get("PORTAL_SEARCH_INDEX_DIR")
        or str(PROJECT_ROOT / "search_index"),
        "PORTAL_TIMEZONE": os.environ.get("PORTAL_TIMEZONE") or "America/New_York",
        # Seconds an index writer waits for another process's lock before leaving the
        # change to `flask search sync`.
        "PORTAL_SEARCH_LOCK_TIMEOUT": float(_int("PORTAL_SEARCH_LOCK_TIMEOUT", 30)),
        "PORTAL_PAGE_SIZE": _int("PORTAL_PAGE_SIZE", 20),
        # Listings not verified for this many days are marked as possibly out of date.
        "PORTAL_STALE_AFTER_DAYS": _int("PORTAL_STALE_AFTER_DAYS", 180),
        "PORTAL_SHOW_SAMPLE_NOTICE": _bool("PORTAL_SHOW_SAMPLE_NOTICE", True),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
    }


def finalize(config: dict) -> None:
    """Check the merged settings and derive the ones that depend on others."""
    env = config["PORTAL_ENV"]
    if env not in {"production", "development", "testing"}:
        raise ConfigError(f"PORTAL_ENV must be production, development or testing, not {env!r}")
    if not config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set PORTAL_ENV=development for a local, throw-away key."
            )
        config["SECRET_KEY"] = "development-only-key-not-secret"
    try:
        ZoneInfo(config["PORTAL_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"PORTAL_TIMEZONE {config['PORTAL_TIMEZONE']!r} is not a known time zone") from exc
    config["TESTING"] = env == "testing" or config.get("TESTING", False)
    # Outside development the site is served over TLS, so cookies never travel in clear.
    config["SESSION_COOKIE_SECURE"] = env == "production"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
