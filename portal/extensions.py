"""Extension objects, created unbound and attached to the app in create_app."""

from typing import TYPE_CHECKING

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from portal.translated import lazy_gettext as _l


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def client_address() -> str:
    """The caller's address (ProxyFix, set up in portal.security, makes it the real one)."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
# The base of every model. Flask-SQLAlchemy builds db.Model at run time from Base, which a type
# checker cannot follow; to it, the models are plain Base subclasses.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()

login_manager = LoginManager()
login_manager.login_view = "auth.login_page"
login_manager.login_message = _l("Please sign in to see that page.")
login_manager.login_message_category = "info"
# "basic", not "strong": clinicians in the field change networks (and addresses) all the time,
# and the server-side session row (portal.auth.sessions) is what really ends a session.
login_manager.session_protection = "basic"

# Storage comes from RATELIMIT_STORAGE_URI (PORTAL_RATELIMIT_STORAGE_URI: redis://… when
# several workers must share counters). No default limits: each limited route says its own.
limiter = Limiter(key_func=client_address, headers_enabled=True)
