"""`flask mail send-pending`: send what the outbox holds (from cron, or after an SMTP outage)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal import notify

mail_cli = AppGroup("mail", help="The email outbox.")


@mail_cli.command("send-pending")
def send_pending_command() -> None:
    """Send waiting messages through PORTAL_SMTP_HOST."""
    if not notify.smtp_configured():
        raise click.ClickException("PORTAL_SMTP_HOST is not set; messages stay in the outbox.")
    click.echo(f"sent {notify.send_pending(limit=10_000)} message(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_cli)
