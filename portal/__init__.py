"""The portal's application factory: it only wires configuration, extensions and blueprints."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import config as settings
from portal import search
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
    stalled one request in a few hundred by 60-90 ms (bench/service_page.py). Objects are
    still freed when nothing refers to them. Called once per serving process (wsgi.py)."""
    gc.freeze()


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table known to Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, default_timezone=app.config["PORTAL_TIMEZONE"])
    search.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    from portal import auth, security

    auth.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    from portal.admin import organizations, problems, review, taxonomy  # noqa: F401 (admin routes)
    from portal.admin.views import bp as admin_bp
    from portal.api.views import bp as api_bp
    from portal.auth.permissions import PUBLIC, blueprint_rule
    from portal.auth.views import bp as auth_bp
    from portal.directory.views import bp as directory_bp
    from portal.problems.views import bp as problems_bp
    from portal.providers.views import bp as providers_bp
    from portal.referrals import access  # noqa: F401  (scope rules for client records)
    from portal.referrals.inbox import bp as inbox_bp
    from portal.referrals.printing import bp as printing_bp
    from portal.referrals.views import bp as referrals_bp

    # The public directory and search: anyone, signed in or not (DESIGN.md, "Who may do what").
    blueprint_rule(directory_bp, PUBLIC)
    app.register_blueprint(directory_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(referrals_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(printing_bp)
    app.register_blueprint(providers_bp)
    app.register_blueprint(problems_bp)
    # The HSDS API: public, read-only, GET only (so no CSRF exemption is needed).
    blueprint_rule(api_bp, PUBLIC)
    app.register_blueprint(api_bp)


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
