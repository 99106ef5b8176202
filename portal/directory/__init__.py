"""The public directory: home, search, categories, and the service, organization and location
pages (anyone, signed in or not: DESIGN.md, "Who may do what")."""

from flask import Blueprint

from portal.auth.permissions import PUBLIC, blueprint_rule

bp = Blueprint("directory", __name__)
blueprint_rule(bp, PUBLIC)

from portal.directory import shortlist, views  # noqa: E402,F401  (the routes, on bp)
