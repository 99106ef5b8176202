"""`flask hsds …`: import and export Open Referral HSDS data.

flask --app wsgi hsds import PATH [--dry-run]     a .json file, a folder, a data package, a zip
flask --app wsgi hsds export DIR                  CSV data package + JSON into DIR
flask --app wsgi hsds export --zip                the site's download (run it nightly)
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.hsds.export import export_csv, export_json, export_zip
from portal.hsds.importer import import_source
from portal.hsds.sources import SourceError, read_path

hsds_cli = AppGroup("hsds", help="Import and export Open Referral HSDS data.")


@hsds_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and report, but save nothing.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every problem (file, row, field, kind, reason) to this CSV file.",
)
def import_command(path: Path, dry_run: bool, report_path: Path | None) -> None:
    """Import HSDS 3.0 JSON or CSV, or HSDS 1.x/2.0 CSV, from a file, folder or zip.

    Exits 0 when rows were imported, even with problems; non-zero only when nothing usable
    was found."""
    try:
        source = read_path(path)
    except SourceError as error:
        raise click.ClickException(f"Nothing was imported: {error}") from error
    if report_path is None:
        report = import_source(source, dry_run=dry_run)
    else:
        with report_path.open("w", encoding="utf-8", newline="") as handle:
            report = import_source(source, dry_run=dry_run, details=handle)
    if report.fatal:
        raise click.ClickException(f"Nothing was imported: {report.fatal}")
    for line in report.summary_lines():
        click.echo(line)
    if report.problem_count:
        click.echo("")
        click.echo("Problems by kind (count, then up to three examples):")
        for line in report.kind_lines():
            click.echo(line)
        if report_path is None:
            click.echo("Every problem, row by row: add --report PATH (a CSV file).")
        else:
            click.echo(f"Every problem, row by row: {report_path}")
    rows = report.rows_written + sum(c.skipped for c in report.counts.values())
    rate = rows / report.seconds if report.seconds else 0
    written = "would be written (dry run, nothing saved)" if dry_run else "written"
    click.echo(
        f"{report.rows_written} rows {written}, {report.problem_count} problems, "
        f"in {report.seconds:.1f} s ({rate:,.0f} rows/s)."
    )
    if not report.rows_written:
        raise click.ClickException("Nothing usable was found: no row could be imported.")


@hsds_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--zip",
    "as_zip",
    is_flag=True,
    help="Write the data package zip that the site's footer offers for download.",
)
def export_command(directory: Path | None, as_zip: bool) -> None:
    """Write the public catalog as an HSDS 3.0 CSV data package and JSON."""
    if directory is None and not as_zip:
        raise click.UsageError("Give a DIRECTORY, or --zip for the site's download.")
    started = time.perf_counter()
    if directory is not None:
        counts = export_csv(directory)
        export_json(directory)
        click.echo(
            f"Wrote {counts['service']} services ({sum(counts.values())} rows) to "
            f"{directory} in {time.perf_counter() - started:.1f} s."
        )
    if as_zip:
        target = Path(current_app.config["PORTAL_HSDS_DOWNLOAD_PATH"])
        counts = export_zip(target)
        click.echo(f"Wrote the download {target} ({counts['service']} services).")


def init_app(app: Flask) -> None:
    app.cli.add_command(hsds_cli)
