"""Clients, consent, encounters and closed-loop referrals (issue 5).

Rules live in workflow.py (the referral state machine, follow-up, overdue, notifications) and
consent.py (42 CFR Part 2 consent); the clinician pages in views.py, the provider inbox in
inbox.py, the printable pages in printing.py and the `flask referrals` commands in cli.py.
"""
