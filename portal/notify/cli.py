"""`flask mail send-pending`: send what the outbox holds (from cron, or after an SMTP outage)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from portal import notify

mail_cli = AppGroup("mail", help="The email outbox.")


@mail_cli.command("send-pending")
@click.option("--follow", is_flag=True, help="Keep sending, every few seconds, for good.")
@click.option("--every", default=5.0, show_default=True, help="Seconds between passes.")
def send_pending_command(follow: bool, every: float) -> None:
    """Send waiting messages through PORTAL_SMTP_HOST.

    Requests only queue email, so a slow mail server never slows a page and "forgot password"
    does the same work for every address; `--follow` runs beside the server (make serve)."""
    if not notify.smtp_configured():
        raise click.ClickException("PORTAL_SMTP_HOST is not set; messages stay in the outbox.")
    while True:
        sent = notify.send_pending(limit=10_000)
        if not follow:
            click.echo(f"sent {sent} message(s)")
            return
        time.sleep(every)


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_cli)
