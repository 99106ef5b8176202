"""Export of the public catalog: an HSDS 3.0 CSV data package (datapackage.json + one CSV per
table) and JSON (fully nested services and organizations, taxonomies and terms).

Rows are written in id order and values in one fixed text form, so the same catalog always gives
the same files: export → import into an empty database → export gives identical files.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import case, null, select

from portal import spreadsheets
from portal.extensions import db
from portal.hsds import records
from portal.hsds.tables import HSDS_3_1_TABLES, HSDS_VERSION, TABLES, Table, kind_of, to_text
from portal.models import Location, Organization, Service, Taxonomy, TaxonomyTerm

PACKAGE_NAME = "community_help_finder_hsds"
JSON_BATCH = 500
LICENSE = {
    "name": "CC-BY-SA-4.0",
    "path": "https://creativecommons.org/licenses/by-sa/4.0/",
    "title": "Creative Commons Attribution-ShareAlike 4.0",
}


def _public_column(table: Table, name: str):
    column = table.column(name)
    if table.name == "location" and name in ("latitude", "longitude"):
        # A confidential place's coordinates are never exported (portal.catalog.places).
        return case((Location.confidential, null()), else_=column).label(name)
    return column


def _public_rows(table: Table):
    columns = [_public_column(table, name) for name in table.fields]
    query = select(*columns).order_by(table.column("id"))
    condition = records.public_filter(table.name)
    if condition is not None:
        query = query.where(condition)
    return db.session.execute(query.execution_options(yield_per=2000))


def _descriptor(counts: dict[str, int]) -> dict:
    resources = []
    for table in TABLES:
        fields = []
        for name in table.fields:
            column = table.column(name)
            described: dict[str, Any] = {"name": name, "type": kind_of(column)}
            if name == "id" or column.foreign_keys:
                described["format"] = "uuid"
            if not column.nullable:
                described["constraints"] = {"required": True}
            fields.append(described)
        resource = {
            "name": table.name,
            "path": table.csv_name,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": fields,
                "primaryKey": "id",
                "foreignKeys": [
                    {"fields": name, "reference": {"resource": target, "fields": "id"}}
                    for name, target in table.foreign_keys.items()
                ],
            },
        }
        resources.append(resource)
    return {
        "name": PACKAGE_NAME,
        "title": "Community Help Finder: public listings",
        "profile": "tabular-data-package",
        "version": f"{HSDS_VERSION}.0",
        "description": "Published listings of the Community Help Finder in Open Referral HSDS "
        f"{HSDS_VERSION}: {counts.get('service', 0)} services of "
        f"{counts.get('organization', 0)} organizations.",
        "licenses": [LICENSE],
        # HSDS 3.0 with two tables of HSDS 3.1, so that capacity survives a round trip.
        "hsds_profile": {
            "version": HSDS_VERSION,
            "tables_from_3_1": list(HSDS_3_1_TABLES),
        },
        "resources": resources,
    }


def _cell(value) -> str:
    # Listing text comes from providers and imports: never a formula in a spreadsheet.
    text = to_text(value)
    return spreadsheets.neutralise(text) if isinstance(value, str) else text


def export_csv(directory: Path) -> dict[str, int]:
    """Write the CSV data package into `directory`; returns rows per table."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in TABLES:
        with open(directory / table.csv_name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(table.fields)
            count = 0
            for row in _public_rows(table):
                writer.writerow([_cell(value) for value in row])
                count += 1
        counts[table.name] = count
    (directory / "datapackage.json").write_text(
        json.dumps(_descriptor(counts), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts


def _write_array(path: Path, batches) -> int:
    """A JSON array written batch by batch (the whole catalog never sits in memory)."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[")
        for batch in batches:
            for item in batch:
                handle.write(
                    ("\n" if count == 0 else ",\n")
                    + json.dumps(item, ensure_ascii=False, sort_keys=True)
                )
                count += 1
        handle.write("\n]\n")
    return count


def _in_batches(query, shape, key):
    last = ""
    while True:
        batch = list(db.session.scalars(query.where(key > last).order_by(key).limit(JSON_BATCH)))
        if not batch:
            return
        yield shape(batch)
        last = batch[-1].id
        db.session.expunge_all()


def export_json(directory: Path) -> dict[str, int]:
    """services.json, organizations.json, taxonomies.json and taxonomy_terms.json: arrays of
    HSDS objects, nested as the API's full answers."""
    directory.mkdir(parents=True, exist_ok=True)
    # An app context of its own gives a session of its own: emptying it batch by batch leaves
    # the caller's objects alone.
    with current_app.app_context():
        return _export_json(directory)


def _export_json(directory: Path) -> dict[str, int]:
    return {
        "services": _write_array(
            directory / "services.json",
            _in_batches(
                records.public_services().options(*records.SERVICE_FULL_OPTIONS),
                records.full_services,
                Service.id,
            ),
        ),
        "organizations": _write_array(
            directory / "organizations.json",
            _in_batches(
                select(Organization).options(*records.ORGANIZATION_FULL_OPTIONS),
                lambda batch: records.full_organizations(batch, full_service=False),
                Organization.id,
            ),
        ),
        "taxonomies": _write_array(
            directory / "taxonomies.json",
            _in_batches(
                select(Taxonomy),
                lambda batch: [records.row("taxonomy", t) for t in batch],
                Taxonomy.id,
            ),
        ),
        "taxonomy_terms": _write_array(
            directory / "taxonomy_terms.json",
            _in_batches(
                select(TaxonomyTerm),
                lambda batch: [records.taxonomy_term(t) for t in batch],
                TaxonomyTerm.id,
            ),
        ),
    }


def export_zip(target: Path) -> dict[str, int]:
    """The CSV data package as one zip file, replaced atomically (readers never see half)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        counts = export_csv(Path(work) / "package")
        partial = Path(work) / "package.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((Path(work) / "package").iterdir()):
                archive.write(path, arcname=path.name)
        os.replace(partial, target)
    return counts


def latest_download(target: Path) -> Path:
    """The download's zip, built here only when there is none yet. Refreshing it is the job of
    `flask hsds export --zip` (make serve runs it every PORTAL_HSDS_DOWNLOAD_MAX_AGE_HOURS):
    rebuilt inside requests, every worker spent seconds on it at 10,000 services."""
    if not target.exists():
        export_zip(target)
    return target
