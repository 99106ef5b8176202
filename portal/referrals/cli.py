"""`flask referrals overdue`: list referrals waiting too long for the provider's answer, and
with --notify tell both sides once (from cron: emergencies every few minutes with
--urgency emergency, the rest each working morning)."""

from __future__ import annotations

from collections import Counter

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db
from portal.models import Urgency
from portal.referrals import workflow

referrals_cli = AppGroup("referrals", help="Closed-loop referrals.")


@referrals_cli.command("overdue")
@click.option("--notify", is_flag=True, help="Notify both sides (once per referral).")
@click.option(
    "--urgency",
    "urgencies",
    multiple=True,
    type=click.Choice([u.value for u in Urgency]),
    help="Only referrals of this urgency (repeat for more); e.g. emergencies every 15 minutes.",
)
def overdue_command(notify: bool, urgencies: tuple[str, ...]) -> None:
    """List overdue referrals, most urgent first: id, urgency, organization, sent at (no
    client details); then a count per urgency."""
    overdue = workflow.overdue_referrals(urgencies=urgencies or None)
    for referral in overdue:
        sent = referral.sent_at.isoformat() if referral.sent_at else ""
        click.echo(f"{referral.id}\t{referral.urgency}\t{referral.organization.name}\t{sent}")
    click.echo(f"{len(overdue)} overdue referral(s)")
    for urgency, count in Counter(r.urgency for r in overdue).items():
        click.echo(f"  {urgency}: {count}")
    if notify:
        told = workflow.notify_overdue(urgencies=urgencies or None)
        db.session.commit()
        click.echo(f"notified about {len(told)} referral(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(referrals_cli)
