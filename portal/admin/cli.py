"""`flask users create-admin EMAIL`: the first administrator, on a fresh installation."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.auth import accounts
from portal.extensions import db
from portal.models import Role

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create-admin")
@click.argument("email")
def create_admin(email: str) -> None:
    """Invite EMAIL as an administrator and print the one-time set-password link."""
    try:
        link = accounts.invite(email, Role.admin)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Administrator {accounts.normalize_email(email)} invited.")
    click.echo("Open this link (once, within the invitation's lifetime) to set the password:")
    click.echo(link)


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
