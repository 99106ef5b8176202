"""The portal's application factory: it only wires configuration, extensions and blueprints."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import config as settings
from portal import i18n, search
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    settings.finalize(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def freeze_loaded_objects() -> None:
    """Keep everything loaded so far (libraries, ZIP codes, phone metadata, the app) out of
    the garbage collector's full passes. It lives as long as the process, and scanning it
    now and then stalled a request (bench/service_page.py measures it). Objects are still
    freed when nothing refers to them. Called once per serving process (wsgi.py)."""
    gc.freeze()


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table known to Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, default_timezone=app.config["PORTAL_TIMEZONE"], locale_selector=i18n.select_locale
    )
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
    from portal import admin, api, auth, directory, inputs, problems, providers, referrals

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
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from portal.admin import cli as users_cli
    from portal.catalog import cli as catalog_cli
    from portal.hsds import cli as hsds_cli
    from portal.notify import cli as mail_cli
    from portal.providers import cli as listings_cli
    from portal.referrals import cli as referrals_cli
    from portal.search import cli as search_cli

    catalog_cli.init_app(app)
    search_cli.init_app(app)
    users_cli.init_app(app)
    mail_cli.init_app(app)
    referrals_cli.init_app(app)
    listings_cli.init_app(app)
    hsds_cli.init_app(app)


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
