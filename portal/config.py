"""Settings from the environment.

`create_app(config)` starts from these values and lets a test or script override any key.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# hide_parameters: a failed statement's error (and so the log) never carries the values it was
# given: names, dates of birth, notes (issue 18.2). No pool_pre_ping (a round trip before every
# request): a connection that died with a database restart fails its first statement, which
# invalidates the pool's older connections, and the read is tried once more on a new one
# (errors.RetryReadsOnce); a write answers 503 with Retry-After.
ENGINE_OPTIONS = {"hide_parameters": True}


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


URGENCIES = ("emergency", "urgent", "routine")
DEFAULT_RESPONSE_TIMES = "emergency=2h,urgent=1d,routine=2d"
HOURS, WORKING_DAYS = "hours", "working-days"
_UNITS = {"h": HOURS, "d": WORKING_DAYS}


def response_times(text: str) -> dict[str, tuple[str, int]]:
    """ "emergency=2h,urgent=1d,routine=2d" -> {"emergency": ("hours", 2), ...}; every
    urgency needs a time (the defaults fill those left out)."""
    times = {} if text == DEFAULT_RESPONSE_TIMES else response_times(DEFAULT_RESPONSE_TIMES)
    for part in filter(None, (p.strip() for p in text.split(","))):
        urgency, _, amount = part.partition("=")
        urgency, amount = urgency.strip(), amount.strip().lower()
        if urgency not in URGENCIES or amount[-1:] not in _UNITS or not amount[:-1].isdigit():
            raise ConfigError(
                "PORTAL_REFERRAL_RESPONSE_TIMES takes urgency=time pairs such as "
                f"{DEFAULT_RESPONSE_TIMES!r} (h: clock hours, d: working days), not {part!r}"
            )
        if int(amount[:-1]) < 1:
            raise ConfigError(f"PORTAL_REFERRAL_RESPONSE_TIMES: {part!r} must be at least 1")
        times[urgency] = (_UNITS[amount[-1]], int(amount[:-1]))
    return times


def holidays(text: str) -> frozenset[dt.date]:
    """ "2026-12-25,2027-01-01" -> the dates (not working days for referral clocks)."""
    days = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            days.add(dt.date.fromisoformat(part))
        except ValueError as exc:
            raise ConfigError(
                f"PORTAL_HOLIDAYS takes dates like 2026-12-25, separated by commas, not {part!r}"
            ) from exc
    return frozenset(days)


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
        "SQLALCHEMY_ENGINE_OPTIONS": dict(ENGINE_OPTIONS),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        # Accounts and sessions (HIPAA automatic log-off; ASVS V3).
        "PORTAL_SESSION_IDLE_MINUTES": _int("PORTAL_SESSION_IDLE_MINUTES", 30),
        "PORTAL_SESSION_MAX_HOURS": _int("PORTAL_SESSION_MAX_HOURS", 12),
        # Failed sign-ins in a row from one address that lock its guessing at one account, and
        # for how long (portal.auth.guessing).
        "PORTAL_LOGIN_MAX_FAILURES": _int("PORTAL_LOGIN_MAX_FAILURES", 5),
        "PORTAL_LOCKOUT_MINUTES": _int("PORTAL_LOCKOUT_MINUTES", 15),
        # Many addresses guessing one account: past this many failures from all of them within
        # PORTAL_SIGN_IN_FAILURE_HOURS, password sign-in waits for the emailed reset.
        "PORTAL_ACCOUNT_MAX_FAILURES": _int("PORTAL_ACCOUNT_MAX_FAILURES", 50),
        "PORTAL_SIGN_IN_FAILURE_HOURS": _int("PORTAL_SIGN_IN_FAILURE_HOURS", 24),
        "PORTAL_INVITATION_HOURS": _int("PORTAL_INVITATION_HOURS", 48),
        "PORTAL_PASSWORD_RESET_MINUTES": _int("PORTAL_PASSWORD_RESET_MINUTES", 60),
        # Fernet keys, newest first, for client fields at rest (portal/models/encrypted.py).
        "PORTAL_DATA_KEYS": os.environ.get("PORTAL_DATA_KEYS") or None,
        # Links in emails are built from this address, never from the request's Host header.
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000",
        # How many proxies in front of the app set X-Forwarded-For (0: use the peer address).
        "PORTAL_TRUSTED_PROXIES": _int("PORTAL_TRUSTED_PROXIES", 0),
        # Redis for background jobs (RQ): admin HSDS uploads run there when it is set, and
        # `flask jobs worker` runs them; unset, an upload is imported within the request.
        "PORTAL_REDIS_URL": os.environ.get("PORTAL_REDIS_URL") or None,
        # Rate limits: Redis when several workers share counters, memory for one process.
        "RATELIMIT_STORAGE_URI": os.environ.get("PORTAL_RATELIMIT_STORAGE_URI") or "memory://",
        "PORTAL_LOGIN_LIMIT_PER_ADDRESS": os.environ.get("PORTAL_LOGIN_LIMIT_PER_ADDRESS")
        or "30 per minute;300 per hour",
        "PORTAL_LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("PORTAL_LOGIN_LIMIT_PER_ACCOUNT")
        or "10 per minute;100 per hour",
        # Public "report a problem with this listing" submissions per address.
        "PORTAL_PROBLEM_REPORT_LIMIT": os.environ.get("PORTAL_PROBLEM_REPORT_LIMIT")
        or "10 per minute;100 per day",
        # Public links residents make from the short list on their device, per address.
        "PORTAL_SHARE_LIST_LIMIT": os.environ.get("PORTAL_SHARE_LIST_LIMIT")
        or "10 per minute;50 per day",
        # The map's tile server ({z}/{x}/{y}; {s} for sub-domains) and the credit it asks for.
        # Pages load tiles from it and nothing else (portal/security.py allows it for images).
        "PORTAL_MAP_TILE_URL": os.environ.get("PORTAL_MAP_TILE_URL")
        or "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "PORTAL_MAP_ATTRIBUTION": os.environ.get("PORTAL_MAP_ATTRIBUTION")
        or "© OpenStreetMap contributors",
        "PORTAL_MAP_ATTRIBUTION_URL": os.environ.get("PORTAL_MAP_ATTRIBUTION_URL")
        or "https://www.openstreetmap.org/copyright",
        # Calls to the public HSDS API per client address.
        "PORTAL_API_RATE_LIMIT": os.environ.get("PORTAL_API_RATE_LIMIT") or "300 per minute",
        # The open-data download (HSDS data package zip), rebuilt when older than this.
        "PORTAL_HSDS_DOWNLOAD_PATH": os.environ.get("PORTAL_HSDS_DOWNLOAD_PATH")
        or str(Path(instance_path) / "hsds-datapackage.zip"),
        "PORTAL_HSDS_DOWNLOAD_MAX_AGE_HOURS": _int("PORTAL_HSDS_DOWNLOAD_MAX_AGE_HOURS", 24),
        # Email: kept in the outbox table; also sent by SMTP when PORTAL_SMTP_HOST is set.
        "PORTAL_SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST") or None,
        "PORTAL_SMTP_PORT": _int("PORTAL_SMTP_PORT", 587),
        "PORTAL_SMTP_USERNAME": os.environ.get("PORTAL_SMTP_USERNAME") or None,
        "PORTAL_SMTP_PASSWORD": os.environ.get("PORTAL_SMTP_PASSWORD") or None,
        "PORTAL_SMTP_STARTTLS": _bool("PORTAL_SMTP_STARTTLS", True),
        "PORTAL_MAIL_FROM": os.environ.get("PORTAL_MAIL_FROM") or "no-reply@localhost",
        # Referrals: the program named as discloser on consents; how long a sent referral of
        # each urgency may wait for the provider's answer ("2h": clock hours, "1d": working
        # days) before it is overdue; the holidays that are not working days.
        "PORTAL_PROGRAM_NAME": os.environ.get("PORTAL_PROGRAM_NAME") or "Co-Response Program",
        "PORTAL_REFERRAL_RESPONSE_TIMES": response_times(
            os.environ.get("PORTAL_REFERRAL_RESPONSE_TIMES") or DEFAULT_RESPONSE_TIMES
        ),
        "PORTAL_HOLIDAYS": holidays(os.environ.get("PORTAL_HOLIDAYS") or ""),
        # The largest HSDS upload an admin may send on the import page.
        "PORTAL_IMPORT_MAX_BYTES": _int("PORTAL_IMPORT_MAX_BYTES", 50 * 1024 * 1024),
        # Megabytes of public pages each server process keeps for anonymous readers
        # (portal/page_cache.py); 0 turns it off. Unset: on in production only.
        "PORTAL_PAGE_CACHE_MB": _int("PORTAL_PAGE_CACHE_MB", -1),
        # Limits what one request can make the server parse (bigger bodies get a 413 page).
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def check_serving(config: dict, *, workers: int, bind: list[str]) -> None:
    """Refuse a production server that would not keep its promises (issue 18.7).

    - Several worker processes each counting rate limits in their own memory let through
      workers × the limit: they must share Redis.
    - With PORTAL_TRUSTED_PROXIES set, the app believes X-Forwarded-For; if it is reachable
      other than through the proxy, anyone can rotate that header past the per-address
      limits. It listens on loopback then, unless PORTAL_BIND_BEHIND_FIREWALL says only the
      proxy can reach the address given.
    """
    if config["PORTAL_ENV"] == "development":
        return
    if not config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY is not set.")
    if workers > 1 and str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        raise ConfigError(
            f"{workers} workers would each count rate limits in their own memory. Set "
            "PORTAL_RATELIMIT_STORAGE_URI=redis://… (or run one worker)."
        )
    if config["PORTAL_TRUSTED_PROXIES"] > 0 and not _bool("PORTAL_BIND_BEHIND_FIREWALL"):
        public = [b for b in bind if b.rsplit(":", 1)[0] not in LOOPBACK_HOSTS]
        if public:
            raise ConfigError(
                f"PORTAL_TRUSTED_PROXIES is set but the server listens on {', '.join(public)}: "
                "a client reaching it directly could fake X-Forwarded-For. Listen on "
                "127.0.0.1 behind the proxy, or set PORTAL_BIND_BEHIND_FIREWALL=true if only "
                "the proxy can reach that address."
            )


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
    if not config.get("PORTAL_DATA_KEYS"):
        if env == "production":
            raise ConfigError(
                "PORTAL_DATA_KEYS is not set: client notes, phones and dates of birth are "
                "encrypted with it. Make a key with `flask --app wsgi keys new` (keep it apart "
                "from the database backups)."
            )
        # Not secret, like the development SECRET_KEY: for throw-away data only.
        config["PORTAL_DATA_KEYS"] = "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="
    try:
        ZoneInfo(config["PORTAL_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"PORTAL_TIMEZONE {config['PORTAL_TIMEZONE']!r} is not a known time zone"
        ) from exc
    config["TESTING"] = env == "testing" or config.get("TESTING", False)
    if config.get("PORTAL_PAGE_CACHE_MB", -1) < 0:
        config["PORTAL_PAGE_CACHE_MB"] = 32 if env == "production" else 0
    # Outside development the site is served over TLS, so cookies never travel in clear.
    config["SESSION_COOKIE_SECURE"] = env == "production"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if env == "production" and config.get("SESSION_COOKIE_NAME", "session") == "session":
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only
        # and for the whole site, so a sibling sub-domain cannot plant or read it.
        config["SESSION_COOKIE_NAME"] = "__Host-session"
    # Remember-me is not offered (a session ends at the idle and absolute time-outs);
    # should Flask-Login ever set its cookie, it gets the same protections.
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
