"""Clients, consent, encounters and closed-loop referrals (issue 5).

Rules live in workflow.py (the referral state machine, follow-up, overdue, notifications) and
consent.py (42 CFR Part 2 consent); the clinician pages in views.py, the provider inbox in
inbox.py, the printable pages in printing.py and the `flask referrals` commands in cli.py.
"""

from flask import Blueprint

bp = Blueprint("referrals", __name__)  # the clinician pages (views.py)
inbox_bp = Blueprint("inbox", __name__, url_prefix="/provider/referrals")  # inbox.py
printing_bp = Blueprint("printing", __name__)  # printing.py

from portal.referrals import inbox, printing, views  # noqa: E402,F401  (the routes)
