"""Program evidence (issue 15): what the co-response program achieves, computed by the
database from its own records. Supervisors and admins read it; only admins change anything
(the population shares).

metrics.py     every figure, its definition beside its query (no web imports)
imports.py     the call log and historical encounter imports (no web imports)
population.py  the population shares of the equity table
tables.py      the report as labelled tables: the page, its charts and the CSV files
views.py       /reports, its CSV files and the Marcus Alert yearly report
cli.py         `flask calls import`, `flask encounters import`, `flask reports metrics`
"""

from flask import Blueprint

from portal.auth.permissions import Rule, blueprint_rule
from portal.models import Role

bp = Blueprint("reports", __name__, url_prefix="/reports")
# Every page for supervisors and admins; the one change (population shares) declares admin.
blueprint_rule(bp, Rule(signed_in=True, roles=frozenset({Role.supervisor, Role.admin})))

from portal.reports import views  # noqa: E402,F401  (the routes)
