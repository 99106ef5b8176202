"""Provider self-service: own listings, change requests, freshness (provider staff and admins)."""

from flask import Blueprint

from portal.auth.permissions import Rule, blueprint_rule
from portal.models import Role

bp = Blueprint("providers", __name__, url_prefix="/provider")
blueprint_rule(bp, Rule(signed_in=True, roles=frozenset({Role.provider.value, Role.admin.value})))

from portal.providers import views  # noqa: E402,F401  (the routes, on bp)
