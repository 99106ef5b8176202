"""`flask search …` commands."""

from __future__ import annotations

import datetime as dt
import time

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db
from portal.search import outbox, rebuild_index
from portal.search.indexer import IncompleteBuild

search_cli = AppGroup("search", help="Build and maintain the search index.")


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Index every public service into a new index and swap it in (searches go on)."""
    started = time.perf_counter()
    try:
        count = rebuild_index()
    except IncompleteBuild as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Indexed {count} services in {time.perf_counter() - started:.1f} s.")


@search_cli.command("sync")
@click.option("--follow", is_flag=True, help="Keep applying changes as they arrive.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Seconds between checks with --follow.",
)
def sync_command(follow: bool, interval: float) -> None:
    """Apply listing changes the index has not seen yet (builds the index if it is missing).
    With --follow, keep doing it: run it beside the web server in production."""
    if follow:
        outbox.follow(interval, tell=click.echo)
        return
    applied = outbox.sync(db.session(), tell=click.echo)
    click.echo(f"Applied changes to {applied} services.")


@search_cli.command("prune")
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True)
def prune_command(days: int) -> None:
    """Delete outbox rows older than DAYS (every host must have synced since)."""
    removed = outbox.prune(db.session(), dt.timedelta(days=days))
    click.echo(f"Removed {removed} outbox rows.")


def init_app(app: Flask) -> None:
    app.cli.add_command(search_cli)
