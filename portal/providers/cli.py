"""`flask listings remind`: email provider staff about listings not confirmed for
PORTAL_STALE_AFTER_DAYS (from cron; each listing is mentioned once per period)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal import notify
from portal.catalog import freshness
from portal.extensions import db

listings_cli = AppGroup("listings", help="Keeping listings up to date.")


@listings_cli.command("remind")
def remind_command() -> None:
    """Queue reminder emails about listings that may be out of date."""
    queued = freshness.send_reminders()
    db.session.commit()
    notify.send_pending()
    click.echo(f"queued {queued} reminder email(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(listings_cli)
