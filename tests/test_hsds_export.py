"""HSDS export: the CSV data package and JSON, public data only, and the round trip
export → import into an empty database → export giving identical files."""

from __future__ import annotations

import csv
import filecmp
import io
import json
import zipfile

from portal.catalog.seed import load_sample_catalog
from portal.hsds.export import export_csv, export_json, export_zip
from portal.hsds.importer import import_source
from portal.hsds.sources import read_path
from portal.hsds.tables import HSDS_3_1_TABLES
from tests.database import built_once
from tests.factories import PhoneFactory, ServiceFactory
from tests.hsds_spec import spec_dir
from tests.hsds_validation import errors


@built_once
def sample_catalog(db):
    load_sample_catalog(db.session)


def csv_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def same_files(left, right) -> list[str]:
    """Names of files that differ or exist on one side only."""
    comparison = filecmp.dircmp(left, right)
    names = comparison.left_only + comparison.right_only + comparison.diff_files
    _, mismatch, failed = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    return sorted(set(names + mismatch + failed))


def test_csv_package_follows_the_official_descriptor(app, db, tmp_path, sample_catalog):
    counts = export_csv(tmp_path)
    official = json.loads((spec_dir() / "datapackage.json").read_text())
    later = json.loads((spec_dir() / "3.1-dev" / "datapackage.json").read_text())
    # The two HSDS 3.1 tables the portal carries alongside 3.0, declared in the package.
    official["resources"] += [r for r in later["resources"] if r["name"] in HSDS_3_1_TABLES]
    official_fields = {
        r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in official["resources"]
    }
    for name in HSDS_3_1_TABLES:  # the 3.1-dev descriptor lists few fields; its schemas all
        schema = json.loads((spec_dir() / "3.1-dev" / "schema" / f"{name}.json").read_text())
        official_fields[name] = list(schema["properties"])
    official_paths = {r["name"]: r["path"] for r in official["resources"]}
    ours = json.loads((tmp_path / "datapackage.json").read_text())
    assert ours["profile"] == "tabular-data-package"
    assert ours["hsds_profile"] == {
        "version": "3.0",
        "tables_from_3_1": ["service_capacity", "unit"],
    }
    assert len(csv_rows(tmp_path / "service_capacity.csv")) == counts["service_capacity"] > 0
    for resource in ours["resources"]:
        assert official_paths[resource["name"]] == resource["path"]
        with open(tmp_path / resource["path"], newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        assert set(header) <= set(official_fields[resource["name"]]), resource["name"]
        assert resource["schema"]["primaryKey"] == "id"
    assert counts["service"] == len(csv_rows(tmp_path / "services.csv")) > 100
    assert "accepting_new_clients" not in (tmp_path / "services.csv").read_text().splitlines()[0]


def test_only_public_listings_are_exported(app, db, tmp_path):
    hidden = ServiceFactory(name="Closed Evening Clinic", status="defunct")
    PhoneFactory(service_id=hidden.id, number="703-555-0188")
    shown = ServiceFactory(name="Open Evening Clinic")
    db.session.commit()
    export_csv(tmp_path)
    export_json(tmp_path)
    services = {row["id"] for row in csv_rows(tmp_path / "services.csv")}
    assert shown.id in services and hidden.id not in services
    assert "703-555-0188" not in (tmp_path / "phones.csv").read_text()
    assert hidden.id not in (tmp_path / "services.json").read_text()
    assert hidden.id not in (tmp_path / "organizations.json").read_text()


def test_json_export_validates_against_the_hsds_schemas(app, db, tmp_path, sample_catalog):
    counts = export_json(tmp_path)
    services = json.loads((tmp_path / "services.json").read_text())
    assert len(services) == counts["services"] > 100
    for service in services[:20]:
        assert errors("compiled/service.json", service) == []
    for organization in json.loads((tmp_path / "organizations.json").read_text())[:10]:
        assert errors("compiled/organization.json", organization) == []
    for term in json.loads((tmp_path / "taxonomy_terms.json").read_text())[:10]:
        assert errors("taxonomy_term.json", term) == []


def import_into_an_empty_database(db, folder) -> None:
    db.session.remove()  # PostgreSQL: DROP TABLE waits for every open transaction
    db.drop_all()
    db.create_all()
    report = import_source(read_path(folder))
    assert report.fatal is None and report.problems == []


def test_round_trip_of_the_sample_catalog_gives_identical_files(app, db, tmp_path, sample_catalog):
    first, second = tmp_path / "first", tmp_path / "second"
    export_csv(first)
    export_json(first)
    import_into_an_empty_database(db, first)
    export_csv(second)
    export_json(second)
    assert same_files(first, second) == []


def test_json_export_imports_back_to_the_same_package(app, db, tmp_path, sample_catalog):
    package, json_only, again = tmp_path / "package", tmp_path / "json", tmp_path / "again"
    export_csv(package)
    export_json(json_only)
    import_into_an_empty_database(db, json_only)
    export_csv(again)
    assert same_files(package, again) == []


def test_zip_and_cli_export(app, db, tmp_path, sample_catalog):
    counts = export_zip(tmp_path / "download" / "hsds.zip")
    with zipfile.ZipFile(tmp_path / "download" / "hsds.zip") as archive:
        names = set(archive.namelist())
    assert "datapackage.json" in names and "services.csv" in names
    assert counts["service"] > 100
    app.config["PORTAL_HSDS_DOWNLOAD_PATH"] = str(tmp_path / "site.zip")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hsds", "export", str(tmp_path / "out"), "--zip"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "services.json").exists() and (tmp_path / "site.zip").exists()
    assert runner.invoke(args=["hsds", "export"]).exit_code != 0


def test_footer_download_serves_the_latest_package(app, db, client, sample_catalog):
    assert 'href="/api/datapackage.zip"' in client.get("/").get_data(as_text=True)
    response = client.get("/api/datapackage.zip")  # missing: built on demand
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert "services.csv" in archive.namelist()
    modified = response.headers["Last-Modified"]
    response.close()
    again = client.get("/api/datapackage.zip", headers={"If-Modified-Since": modified})
    again.close()
    assert again.status_code == 304
