"""HSDS import: the official examples, the 3.0 CSV package, a legacy 2.0 CSV folder, JSON
shapes, idempotence, dry runs, reports of bad rows, rollback on fatal errors, the search index
and the CLI."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db as _db
from portal.hsds.importer import import_source
from portal.hsds.sources import SourceError, read_path, read_upload
from portal.hsds.tables import TABLES, hsds_id
from portal.models import (
    Address,
    Attribute,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    TaxonomyTerm,
)
from portal.search import SearchParams, rebuild_index, search_services
from tests.hsds_spec import spec_dir

LEGACY = Path(__file__).parent / "data" / "hsds_legacy"
EXAMPLE_SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def row_counts() -> dict[str, int]:
    return {t.name: _db.session.scalar(select(func.count()).select_from(t.model)) for t in TABLES}


def problems_of(report) -> list[tuple]:
    return [(p.file, p.row, p.field, p.reason) for p in report.problems]


# --- the official examples ----------------------------------------------------------------


def test_official_csv_example_imports_and_its_broken_keys_are_reported(app, db):
    report = import_source(read_path(spec_dir() / "examples" / "csv"))
    assert report.fatal is None
    counts = row_counts()
    assert all(
        counts[t] == 1
        for t in (
            "organization",
            "service",
            "location",
            "address",
            "service_at_location",
            "phone",
            "schedule",
            "contact",
            "taxonomy",
            "taxonomy_term",
            "language",
            "metadata",
        )
    )
    dangling = {(p.file, p.field) for p in report.problems if "bad foreign key" in p.reason}
    # The four broken keys SOURCE.md lists (the example's self references dangle too).
    assert {
        ("locations.csv", "location.organization_id"),
        ("contacts.csv", "contact.organization_id"),
        ("contacts.csv", "contact.service_at_location_id"),
        ("taxonomy_terms.csv", "taxonomy_term.taxonomy_id"),
    } <= dangling
    assert all(p.row == 2 for p in report.problems if p.file.endswith(".csv") and p.row)
    location = db.session.scalars(select(Location)).one()
    assert location.organization_id is None and location.name == "MyCity Civic Center"
    service = db.session.get(Service, EXAMPLE_SERVICE_ID)
    assert service.name == "Community Counselling" and service.minimum_age == 12
    assert service.last_modified.isoformat().startswith("2023-03-15T10:30:45.123")


def test_official_json_examples_import(app, db):
    report = import_source(read_path(spec_dir() / "examples"))
    assert report.fatal is None
    service = db.session.get(Service, EXAMPLE_SERVICE_ID)
    assert service is not None and service.organization.name == "Example Organization Inc."
    # The examples reuse one phone (and schedule) id in several places: one record each.
    assert db.session.scalars(select(Phone).where(Phone.service_id == service.id)).all()
    assert service.service_at_locations
    assert service.service_at_locations[0].location.addresses
    assert db.session.scalar(select(func.count()).select_from(Service)) == 1
    # base.json (the API root) and the tabular example's table-description rows are noted.
    assert any(p.file == "base.json" for p in report.problems)


# --- idempotence, dry run, fatal errors ---------------------------------------------------


def test_a_second_import_updates_and_never_duplicates(app, db, tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(spec_dir() / "examples" / "csv", folder)
    first = import_source(read_path(folder))
    before = row_counts()
    assert first.counts["service"].created == 1
    services = (folder / "services.csv").read_text()
    (folder / "services.csv").write_text(
        services.replace("Community Counselling", "Community Counseling Center")
    )
    second = import_source(read_path(folder))
    assert row_counts() == before
    assert (second.counts["service"].created, second.counts["service"].updated) == (0, 1)
    assert db.session.get(Service, EXAMPLE_SERVICE_ID).name == "Community Counseling Center"


def test_a_dry_run_reports_the_same_and_writes_nothing(app, db):
    before = row_counts()
    dry = import_source(read_path(spec_dir() / "examples" / "csv"), dry_run=True)
    assert row_counts() == before
    assert dry.dry_run and dry.counts["service"].created == 1
    real = import_source(read_path(spec_dir() / "examples" / "csv"))
    assert problems_of(real) == problems_of(dry)
    assert {t: (c.created, c.skipped) for t, c in real.counts.items()} == {
        t: (c.created, c.skipped) for t, c in dry.counts.items()
    }


def test_unreadable_input_is_fatal_and_writes_nothing(app, db, tmp_path):
    folder = tmp_path / "json"
    folder.mkdir()
    shutil.copy(spec_dir() / "examples" / "service_full.json", folder / "service_full.json")
    (folder / "broken.json").write_text('{"id": "x", ')
    with pytest.raises(SourceError, match=r"broken\.json: not valid JSON"):
        read_path(folder)
    for name, data in [
        ("latin1.csv", "name\ncaf\xe9".encode("latin-1")),
        ("archive.zip", b"not a zip"),
        ("notes.txt", b"hello"),
    ]:
        with pytest.raises(SourceError):
            read_upload(name, data)


def test_a_database_error_rolls_everything_back(app, db, monkeypatch):
    from portal.hsds import importer

    before = row_counts()
    real_write = importer._write

    def failing_write(table, creates, updates):
        real_write(table, creates, updates)
        if table.name == "schedule":  # after organizations, services, locations … were written
            db.session.execute(_db.text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(importer, "_write", failing_write)
    report = import_source(read_path(spec_dir() / "examples" / "csv"))
    assert report.fatal and "nothing was saved" in report.fatal
    assert row_counts() == before


# --- bad rows ----------------------------------------------------------------------------


def test_legacy_csv_imports_good_rows_and_reports_bad_ones(app, db):
    report = import_source(read_path(LEGACY))
    assert report.fatal is None
    found = problems_of(report)
    assert (
        "services.csv",
        5,
        "service.organization_id",
        f"bad foreign key: no organization has id {hsds_id('99')}; row skipped",
    ) in found
    assert ("services.csv", 6, "service.name", "missing required field") in found
    assert any(
        p[:3] == ("locations.csv", 3, "location.latitude") and "not a number" in p[3] for p in found
    )
    assert ("phones.csv", 4, "phone.number", "missing required field") in found
    # "5pm" is read (portal.hsds.lenient), and the change is reported.
    assert (
        "regular_schedules.csv",
        4,
        "schedule.opens_at",
        "time written as text (9:00am, noon, 0900): '5pm' read as '17:00'",
    ) in found
    assert report.counts["service"].created == 3 and report.counts["service"].skipped == 2

    evening = db.session.get(Service, hsds_id("10"))
    assert evening.organization.name == "Maple Hollow Counseling Cooperative"
    assert evening.organization.website == "https://maple-hollow.example.org"
    assert evening.eligibility_description == "Adults 18 and older"
    assert db.session.get(Service, hsds_id("11")).status == "active"  # 1.x: no status given
    assert db.session.get(Service, hsds_id("12")).status == "inactive"
    assert sorted((s.byday, s.opens_at.hour) for s in evening.schedules) == [
        ("MO", 17),
        ("WE", 17),
        ("WE", 17),
    ]
    assert {(a.address_type, a.address_1) for a in db.session.scalars(select(Address))} == {
        ("physical", "400 Example Avenue"),
        ("postal", "PO Box 555"),
    }
    assert (
        db.session.get(Location, hsds_id("20")).accessibility[0].description
        == "Wheelchair accessible entrance"
    )
    family = db.session.get(TaxonomyTerm, hsds_id("91"))
    assert family.parent.name == "Counseling" and family.taxonomy == "Sample categories"
    assert db.session.scalar(select(func.count()).select_from(Attribute)) == 2
    assert [language.name for language in evening.languages] == ["Spanish"]
    assert db.session.get(Phone, hsds_id("40")).extension == 12


def test_legacy_import_is_idempotent(app, db):
    import_source(read_path(LEGACY))
    before = row_counts()
    again = import_source(read_path(LEGACY))
    assert row_counts() == before
    assert again.counts["organization"].updated == 2 and again.counts["organization"].created == 0


def test_bad_values_in_3_0_csv_are_reported_by_file_row_and_field(app, db, tmp_path):
    folder = tmp_path / "package"
    shutil.copytree(spec_dir() / "examples" / "csv", folder)
    with open(folder / "services.csv", "a", encoding="utf-8") as handle:
        handle.write(
            "11111111-1111-4111-8111-111111111111,d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610,,"
            "Second Service,,,,,closed,,,,,,,,twelve,,,,,,\n"
        )
    report = import_source(read_path(folder))
    found = problems_of(report)
    assert any(
        p[:3] == ("services.csv", 3, "service.status") and "not one of" in p[3] for p in found
    )
    assert any(p[:3] == ("services.csv", 3, "service.minimum_age") for p in found)
    assert report.counts["service"].skipped == 1 and report.counts["service"].created == 1


def test_json_list_page_and_nested_organization(app, db, tmp_path):
    organization = json.loads((spec_dir() / "examples" / "organization_full.json").read_text())
    page = {"total_items": 1, "contents": [organization]}
    path = tmp_path / "organizations.json"
    path.write_text(json.dumps(page))
    report = import_source(read_path(path))
    assert report.fatal is None
    imported = db.session.get(Organization, organization["id"])
    assert {s.id for s in imported.services} == {s["id"] for s in organization["services"]}
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([organization]))
    assert import_source(read_path(listed)).counts["organization"].updated == 1


def test_zip_uploads_are_read_as_folders(app, db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (spec_dir() / "examples" / "csv").iterdir():
            archive.write(path, arcname=f"package/{path.name}")
    report = import_source(read_upload("package.zip", buffer.getvalue()))
    assert report.counts["service"].created == 1


# --- the search index ---------------------------------------------------------------------


def test_the_search_index_is_current_after_an_import(app, db):
    rebuild_index()
    import_source(read_path(LEGACY))
    found = search_services(SearchParams(q="evening counseling"))
    assert hsds_id("10") in found.service_ids
    assert (
        hsds_id("12") not in search_services(SearchParams(q="peer recovery coaching")).service_ids
    )


def test_a_large_import_rebuilds_the_index(app, db, monkeypatch):
    from portal.hsds import importer

    monkeypatch.setattr(importer, "OUTBOX_LIMIT", 5)
    import_source(read_path(LEGACY))
    assert hsds_id("10") in search_services(SearchParams(q="evening counseling")).service_ids


# --- CLI ----------------------------------------------------------------------------------


def test_cli_import_reports_problems_summary_and_rate(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hsds", "import", str(LEGACY), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "e.g. services.csv, row 6, field service.name: missing required field" in result.output
    assert "would be written (dry run, nothing saved)" in result.output
    assert "rows/s" in result.output
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0
    result = runner.invoke(args=["hsds", "import", str(LEGACY)])
    assert result.exit_code == 0
    assert (
        "service" in result.output
        and db.session.scalar(select(func.count()).select_from(Schedule)) == 3
    )


def test_cli_import_of_a_missing_path_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["hsds", "import", "/no/such/folder"])
    assert result.exit_code != 0 and "Nothing was imported" in result.output


# --- batches: what spans them -------------------------------------------------------------


def test_rows_in_different_batches_still_see_each_other(app, db, monkeypatch):
    from portal.hsds import importer
    from portal.hsds.sources import read_files

    monkeypatch.setattr(importer, "BATCH", 2)
    organizations = (
        "id,name,description,parent_organization_id\n"
        "o1,Child Agency,,o4\n"  # its parent comes two batches later
        "o2,Second Agency,,\n"
        "o3,Orphan Agency,,nowhere\n"
        "o4,Parent Agency,,\n"
        "o2,Second Agency,Said later,\n"  # the same record again, in another batch
    )
    report = import_source(read_files({"organizations.csv": organizations.encode()}))
    assert report.fatal is None
    assert report.counts["organization"].created == 4
    child = db.session.get(Organization, hsds_id("o1"))
    assert child.parent_organization_id == hsds_id("o4")
    second = db.session.get(Organization, hsds_id("o2"))
    assert (second.name, second.description) == ("Second Agency", "Said later")
    assert db.session.get(Organization, hsds_id("o3")).parent_organization_id is None
    assert [p[:3] for p in problems_of(report) if "foreign key" in p[3]] == [
        ("organizations.csv", 4, "organization.parent_organization_id")
    ]


def test_repeated_ids_across_batches_are_reported_and_counted_once(app, db, monkeypatch):
    from portal.hsds import importer, sources
    from portal.hsds.sources import read_files

    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(sources, "CHECK_BATCH", 2)
    files = {
        "organizations.csv": b"id,name,description\no1,Agency,\n",
        "services.csv": (
            b"id,name,status,organization_id\n"
            b"s1,First,active,o1\n"
            b"s2,Second,active,o1\n"
            b"s3,Third,active,o1\n"
            b"s1,First again,active,o1\n"  # two batches after its first row
            b"s4,Fourth,active,nowhere\n"  # skipped: a service needs its organization
        ),
    }
    repeated = ("services.csv", 5, None, "id 's1' repeats row 2; the later row's values are used")
    report = import_source(read_files(files))
    counts = report.counts["service"]
    assert (counts.created, counts.updated, counts.skipped) == (3, 0, 1)
    assert repeated in problems_of(report)
    assert db.session.get(Service, hsds_id("s1")).name == "First again"
    assert [p[:3] for p in problems_of(report) if "foreign key" in p[3]] == [
        ("services.csv", 6, "service.organization_id")
    ]
    again = import_source(read_files(files))
    counts = again.counts["service"]
    assert (counts.created, counts.updated, counts.skipped) == (0, 3, 1)
    assert repeated in problems_of(again)
    assert row_counts()["service"] == 3


def test_what_the_import_keeps_from_batch_to_batch_does_not_grow_with_the_file(
    app, db, monkeypatch, tmp_path
):
    import tracemalloc

    from portal.hsds import importer, sources

    monkeypatch.setattr(importer, "BATCH", 200)
    monkeypatch.setattr(sources, "CHECK_BATCH", 200)
    peaks = {}
    for count in (1_000, 11_000):
        folder = tmp_path / str(count)
        folder.mkdir()
        (folder / "organizations.csv").write_text("id,name,description\no1,Agency,\n")
        with (folder / "services.csv").open("w", encoding="utf-8") as handle:
            handle.write("id,name,status,organization_id\n")
            handle.writelines(f"s{count}-{n},Service {n},active,o1\n" for n in range(count))
        source = read_path(folder)
        tracemalloc.start()
        try:
            report = import_source(source, dry_run=True)
            _, peaks[count] = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert report.counts["service"].created == count
    # Ten thousand more rows; kept as ids in memory they would take megabytes.
    assert peaks[11_000] - peaks[1_000] < 300_000, peaks


def test_a_large_import_leaves_the_planner_statistics_current(app, db, monkeypatch):
    """On PostgreSQL the planner must know the imported tables' sizes before the rebuild reads
    them (with no statistics it scans and sorts whole tables for every batch); SQLite's plans
    here do not use statistics, and it is left without them. (PostgreSQL writes the estimate
    outside the transaction, so a rolled-back test does not undo it.)"""
    from portal.hsds import importer

    monkeypatch.setattr(importer, "OUTBOX_LIMIT", 5)
    on_postgres = db.engine.dialect.name == "postgresql"
    estimate = (
        "SELECT reltuples FROM pg_class WHERE oid = 'service'::regclass"
        if on_postgres
        else "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
    )
    import_source(read_path(LEGACY))
    imported = db.session.scalar(select(func.count()).select_from(Service))
    assert imported
    assert db.session.scalar(text(estimate)) == (imported if on_postgres else 0)
