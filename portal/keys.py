"""`flask --app wsgi keys new` and `keys rotate`: the keys of the client fields at rest
(portal/models/encrypted.py)."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import text

from portal.extensions import db
from portal.models import encrypted

keys_cli = AppGroup("keys", help="Encryption keys of client data at rest.")


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted column, read from the models themselves."""
    return [
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, encrypted.EncryptedText | encrypted.EncryptedDate)
    ]


def rotate() -> int:
    """Re-encrypt every stored value with the first key (and encrypt values written before
    encryption); returns how many values were rewritten. One transaction."""
    cipher = encrypted.cipher()
    rewritten = 0
    for table, column in encrypted_columns():
        rows = db.session.execute(
            text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
        ).all()
        for row_id, stored in rows:
            value = (
                cipher.rotate(stored.encode("ascii")).decode("ascii")
                if stored.startswith(encrypted._TOKEN_PREFIX)
                else encrypted.encrypt(str(stored))
            )
            db.session.execute(
                text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                {"value": value, "id": row_id},
            )
            rewritten += 1
    db.session.commit()
    return rewritten


@keys_cli.command("new")
def new_command() -> None:
    """Print a new key: put it first in PORTAL_DATA_KEYS, then run `keys rotate`."""
    click.echo(Fernet.generate_key().decode("ascii"))


@keys_cli.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every client field with the first key of PORTAL_DATA_KEYS."""
    try:
        count = rotate()
    except encrypted.KeyError_ as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Re-encrypted {count} values; keys after the first can now be removed.")


def init_app(app: Flask) -> None:
    app.cli.add_command(keys_cli)
