"""The HSDS 3.0 JSON API (read-only, public): views.py answers HTTP, queries.py the questions,
openapi.py describes it."""

from flask import Blueprint, current_app

from portal.auth.permissions import PUBLIC, blueprint_rule
from portal.extensions import limiter

# Public, read-only, GET only (so no CSRF exemption is needed).
bp = Blueprint("api", __name__, url_prefix="/api")
blueprint_rule(bp, PUBLIC)
limiter.limit(lambda: current_app.config["PORTAL_API_RATE_LIMIT"])(bp)

from portal.api import views  # noqa: E402,F401  (the routes, on bp)
