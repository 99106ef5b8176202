"""Reading HSDS as real directories publish it: data packages with their resources in
sub-folders, CSV dialects and encodings, folders without a descriptor, zips, and the byte-level
quirks (BOM, Windows-1252, \\r\\n, quoted new lines, blank trailing rows)."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from portal.hsds.importer import import_source
from portal.hsds.sources import SourceError, read_files, read_path, read_upload
from portal.models import Service
from tests.hsds_spec import spec_dir

MESSY = Path(__file__).parent / "data" / "hsds_messy_1x"
LEGACY = Path(__file__).parent / "data" / "hsds_legacy"
EXAMPLE_SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def rows_of(source, table):
    return {row.values["id"]: row for row in source.rows.get(table, [])}


def test_a_1x_package_is_read_through_its_resources_in_a_sub_folder():
    source = read_path(MESSY)
    assert source.legacy and source.package["version"] == "1.1"
    organizations = rows_of(source, "organization")
    # The BOM is not part of the first header; two blank trailing rows are not records.
    assert set(organizations) == {"1", "2", "3"}
    first = organizations["1"]
    assert first.file == "data/organizations.csv" and first.row == 2
    assert first.values["description"] == "A fictional family agency.\nTwo lines of description."
    # Row numbers count records: the quoted new line in row 2 does not shift row 3.
    assert organizations["2"].row == 3
    services = rows_of(source, "service")
    # Declared windows-1252: en dash, é and curly quotes come through.
    assert (
        services["100"]
        .values["description"]
        .startswith("Counseling for families \u2013 the caf\xe9 room, \u2019quiet\u2019 hours.")
    )
    # The semicolon dialect of locations.csv.
    assert rows_of(source, "location")["11"].values["name"] == "Harbor Light House"
    # phones.csv is Windows-1252 without saying so: read, and noted.
    assert rows_of(source, "phone")["33"].values["description"] == "L\xednea en espa\xf1ol"
    assert ("data/phones.csv", "not UTF-8; read as Windows-1252") in source.notes
    assert not any("README" in file for file, _ in source.notes)


def test_the_same_package_zipped_inside_a_folder_reads_the_same():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in MESSY.rglob("*"):
            if path.is_file():
                archive.write(path, arcname=f"export-2026/{path.relative_to(MESSY).as_posix()}")
    zipped = read_upload("export.zip", buffer.getvalue())
    folder = read_path(MESSY)
    assert {t: sum(1 for _ in r) for t, r in zipped.rows.items()} == {
        t: sum(1 for _ in r) for t, r in folder.rows.items()
    }
    assert zipped.legacy


def test_a_folder_without_a_descriptor_is_searched_in_sub_folders(tmp_path):
    shutil.copytree(LEGACY, tmp_path / "county" / "csv")
    (tmp_path / "county" / "notes.csv").write_text("a,b\n1,2\n")  # not an HSDS name
    source = read_path(tmp_path)
    assert source.legacy
    assert set(rows_of(source, "service")) == {"10", "11", "12", "13", "14"}
    assert not any("notes.csv" in file for file, _ in source.notes)


def test_a_3_0_package_with_resources_in_a_sub_folder_and_a_missing_one(app, db, tmp_path):
    tables = tmp_path / "package" / "tables"
    shutil.copytree(spec_dir() / "examples" / "csv", tables)
    descriptor = json.loads((tables / "datapackage.json").read_text())
    (tables / "datapackage.json").unlink()
    for resource in descriptor["resources"]:
        resource["path"] = f"tables/{resource['path']}"
    descriptor["resources"].append({"name": "gone", "path": "tables/gone.csv"})
    (tmp_path / "package" / "datapackage.json").write_text(json.dumps(descriptor))
    source = read_path(tmp_path / "package")
    assert not source.legacy
    assert ("datapackage.json", "resource 22: tables/gone.csv is missing") in source.notes
    report = import_source(source)
    assert report.fatal is None and db.session.get(Service, EXAMPLE_SERVICE_ID) is not None


def test_resource_dialect_and_encoding_are_used():
    descriptor = {
        "version": "3.0.0",
        "resources": [
            {
                "name": "organization",
                "path": "organizations.csv",
                "encoding": "utf-16",
                "dialect": {"delimiter": "\t", "quoteChar": "'"},
            }
        ],
    }
    text = "id\tname\n1\t'Tabbed\tName'\n"
    source = read_files(
        {
            "datapackage.json": json.dumps(descriptor).encode(),
            "organizations.csv": text.encode("utf-16"),
        }
    )
    assert rows_of(source, "organization")["1"].values["name"] == "Tabbed\tName"


def test_unreadable_packages_fail_clearly():
    with pytest.raises(SourceError, match="not a valid data package descriptor"):
        read_files({"datapackage.json": b"{not json", "services.csv": b"id\n1\n"})
    with pytest.raises(SourceError, match="no HSDS files found"):
        read_files({"datapackage.json": b'{"resources": []}'})
    with pytest.raises(SourceError, match="neither UTF-8 nor Windows-1252"):
        read_files({"services.csv": b"id,name\n1,\x81\x8d\n"})


# --- damaged and oversized input: reported, never a 500 -----------------------------------


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_with_a_bad_crc_is_refused_clearly():
    data = bytearray(zip_of({"services.csv": b"id,name\n" + b"1,Counseling\n" * 50}))
    start = data.index(b"PK\x03\x04")
    crc_at = start + 14
    data[crc_at] ^= 0xFF  # the local header's CRC no longer matches the contents
    data[data.index(b"PK\x01\x02") + 16] ^= 0xFF  # nor the central directory's
    with pytest.raises(SourceError, match=r"services\.csv is damaged"):
        read_upload("export.zip", bytes(data))


def test_a_zip_that_expands_past_the_limit_is_too_large(monkeypatch):
    from portal.hsds import sources

    monkeypatch.setattr(sources, "MAX_UNZIPPED_BYTES", 10_000)
    bomb = zip_of({"services.csv": b"id,name\n" + b"0" * 50_000})
    assert len(bomb) < 1_000
    with pytest.raises(SourceError, match="too many or too large") as caught:
        read_upload("bomb.zip", bomb)
    assert caught.value.too_large


def test_an_oversized_field_ends_the_file_with_a_problem_and_keeps_the_rows_before():
    text = "id,name,status\n1,First,active\n2," + "x" * 200_000 + ",active\n3,Third,active\n"
    source = read_files({"services.csv": text.encode()})
    assert set(rows_of(source, "service")) == {"1"}
    (file, row, kind, reason), *_ = source.issues
    assert (file, row, kind) == ("services.csv", 3, "unreadable CSV row")
    assert "field larger than field limit" in reason


def test_repeated_ids_are_reported():
    text = "id,name,status\n1,First,active\n1,First again,active\n"
    source = read_files({"services.csv": text.encode()})
    assert source.issues == [
        (
            "services.csv",
            3,
            "duplicate id",
            "id '1' repeats row 2; the later row's values are used",
        )
    ]


def test_json_nested_without_end_is_refused_clearly():
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(SourceError, match="nested too deeply"):
        read_files({"services.json": deep.encode()})
    # Valid JSON a few thousand records deep: an organization's service's organization's …
    depth = 3_000
    opening = "".join(
        f'{{"id": "o{n}", "name": "Org", "services": [{{"id": "s{n}", "name": "Service", '
        f'"status": "active", "organization": '
        for n in range(depth)
    )
    text = opening + '{"id": "last", "name": "Org"}' + "}]}" * depth
    with pytest.raises(SourceError, match="nested too deeply"):
        read_files({"organizations.json": text.encode()})


# --- streaming: memory does not grow with the file -----------------------------------------


def open_files() -> set[Path]:
    """The files this process holds open (Linux)."""
    found = set()
    for entry in Path("/proc/self/fd").iterdir():
        try:
            found.add(Path(os.readlink(entry)))
        except OSError:  # the listing's own handle, closed by now
            continue
    return found


def test_rows_are_streamed_from_the_file_not_held_in_memory(app, db, tmp_path):
    import tracemalloc

    rows = 8_000
    description = "A fictional service described at length. " * 50  # about 2 KB a row
    with (tmp_path / "services.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write("id,name,status,description\n")
        for number in range(rows):
            handle.write(f"s{number},Service {number},active,{description}\n")
    size = (tmp_path / "services.csv").stat().st_size
    assert size > 16_000_000
    tracemalloc.start()
    try:
        source = read_path(tmp_path)
        assert sum(1 for _ in source.rows["service"]) == rows
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # What is kept is each row's id (for repeated ids), not the rows: far less than the file.
    assert peak < size / 8
    # Zipped, and saved where an upload is kept: streamed from the zip member too, and the
    # file is open only while a member is read (no handle left for the garbage collector).
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(tmp_path / "services.csv", arcname="services.csv")
    tracemalloc.start()
    try:
        source = read_upload("upload.zip", archive)
        assert archive not in open_files()  # checked, then closed until the rows are read
        assert sum(1 for _ in source.rows["service"]) == rows
        assert archive not in open_files()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size / 8


def test_repeated_ids_are_reported_across_the_batches_they_are_checked_in(monkeypatch):
    from portal.hsds import sources

    monkeypatch.setattr(sources, "CHECK_BATCH", 2)
    text = (
        "id,name,status\n"
        "1,First,active\n"
        "2,Second,active\n"
        "3,Third,active\n"
        "1,First again,active\n"  # a batch after its first row
        "4,Fourth,active\n"
        "1,First a third time,active\n"
    )
    source = read_files({"services.csv": text.encode()})
    assert [row.values["name"] for row in source.rows["service"]][-1] == "First a third time"
    assert source.issues == [
        (
            "services.csv",
            5,
            "duplicate id",
            "id '1' repeats row 2; the later row's values are used",
        ),
        (
            "services.csv",
            7,
            "duplicate id",
            "id '1' repeats row 2; the later row's values are used",
        ),
    ]


def test_json_files_are_read_a_record_at_a_time_not_held_in_memory(tmp_path):
    import tracemalloc

    records = 8_000
    description = "A fictional service described at length. " * 50  # about 2 KB a record
    services = [
        {"id": f"s{n}", "name": f"Service {n}", "status": "active", "description": description}
        for n in range(records)
    ]
    shapes = {
        "array/services.json": lambda handle: _write_array(handle, services),
        "page/services.json": lambda handle: (
            handle.write('{"total_items": 8000, "contents": '),
            _write_array(handle, services),
            handle.write("}"),
        ),
        "lines/services.ndjson": lambda handle: handle.writelines(
            json.dumps(s) + "\n" for s in services
        ),
    }
    for name, write in shapes.items():
        path = tmp_path / name
        path.parent.mkdir()
        with path.open("w", encoding="utf-8") as handle:
            write(handle)
        size = path.stat().st_size
        assert size > 16_000_000
        tracemalloc.start()
        try:
            source = read_path(path.parent)
            walked = sum(1 for _ in source.rows["service"])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert walked == records
        # What is held is a record or a chunk of the file (and a bufferful of rows waiting to
        # be written to the temporary file), not the file.
        assert peak < size / 8, name


def _write_array(handle, items) -> None:
    handle.write("[")
    for n, item in enumerate(items):
        handle.write(("," if n else "") + json.dumps(item))
    handle.write("]")


def test_a_json_error_late_in_a_large_file_names_its_line_and_a_huge_record_is_refused(
    monkeypatch,
):
    from portal.hsds import sources

    monkeypatch.setattr(sources, "JSON_CHUNK", 64)  # the file comes in many small pieces
    lines = [json.dumps({"id": f"s{n}", "name": "Service", "status": "active"}) for n in range(50)]
    broken = "[\n" + ",\n".join(lines) + ',\n{"id": "late" "name": 1}\n]'
    with pytest.raises(SourceError, match=r"not valid JSON \(Expecting ',' delimiter at line 52\)"):
        read_files({"services.json": broken.encode()})
    with pytest.raises(SourceError, match="Extra data at line 2"):
        read_files({"services.json": b'[{"id": "s1"}]\n[]'})
    monkeypatch.setattr(sources, "MAX_JSON_RECORD", 1_000)
    huge = json.dumps([{"id": "s1", "name": "x" * 5_000, "status": "active"}])
    with pytest.raises(SourceError, match="larger than") as caught:
        read_files({"services.json": huge.encode()})
    assert caught.value.too_large
    # The tabular form, and one record whose fields are read one by one.
    tabular = {"services.csv": [{"id": "s1", "name": "Tabular", "status": "active"}]}
    source = read_files({"export.json": json.dumps(tabular).encode()})
    assert [row.values["name"] for row in source.rows["service"]] == ["Tabular"]
    one = {"id": "s2", "name": "One", "status": "active", "phones": [{"id": "p1", "number": "1"}]}
    source = read_files({"services.json": json.dumps(one).encode()})
    assert set(rows_of(source, "service")) == {"s2"}
    assert rows_of(source, "phone")["p1"].values["service_id"] == "s2"


def test_the_scratch_database_can_be_closed_by_another_thread():
    # A source read in a web request is finalised by whichever thread drops it last.
    import threading

    from portal.hsds.scratch import Scratch

    scratch = Scratch()
    scratch.add("service", [("s-1", 2)])
    errors: list[BaseException] = []

    def close() -> None:
        try:
            scratch.close()
        except BaseException as error:  # the test reports whatever it was
            errors.append(error)

    closer = threading.Thread(target=close)
    closer.start()
    closer.join()
    assert errors == []
