"""`flask search …` commands."""
import time

import click
from flask import Flask
from flask.cli import AppGroup

from portal.search import rebuild_index

search_cli = AppGroup("search", help="Build and maintain the search index.")


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Index every public service into a new index and swap it in."""
    started = time.perf_counter()
    count = rebuild_index()
    click.echo(f"Indexed {count} services in {time.perf_counter() - started:.1f} s.")


def init_app(app: Flask) -> None:
    app.cli.add_command(search_cli)
