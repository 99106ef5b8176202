"""Background jobs (RQ on the Redis of PORTAL_REDIS_URL): long work such as an admin's HSDS
upload runs in `flask --app wsgi jobs worker`, never inside a web request.

Jobs run inside the worker's application context, so they use the database like a command.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from redis import Redis
from rq import Queue, Worker

QUEUE_NAME = "portal"
JOB_TIMEOUT = 60 * 60  # seconds; a 100,000-service package takes minutes, not hours
RESULT_TTL = 24 * 60 * 60  # the report stays readable for a day

jobs_cli = AppGroup("jobs", help="Run background jobs (RQ).")


def enabled() -> bool:
    return bool(current_app.config.get("PORTAL_REDIS_URL"))


def connection() -> Redis:
    return Redis.from_url(current_app.config["PORTAL_REDIS_URL"])


def queue() -> Queue:
    # PORTAL_JOBS_INLINE (tests): the job runs at once in the caller, through RQ all the same.
    return Queue(
        QUEUE_NAME,
        connection=connection(),
        is_async=not current_app.config.get("PORTAL_JOBS_INLINE", False),
        default_timeout=JOB_TIMEOUT,
    )


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run queued jobs until stopped (Ctrl-C)."""
    if not enabled():
        raise click.ClickException("Set PORTAL_REDIS_URL (redis://host:6379/0) first.")
    Worker([queue()], connection=connection()).work(burst=burst, with_scheduler=False)


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
