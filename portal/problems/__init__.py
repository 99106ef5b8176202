"""Public problem reports about listings: anyone may report one (rules:
portal/catalog/problems.py)."""

from flask import Blueprint

from portal.auth.permissions import PUBLIC, blueprint_rule

bp = Blueprint("problems", __name__)
blueprint_rule(bp, PUBLIC)

from portal.problems import views  # noqa: E402,F401  (the routes, on bp)
