"""Catalog commands: seed the sample directory, generate large synthetic catalogs.

    flask --app wsgi seed                                   # only into an empty catalog
    flask --app wsgi generate-catalog --services 10000 [--seed 1]

Each command commits once at the end, so a failure leaves the database as it was.
"""

from __future__ import annotations

import time

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from portal.catalog.seed import catalog_is_empty, count_services, load_sample_catalog
from portal.catalog.statistics import refresh_after_bulk_load
from portal.catalog.synthetic import DEFAULT_BATCH_SIZE, generate_catalog
from portal.extensions import db

# Tables named in the summary line, in the order people care about.
SUMMARY = (
    ("organization", "organizations"),
    ("service", "services"),
    ("location", "locations"),
    ("phone", "phones"),
    ("schedule", "schedules"),
    ("attribute", "taxonomy links"),
)


def init_app(app: Flask) -> None:
    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the fictional sample catalog, only if the catalog is empty."""
        try:
            empty = catalog_is_empty(db.session())
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise click.ClickException(
                f"Could not read the catalog. Has `flask db upgrade` been run? ({reason})"
            ) from exc
        if not empty:
            click.echo(
                f"The catalog already has {count_services(db.session())} services, so the sample "
                "catalog was not loaded. (It loads only into an empty catalog.)"
            )
            return
        counts = _commit_or_fail(
            "load the sample catalog", lambda: load_sample_catalog(db.session())
        )
        click.echo(f"Loaded the sample catalog: {_summary(counts)}.")

    @app.cli.command("generate-catalog")
    @click.option(
        "--services",
        type=click.IntRange(min=1),
        required=True,
        help="How many synthetic services to add.",
    )
    @click.option(
        "--seed",
        type=int,
        default=1,
        show_default=True,
        help="Random seed; the same seed on the same catalog gives the same rows.",
    )
    @click.option(
        "--batch-size",
        type=click.IntRange(min=1),
        default=DEFAULT_BATCH_SIZE,
        show_default=True,
        help="Services inserted per batch.",
    )
    def generate_catalog_command(services: int, seed: int, batch_size: int) -> None:
        """Add a large synthetic catalog, for load tests and benchmarks."""
        started = time.perf_counter()
        counts = _commit_or_fail(
            "generate the synthetic catalog",
            lambda: generate_catalog(db.session(), services, seed=seed, batch_size=batch_size),
        )
        refresh_after_bulk_load(db.session())
        elapsed = time.perf_counter() - started
        click.echo(f"Added {_summary(counts)} in {elapsed:.1f} s.")


def _commit_or_fail(what: str, work):
    """Run `work` and commit once; on any error roll back so nothing half-written remains."""
    try:
        counts = work()
        db.session.commit()
    except (SQLAlchemyError, ValueError, KeyError, OSError) as exc:
        db.session.rollback()
        raise click.ClickException(f"Could not {what}; nothing was saved. {exc}") from exc
    return counts


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(table, 0)} {label}" for table, label in SUMMARY)
