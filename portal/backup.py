"""`flask --app wsgi backup PATH` and `restore PATH`: the whole database in one file.

SQLite: the online backup API (a consistent copy while the site runs). PostgreSQL: pg_dump in
its custom format and pg_restore (`--clean`: the restored database is the backup, nothing
more). A restore replaces what is there: stop the web and worker processes first, then
`flask search rebuild` (the index is a cache of the database).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

import click
from flask import Flask, current_app
from sqlalchemy.engine import make_url

from portal.extensions import db


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _sqlite_file(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _pg(url) -> tuple[list[str], dict[str, str]]:
    """libpq arguments for the URL (the password travels in the environment, not argv)."""
    arguments = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        arguments += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    options = url.query.get("options")
    if options:
        env["PGOPTIONS"] = options if isinstance(options, str) else " ".join(options)
    return arguments, env


def _schema(url) -> str | None:
    """The schema named by `options=-csearch_path=…` (tests keep a database per schema)."""
    options = url.query.get("options") or ""
    for part in (options if isinstance(options, str) else " ".join(options)).split():
        if part.startswith("-csearch_path="):
            return parse_qs(part[2:])["search_path"][0].split(",")[0]
    return None


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # pg_dump's message names objects, never row values.
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def backup(target: Path) -> None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        os.chmod(target, 0o600)
        return
    arguments, env = _pg(url)
    schema = _schema(url)
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *arguments]
    if schema:
        command += ["--schema", schema]
    _run([*command, url.database or "postgres"], env)
    os.chmod(target, 0o600)


def restore(source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    db.engine.dispose()  # no pooled connection holds the old tables
    if url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_file(url))
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    arguments, env = _pg(url)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *arguments,
            "--dbname",
            url.database or "postgres",
            str(source),
        ],
        env,
    )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the whole database into PATH (readable by its owner only)."""
    try:
        backup(path)
    except (BackupError, sqlite3.Error) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the database to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup in PATH (stop the site first)."""
    if not yes:
        click.confirm("This replaces everything in the database. Go on?", abort=True)
    try:
        restore(path)
    except (BackupError, sqlite3.Error) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the database from {path}. Now run: flask search rebuild")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
