"""Admin pages (admins only): users and roles, invitations, the email outbox and the audit log
(views.py), the listing queues and review (review.py), problem reports (problems.py),
organizations (organizations.py), the taxonomy (taxonomy.py), HSDS imports (imports.py) and
the program's consent wording (consent_wording.py)."""

from flask import Blueprint

from portal.auth.permissions import requires
from portal.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = requires(Role.admin)

INVALID = 422  # a form that needs fixing is answered with its errors and this status
PAGE_SIZE = 50

# The routes, on bp.
from portal.admin import (  # noqa: E402, F401
    consent_wording,
    imports,
    organizations,
    problems,
    review,
    taxonomy,
    views,
)
