"""`flask calls import`, `flask encounters import` and `flask reports metrics`.

flask --app wsgi calls import PATH.csv [--map 'received_at=Call Time'] [--skip-bad] [--dry-run]
flask --app wsgi encounters import PATH.csv [--map …] [--skip-bad] [--dry-run]
flask --app wsgi reports metrics --from 2026-01-01 --to 2026-03-31 --format json [--deidentified]
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from portal.referrals.workflow import overdue_sent_before
from portal.reports import imports, metrics

calls_cli = AppGroup("calls", help="The 911 centre's behavioral-health call log.")
encounters_cli = AppGroup("encounters", help="Encounters kept before the portal.")
reports_cli = AppGroup("reports", help="The program's evidence.")


def _import_options(command):
    command = click.option(
        "--dry-run", is_flag=True, help="Check every row and report; save nothing."
    )(command)
    command = click.option(
        "--skip-bad", is_flag=True, help="Write the good rows even when some rows are bad."
    )(command)
    command = click.option(
        "--map",
        "maps",
        multiple=True,
        metavar="COLUMN=HEADER",
        help="Read a column under another header, e.g. 'received_at=Call Time'.",
    )(command)
    return click.argument("path", type=click.Path(path_type=Path))(command)


def _run(run, path: Path, maps, skip_bad: bool, dry_run: bool) -> None:
    try:
        outcome = run(path, imports.parse_map(maps), skip_bad=skip_bad, dry_run=dry_run)
    except imports.ImportError_ as error:
        raise click.ClickException(f"Nothing was imported: {error}") from error
    for problem in outcome.problems:
        click.echo(f"problem: {problem}", err=True)
    if not outcome.written:
        if outcome.problems:
            raise click.ClickException(
                f"Nothing was imported: {outcome.bad_rows} bad row(s). "
                "Fix them, or use --skip-bad to import the others."
            )
        click.echo("Dry run: every row is good; nothing was saved.")
        return
    click.echo(
        f"{outcome.created} created, {outcome.updated} updated, {outcome.unchanged} unchanged, "
        f"{outcome.bad_rows} bad row(s) skipped."
    )


@calls_cli.command("import")
@_import_options
def import_calls_command(path: Path, maps, skip_bad: bool, dry_run: bool) -> None:
    """Import a call log CSV: call_id, received_at, nature, team_status."""
    _run(imports.import_calls, path, maps, skip_bad, dry_run)


@encounters_cli.command("import")
@_import_options
def import_encounters_command(path: Path, maps, skip_bad: bool, dry_run: bool) -> None:
    """Import encounters kept before the portal (anonymous), with the portal's codes."""
    _run(imports.import_encounters, path, maps, skip_bad, dry_run)


@reports_cli.command("metrics")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--format", "output", type=click.Choice(["json"]), default="json")
@click.option(
    "--deidentified", is_flag=True, help="Equity counts from 1 to 4 become null; no search words."
)
def metrics_command(start, end, output: str, deidentified: bool) -> None:
    """Print the report's numbers for a period of whole local days, both ends included."""
    try:
        period = metrics.Period(start.date(), end.date())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from error
    report = metrics.compute(
        period, overdue_sent_before=overdue_sent_before(), deidentified=deidentified
    )
    click.echo(json.dumps(report, indent=2, sort_keys=False))


def init_app(app: Flask) -> None:
    app.cli.add_command(calls_cli)
    app.cli.add_command(encounters_cli)
    app.cli.add_command(reports_cli)
