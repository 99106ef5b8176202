"""`flask referrals overdue`: list referrals waiting too long for the provider's answer, and
with --notify tell both sides once (from cron, each working morning)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db
from portal.referrals import workflow

referrals_cli = AppGroup("referrals", help="Closed-loop referrals.")


@referrals_cli.command("overdue")
@click.option("--notify", is_flag=True, help="Notify both sides (once per referral).")
def overdue_command(notify: bool) -> None:
    """List overdue referrals: id, organization, sent at (no client details)."""
    overdue = workflow.overdue_referrals()
    for referral in overdue:
        sent = referral.sent_at.isoformat() if referral.sent_at else ""
        click.echo(f"{referral.id}\t{referral.organization.name}\t{sent}")
    click.echo(f"{len(overdue)} overdue referral(s)")
    if notify:
        told = workflow.notify_overdue()
        db.session.commit()
        click.echo(f"notified about {len(told)} referral(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(referrals_cli)
