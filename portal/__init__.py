"""The portal's application factory: it only wires configuration, extensions and blueprints."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import config as settings
from portal import i18n, logs, search, translated
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    logs.install()  # before anything can log
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    settings.finalize(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        _create_private(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def _create_private(path: str) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite makes it with
    the umask's permissions: it holds client data."""
    if path and path != ":memory:" and not os.path.exists(path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def freeze_loaded_objects() -> None:
    """Keep everything loaded so far (libraries, ZIP codes, phone metadata, the app) out of
    the garbage collector's full passes. It lives as long as the process, and scanning it
    now and then stalled a request (bench/service_page.py measures it). Objects are still
    freed when nothing refers to them. Called once per serving process (wsgi.py)."""
    gc.freeze()


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table known to Alembic)
    from portal import page_cache
    from portal.catalog import version

    db.init_app(app)
    version.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, default_timezone=app.config["PORTAL_TIMEZONE"], locale_selector=i18n.select_locale
    )
    translated.init_app(app)  # after Flask-Babel's, whose template functions it replaces
    page_cache.init_app(app)  # before i18n: see page_cache.init_app
    i18n.init_app(app)
    search.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    from portal import auth, security

    auth.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    # Each package holds its blueprint (and its access rule) in its __init__.py and loads its
    # route modules at the bottom, as microblog does.
    from portal import (
        admin,
        api,
        auth,
        directory,
        inputs,
        problems,
        providers,
        referrals,
        reports,
    )

    inputs.init_app(app)  # the URL converters, before any rule is added
    for blueprint in (
        directory.bp,
        auth.bp,
        admin.bp,
        referrals.bp,
        referrals.inbox_bp,
        referrals.printing_bp,
        providers.bp,
        problems.bp,
        api.bp,
        reports.bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from portal import backup, jobs, keys
    from portal.admin import cli as users_cli
    from portal.catalog import cli as catalog_cli
    from portal.hsds import cli as hsds_cli
    from portal.notify import cli as mail_cli
    from portal.providers import cli as listings_cli
    from portal.referrals import cli as referrals_cli
    from portal.reports import cli as reports_cli
    from portal.search import cli as search_cli

    backup.init_app(app)
    keys.init_app(app)
    catalog_cli.init_app(app)
    search_cli.init_app(app)
    users_cli.init_app(app)
    mail_cli.init_app(app)
    referrals_cli.init_app(app)
    listings_cli.init_app(app)
    hsds_cli.init_app(app)
    jobs.init_app(app)
    reports_cli.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from portal.directory.templating import init_app

    init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys unless asked, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
