"""Reading HSDS files into rows per table, before any checking.

Understood: HSDS 3.0 JSON (one object, a list, an API Page, or a folder of such files), the
HSDS 3.0 CSV data package (datapackage.json + CSVs), and the older HSDS 1.x/2.0 CSV layout
(organizations.csv, services.csv, services_at_location.csv, physical_addresses.csv,
regular_schedules.csv, …). A zip file of any of these is read as its folder.

Which files: a datapackage.json at the top names them (its resources' paths, CSV dialects and
encodings); without one, the known file names are searched for in sub-folders too.

Memory does not grow with the file. CSV files are streamed: reading checks each file once
(its encoding, and for a zip its size and CRC) and keeps only how to open it; its rows are
parsed each time the importer walks them. JSON files (one record, a list, a Page, the tabular
form, or ndjson: one record a line) are read one record at a time (_JsonText), and the rows
flattened from each record are kept in a temporary file per table (_Spill), as HSDS JSON
nests records of several tables in one another. Repeated ids are found through a scratch
database (portal.hsds.scratch), not a set in memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import posixpath
import re
import tempfile
import uuid
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from portal import spreadsheets
from portal.hsds.scratch import Scratch
from portal.hsds.tables import BY_CSV, BY_NAME

MAX_ZIP_MEMBERS = 200
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
READ_CHUNK = 256 * 1024
# One JSON record (an item of a list, a field of the top object) read at once: HSDS records
# are far smaller; a larger one is refused rather than held in memory.
MAX_JSON_RECORD = 16 * 1024 * 1024
JSON_CHUNK = 64 * 1024  # characters read at a time, more for a record that is longer
MAX_DESCRIPTOR_BYTES = 4 * 1024 * 1024
CHECK_BATCH = 5_000  # CSV ids checked for repeats together
JSON_SUFFIXES = (".json", ".ndjson", ".jsonl")
SERVICE, ELIGIBILITY = "service", "eligibility"  # scratch kinds of 1.x eligibility
LEGACY_NAMESPACE = uuid.UUID("c3e1a0d4-6b7f-4e59-8a21-3f5d9b0c7e64")


class SourceError(Exception):
    """The input cannot be read at all (the import stops and writes nothing). `too_large`:
    refused for its size (an upload answers 413), otherwise for its content (422)."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


@dataclass
class SourceRow:
    file: str
    row: int | None  # CSV line number, or the position of the object in a JSON file
    values: dict


Opener = Callable[[], IO[bytes]]
Issue = tuple[str, int | None, str, str]  # (file, row, kind, reason)


class _Spill:
    """Rows read from JSON, kept in a temporary file (a JSON line each) until walked. The file
    is opened only to write a bufferful or to walk it, and removed with this object."""

    BUFFER_CHARS = 128 * 1024

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="hsds-rows-", suffix=".jsonl")
        os.close(handle)
        self.path = name
        self.buffer: list[str] = []
        self.buffered = 0
        weakref.finalize(self, _remove, name)

    def append(self, row: SourceRow) -> None:
        line = json.dumps([row.file, row.row, row.values], ensure_ascii=False)
        self.buffer.append(line)
        self.buffered += len(line)
        if self.buffered >= self.BUFFER_CHARS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            with open(self.path, "a", encoding="utf-8") as handle:
                for line in self.buffer:
                    handle.write(line + "\n")
            self.buffer, self.buffered = [], 0

    def __iter__(self) -> Iterator[SourceRow]:
        self.flush()
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                file, row, values = json.loads(line)
                yield SourceRow(file, row, values)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class Rows:
    """One table's rows in file order: rows read from JSON (kept in a temporary file) and
    CSV streams, which are parsed again each time the rows are walked."""

    def __init__(self) -> None:
        self.parts: list[_Spill | CsvStream] = []

    def append(self, row: SourceRow) -> None:
        last = self.parts[-1] if self.parts else None
        if not isinstance(last, _Spill):
            last = _Spill()
            self.parts.append(last)
        last.append(row)

    def stream(self, stream: CsvStream) -> None:
        self.parts.append(stream)

    def __iter__(self) -> Iterator[SourceRow]:
        for part in self.parts:
            yield from part


@dataclass
class Source:
    rows: dict[str, Rows] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file, what was left out)
    legacy: bool = False
    package: dict | None = None  # the datapackage.json descriptor, when there is one
    # Rows read with a problem (a repeated id, a field too long), per file: a stream's list
    # is replaced each time it is walked to the end.
    file_issues: dict[str, list[Issue]] = field(default_factory=dict)
    streams: list[CsvStream] = field(default_factory=list)

    def add(self, table: str, row: SourceRow) -> None:
        self.rows.setdefault(table, Rows()).append(row)

    @property
    def issues(self) -> list[Issue]:
        """Every file's row problems (a stream not yet walked to its end is walked now)."""
        for stream in self.streams:
            if stream.name not in self.file_issues:
                for _ in stream:
                    pass
        return [issue for issues in self.file_issues.values() for issue in issues]


# --- JSON -------------------------------------------------------------------------------

# Nested key of an object -> (child table, how it hangs on the parent).
# "child": the child gets the parent's id in the named field; "parent": the parent gets the
# child's id in the named field; "link": an attribute or metadata row about the parent.
NESTED = {
    "service": {
        "phones": ("phone", "child", "service_id"),
        "schedules": ("schedule", "child", "service_id"),
        "service_areas": ("service_area", "child", "service_id"),
        "service_at_locations": ("service_at_location", "child", "service_id"),
        "languages": ("language", "child", "service_id"),
        "organization": ("organization", "parent", "organization_id"),
        "funding": ("funding", "child", "service_id"),
        "cost_options": ("cost_option", "child", "service_id"),
        "program": ("program", "parent", "program_id"),
        "required_documents": ("required_document", "child", "service_id"),
        "contacts": ("contact", "child", "service_id"),
        "capacities": ("service_capacity", "child", "service_id"),  # HSDS 3.1
    },
    "service_capacity": {"unit": ("unit", "parent", "unit_id")},
    "organization": {
        "funding": ("funding", "child", "organization_id"),
        "contacts": ("contact", "child", "organization_id"),
        "phones": ("phone", "child", "organization_id"),
        "locations": ("location", "child", "organization_id"),
        "programs": ("program", "child", "organization_id"),
        "organization_identifiers": ("organization_identifier", "child", "organization_id"),
        "services": ("service", "child", "organization_id"),
    },
    "location": {
        "languages": ("language", "child", "location_id"),
        "addresses": ("address", "child", "location_id"),
        "contacts": ("contact", "child", "location_id"),
        "accessibility": ("accessibility", "child", "location_id"),
        "phones": ("phone", "child", "location_id"),
        "schedules": ("schedule", "child", "location_id"),
    },
    "service_at_location": {
        "contacts": ("contact", "child", "service_at_location_id"),
        "phones": ("phone", "child", "service_at_location_id"),
        "schedules": ("schedule", "child", "service_at_location_id"),
        "location": ("location", "parent", "location_id"),
        "service": ("service", "parent", "service_id"),
    },
    "phone": {"languages": ("language", "child", "phone_id")},
    "contact": {"phones": ("phone", "child", "contact_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "parent", "taxonomy_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "parent", "taxonomy_term_id")},
}
LINKS = {
    "attributes": ("attribute", "link_id", "link_entity"),
    "metadata": ("metadata", "resource_id", "resource_type"),
}
# Telling a top-level object's table from its fields, when the file name does not say.
_SIGNS = (
    ("service_at_location", {"service_id", "location_id"}),
    ("service", {"status"}),
    (
        "organization",
        {
            "services",
            "organization_identifiers",
            "legal_status",
            "website",
            "year_incorporated",
            "locations",
            "programs",
        },
    ),
    ("location", {"location_type", "addresses", "latitude"}),
    ("taxonomy_term", {"taxonomy_id", "parent_id", "code", "term_uri", "taxonomy_detail"}),
    ("taxonomy", {"version", "uri"}),
)


def _table_of(obj: dict, hint: str) -> str | None:
    for table in sorted(BY_NAME, key=len, reverse=True):
        if hint.startswith(table):
            return table
    if obj.get("id") is None:
        return None
    for table, signs in _SIGNS:
        if signs & obj.keys():
            return table
    return None


def _flatten(source: Source, table: str, obj: dict, file: str, position: int) -> None:
    values: dict[str, Any] = {}
    for key, value in obj.items():
        nested = NESTED.get(table, {}).get(key)
        if key in LINKS and isinstance(value, list):
            child_table, link_field, entity_field = LINKS[key]
            for item in value:
                if isinstance(item, dict):
                    item = {link_field: obj.get("id"), entity_field: table, **item}
                    _flatten(source, child_table, item, file, position)
        elif nested and isinstance(value, (list, dict)):
            child_table, how, key_field = nested
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict):
                    continue
                if how == "child":
                    item = {key_field: obj.get("id"), **item}
                elif child_table == "program":  # a service's program is its organization's
                    organization = obj.get("organization")
                    item = {
                        "organization_id": obj.get("organization_id")
                        or (organization.get("id") if isinstance(organization, dict) else None),
                        **item,
                    }
                elif item.get("id") is not None:
                    values.setdefault(key_field, item["id"])
                _flatten(source, child_table, item, file, position)
        else:
            values[key] = value
    source.add(table, SourceRow(file=file, row=position, values=values))


class _JsonText:
    """JSON read one value at a time from a text stream: what is held is the value being
    read (up to MAX_JSON_RECORD), never the whole file."""

    SPACE = re.compile(r"[ \t\n\r]*")

    def __init__(self, text: IO[str], name: str) -> None:
        self.text, self.name = text, name
        self.buffer, self.at, self.line, self.ended = "", 0, 1, False
        self.decoder = json.JSONDecoder()

    def more(self, size: int) -> bool:
        chunk = self.text.read(size)
        if not chunk:
            self.ended = True
            return False
        self.line += self.buffer.count("\n", 0, self.at)
        self.buffer = self.buffer[self.at :] + chunk
        self.at = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self.at = self.SPACE.match(self.buffer, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.buffer):
                return self.buffer[self.at]
            if not self.more(JSON_CHUNK):
                return ""

    def line_at(self, position: int) -> int:
        return self.line + self.buffer.count("\n", 0, position)

    def fail(self, message: str, position: int | None = None) -> SourceError:
        line = self.line_at(self.at if position is None else position)
        return SourceError(f"{self.name}: not valid JSON ({message} at line {line})")

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"Expecting {char!r}")
        self.at += 1

    def value(self) -> Any:
        """The next whole value. A value cut off by the end of what was read fails to parse
        (or, a number, reads short): more is read, at least doubling what is held, and it is
        parsed again."""
        while True:
            self.peek()
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.at)
            except json.JSONDecodeError as error:
                if self.ended:
                    raise self.fail(error.msg, error.pos) from None
            else:
                if end < len(self.buffer) or self.ended:
                    self.at = end
                    return value
            held = len(self.buffer) - self.at
            if held > MAX_JSON_RECORD:
                raise SourceError(
                    f"{self.name}: the record at line {self.line_at(self.at)} is larger than "
                    f"{MAX_JSON_RECORD // (1024 * 1024)} MB",
                    too_large=True,
                )
            self.more(max(JSON_CHUNK, held))

    def items(self) -> Iterator[Any]:
        """The values of the array that comes next, one at a time."""
        self.expect("[")
        if self.peek() == "]":
            self.at += 1
            return
        while True:
            yield self.value()
            following = self.peek()
            self.at += 1
            if following == "]":
                return
            if following != ",":
                raise self.fail("Expecting ',' delimiter", self.at - 1)

    def members(self) -> Iterator[str]:
        """The keys of the object that comes next; the caller reads each one's value."""
        self.expect("{")
        if self.peek() == "}":
            self.at += 1
            return
        while True:
            if self.peek() != '"':
                raise self.fail("Expecting property name enclosed in double quotes")
            key = self.value()
            self.expect(":")
            yield key
            following = self.peek()
            self.at += 1
            if following == "}":
                return
            if following != ",":
                raise self.fail("Expecting ',' delimiter", self.at - 1)

    def end(self) -> None:
        if self.peek():
            raise self.fail("Extra data")


def _record(source: Source, name: str, hint: str, item: Any, position: int) -> None:
    table = _table_of(item, hint) if isinstance(item, dict) else None
    if table is None:
        source.notes.append((name, f"item {position} is not an HSDS record; skipped"))
        return
    _flatten(source, table, item, name, position)


def _read_json_document(source: Source, name: str, reader: _JsonText) -> None:
    """One JSON document: a list of records, an API Page ({"contents": [...], …}), the
    tabular form ({"services.csv": [row, …], …}) or one record. Lists are read item by item;
    the fields of one record are read whole."""
    hint = Path(name).stem.lower()
    first = reader.peek()
    if first == "[":
        for position, item in enumerate(reader.items(), start=1):
            _record(source, name, hint, item, position)
        reader.end()
        return
    if first != "{":
        reader.value()  # a syntax error is said as such
        raise SourceError(f"{name}: expected an HSDS object, a list or a Page")
    fields: dict[str, Any] = {}
    listed = False  # a Page's contents or a table of the tabular form was read
    for key in reader.members():
        if key == "contents" and reader.peek() == "[":
            listed = True
            for position, item in enumerate(reader.items(), start=1):
                _record(source, name, hint, item, position)
        elif key in BY_CSV and reader.peek() == "[":
            listed = True
            table = BY_CSV[key].name
            for position, values in enumerate(reader.items(), start=1):
                if isinstance(values, dict):
                    source.add(table, SourceRow(file=f"{name} {key}", row=position, values=values))
        else:
            fields[key] = reader.value()
    reader.end()
    if not listed:
        _record(source, name, hint, fields, 1)
    elif any(key in BY_CSV for key in fields):
        source.notes.append((name, "a table that is not a list of rows; skipped"))


def _read_json_file(source: Source, name: str, text: IO[str]) -> None:
    reader = _JsonText(text, name)
    if not name.lower().endswith(".json"):  # ndjson: a record a line
        hint = Path(name).stem.lower()
        position = 0
        while reader.peek():
            position += 1
            _record(source, name, hint, reader.value(), position)
        return
    _read_json_document(source, name, reader)


# --- CSV --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegacyFile:
    table: str
    renames: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)


# The HSDS 1.x/2.0 files and how their columns became 3.0 fields.
LEGACY_FILES = {
    "organizations.csv": LegacyFile("organization", {"url": "website"}),
    "programs.csv": LegacyFile("program"),
    "services.csv": LegacyFile("service"),
    "locations.csv": LegacyFile("location"),
    "services_at_location.csv": LegacyFile("service_at_location"),
    "service_at_location.csv": LegacyFile("service_at_location"),
    "phones.csv": LegacyFile("phone"),
    "contacts.csv": LegacyFile("contact"),
    "physical_addresses.csv": LegacyFile("address", fixed={"address_type": "physical"}),
    "postal_addresses.csv": LegacyFile("address", fixed={"address_type": "postal"}),
    "regular_schedules.csv": LegacyFile("schedule", fixed={"freq": "WEEKLY"}),
    "holiday_schedules.csv": LegacyFile(
        "schedule", {"start_date": "valid_from", "end_date": "valid_to"}
    ),
    "languages.csv": LegacyFile("language", {"language": "name"}),
    "accessibility_for_disabilities.csv": LegacyFile(
        "accessibility", {"accessibility": "description"}
    ),
    "service_area.csv": LegacyFile("service_area", {"service_area": "name"}),
    "service_areas.csv": LegacyFile("service_area", {"service_area": "name"}),
    "required_documents.csv": LegacyFile("required_document"),
    "funding.csv": LegacyFile("funding"),
    "taxonomy.csv": LegacyFile("taxonomy_term", {"vocabulary": "taxonomy"}),
    "taxonomy_terms.csv": LegacyFile("taxonomy_term", {"term": "name"}),
    "service_taxonomy.csv": LegacyFile(
        "attribute",
        {"service_id": "link_id", "taxonomy_id": "taxonomy_term_id", "taxonomy_detail": "value"},
        {"link_entity": "service"},
    ),
    "service_attributes.csv": LegacyFile(
        "attribute",
        {"service_id": "link_id", "taxonomy_detail": "value"},
        {"link_entity": "service"},
    ),
    "metadata.csv": LegacyFile("metadata"),
}
LEGACY_ONLY = {
    "services_at_location.csv",
    "physical_addresses.csv",
    "postal_addresses.csv",
    "regular_schedules.csv",
    "holiday_schedules.csv",
    "service_taxonomy.csv",
    "accessibility_for_disabilities.csv",
    "eligibility.csv",
    "taxonomy.csv",
    "service_attributes.csv",
    "payment_accepted.csv",
    "service_area.csv",
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _weekday(value: str) -> str:
    """2.0 weekdays were numbers (1 = Monday … 7 = Sunday); names are read by
    portal.hsds.lenient, like any other day written as a word."""
    text = (value or "").strip()
    if text.isdigit() and 1 <= int(text) <= 7:
        return WEEKDAYS[int(text) - 1]
    return value


def _legacy_values(name: str, spec: LegacyFile, values: dict) -> dict:
    converted = {spec.renames.get(key, key): value for key, value in values.items()}
    converted.update(spec.fixed)
    if name == "regular_schedules.csv" and "weekday" in converted:
        converted["byday"] = _weekday(converted.pop("weekday"))
    if name == "holiday_schedules.csv":
        closed = str(converted.pop("closed", "")).strip().lower() in ("true", "1", "yes")
        converted.setdefault("description", "Closed" if closed else "Holiday hours")
    if name == "physical_addresses.csv" or name == "postal_addresses.csv":
        extra = [converted.pop(k, "") for k in ("address_3", "address_4")]
        if any(extra):
            converted["address_2"] = ", ".join(p for p in [converted.get("address_2"), *extra] if p)
    if spec.table == "service" and not converted.get("status"):
        converted["status"] = "active"  # 1.x had no status: listed services were active
    if spec.table == "location" and not converted.get("location_type"):
        converted["location_type"] = "physical"
    if spec.table == "taxonomy_term" and not converted.get("description"):
        converted["description"] = ""
    if not converted.get("id"):  # 1.x link tables had no ids: one made from the row itself
        converted["id"] = str(uuid.uuid5(LEGACY_NAMESPACE, f"{name}|{sorted(values.items())}"))
    return converted


def _csv_table(source: Source, name: str) -> tuple[LegacyFile | None, str | None]:
    base = Path(name).name.lower()
    if source.legacy:
        spec = LEGACY_FILES.get(base)
        return spec, spec.table if spec else None
    return None, BY_CSV[base].name if base in BY_CSV else None


def _csv_records(issues: list[Issue], name: str, text: IO[str], dialect: dict | None = None):
    """(row number, values) for each record that holds something. The row number counts
    records with the header as row 1, as a spreadsheet shows them (a quoted new line does
    not shift it); rows of empty cells (a spreadsheet's trailing blank rows) are left out.
    A row the csv module cannot read (a field over its size limit, a stray quote) ends the
    file there, reported; the rows before it are kept. A repeated id is reported."""
    reader = csv.DictReader(text, **_dialect_options(dialect or {}))
    number = 1
    restore = spreadsheets.restore
    # Ids are checked for repeats a batch at a time, after their rows have gone on: the
    # issues are read once the file has been walked to its end.
    batch: list[tuple[str, int]] = []
    with Scratch() as seen:
        try:
            for number, values in enumerate(reader, start=2):
                values = {k.strip(): restore(v) for k, v in values.items() if k is not None}
                if not any(v not in (None, "") and str(v).strip() for v in values.values()):
                    continue
                row_id = str(values.get("id") or "").strip()
                if row_id:
                    batch.append((row_id, number))
                    if len(batch) >= CHECK_BATCH:
                        _note_repeats(seen, issues, name, batch)
                        batch = []
                yield number, values
        except csv.Error as error:
            _note_repeats(seen, issues, name, batch)
            batch = []
            issues.append(
                (
                    name,
                    number + 1,
                    "unreadable CSV row",
                    f"{error}; this row and the rest of the file were not read",
                )
            )
        _note_repeats(seen, issues, name, batch)


def _note_repeats(seen: Scratch, issues: list[Issue], name: str, batch: list[tuple[str, int]]):
    """Each id of the batch (id, row number) that an earlier row of the file has, reported."""
    first = seen.rows_of("id", {row_id for row_id, _ in batch})
    new: list[tuple[str, int | None]] = []
    for row_id, number in batch:
        if row_id in first:
            issues.append(
                (
                    name,
                    number,
                    "duplicate id",
                    f"id {row_id!r} repeats row {first[row_id]}; the later row's values are used",
                )
            )
        else:
            first[row_id] = number
            new.append((row_id, number))
    seen.add("id", new)


def _dialect_options(dialect: dict) -> dict:
    """A Frictionless CSV dialect as csv module options (unknown keys are ignored)."""
    options: dict[str, Any] = {}
    if isinstance(dialect.get("delimiter"), str) and len(dialect["delimiter"]) == 1:
        options["delimiter"] = dialect["delimiter"]
    if isinstance(dialect.get("quoteChar"), str) and len(dialect["quoteChar"]) == 1:
        options["quotechar"] = dialect["quoteChar"]
    if isinstance(dialect.get("escapeChar"), str) and len(dialect["escapeChar"]) == 1:
        options["escapechar"] = dialect["escapeChar"]
    if isinstance(dialect.get("doubleQuote"), bool):
        options["doublequote"] = dialect["doubleQuote"]
    if isinstance(dialect.get("skipInitialSpace"), bool):
        options["skipinitialspace"] = dialect["skipInitialSpace"]
    return options


@dataclass
class CsvStream:
    """One CSV file's rows, parsed from the file each time they are walked."""

    source: Source
    name: str
    opener: Opener
    encoding: str
    dialect: dict | None
    spec: LegacyFile | None
    table: str
    eligibility: Scratch | None = None  # 1.x services: their eligibility texts

    def records(self, issues: list[Issue]) -> Iterator[tuple[int, dict]]:
        with self.opener() as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            yield from _csv_records(issues, self.name, text, self.dialect)

    def __iter__(self) -> Iterator[SourceRow]:
        issues: list[Issue] = []
        base = Path(self.name).name.lower()
        for number, values in self.records(issues):
            if self.spec is not None:
                values = _legacy_values(base, self.spec, values)
            if self.eligibility and not values.get("eligibility_description"):
                eligibility = self.eligibility.text_of(ELIGIBILITY, str(values.get("id")))
                if eligibility:
                    values["eligibility_description"] = eligibility
            yield SourceRow(file=self.name, row=number, values=values)
        self.source.file_issues[self.name] = issues


def _read_csv(source: Source, name: str, opener: Opener, encoding: str, dialect) -> None:
    spec, table = _csv_table(source, name)
    if table is None:
        source.notes.append((name, "not an HSDS table the portal keeps; skipped"))
        return
    stream = CsvStream(source, name, opener, encoding, dialect, spec, table)
    source.streams.append(stream)
    source.rows.setdefault(table, Rows()).stream(stream)


def _read_eligibility(source: Source, name: str, opener: Opener, encoding: str, dialect) -> None:
    """1.x/2.0 eligibility rows become their service's eligibility_description. The service
    ids and the texts wait in a scratch database (closed with the source), not in memory."""
    services = [s for s in source.streams if s.table == "service"]
    scratch = Scratch()
    weakref.finalize(source, scratch.close)
    for stream in services:
        ids: list[tuple[str, int | None]] = []
        for row in stream:
            if row.values.get("id") is not None:
                ids.append((str(row.values["id"]), row.row))
            if len(ids) >= CHECK_BATCH:
                scratch.add(SERVICE, ids)
                ids = []
        scratch.add(SERVICE, ids)
    issues: list[Issue] = []
    with opener() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        for number, values in _csv_records(issues, name, text, dialect):
            service_id = values.get("service_id")
            if service_id is None or not scratch.rows_of(SERVICE, [str(service_id)]):
                source.notes.append(
                    (name, f"row {number}: no service {service_id!r} in services.csv; skipped")
                )
            elif values.get("eligibility"):
                scratch.put_text(ELIGIBILITY, str(service_id), values["eligibility"])
    source.file_issues[name] = issues
    for stream in services:
        stream.eligibility = scratch


# --- files and folders ------------------------------------------------------------------

# The names a folder without a data package is searched for (JSON files are all read).
KNOWN_CSV = set(BY_CSV) | set(LEGACY_FILES) | {"eligibility.csv"}


def _decodes(opener: Opener, encoding: str) -> bool:
    """Whether the whole file is text in this encoding (read in chunks, nothing kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with opener() as raw:
            while chunk := raw.read(READ_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(source: Source, name: str, opener: Opener, encoding: str | None = None) -> str:
    """UTF-8 (with or without a BOM) unless the package names another encoding; real exports
    saved from Excel on Windows come as Windows-1252, which is tried next and noted."""
    if encoding and encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        try:
            if _decodes(opener, encoding):
                return encoding
            source.notes.append((name, f"not {encoding} as the package says; read as UTF-8"))
        except LookupError:
            source.notes.append((name, f"unknown encoding {encoding!r}; read as UTF-8"))
    if _decodes(opener, "utf-8-sig"):
        return "utf-8-sig"
    if not _decodes(opener, "cp1252"):
        raise SourceError(f"{name}: neither UTF-8 nor Windows-1252 text")
    source.notes.append((name, "not UTF-8; read as Windows-1252"))
    return "cp1252"


def _descriptor(name: str, opener: Opener) -> dict:
    try:
        with opener() as raw:
            text = raw.read(MAX_DESCRIPTOR_BYTES + 1)
        if len(text) > MAX_DESCRIPTOR_BYTES:
            raise SourceError(f"{name}: a data package descriptor larger than any should be")
        document = json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(f"{name}: not a valid data package descriptor") from None
    if not isinstance(document, dict) or not isinstance(document.get("resources", []), list):
        raise SourceError(f"{name}: not a valid data package descriptor")
    return document


def _is_legacy(csv_names: set[str], descriptor: dict | None) -> bool:
    if csv_names & LEGACY_ONLY:
        return True
    if descriptor is not None:
        return str(descriptor.get("version", "")).startswith(("1.", "2."))
    return False


def _folder(name: str) -> str:
    parent = str(PurePosixPath(name).parent)
    return "" if parent == "." else parent


def _depth(name: str) -> int:
    return len(PurePosixPath(name).parts)


def _package_files(
    files: dict[str, Opener], package: str, descriptor: dict, source: Source
) -> list[tuple[str, dict]]:
    """The files a data package's resources name, with each one's dialect and encoding."""
    base = PurePosixPath(_folder(package))
    by_name = {n.lower(): n for n in files}
    found: list[tuple[str, dict]] = []
    for position, resource in enumerate(descriptor.get("resources", []), start=1):
        if not isinstance(resource, dict):
            continue
        paths = resource.get("path")
        for path in paths if isinstance(paths, list) else [paths]:
            if not isinstance(path, str) or "://" in path:
                source.notes.append((package, f"resource {position} has no local path; skipped"))
                continue
            wanted = str(base / path) if str(base) != "." else path
            name = by_name.get(posixpath.normpath(wanted).lower())
            if name is None:
                source.notes.append((package, f"resource {position}: {path} is missing"))
                continue
            found.append((name, resource))
    return found


def _search(files: dict[str, Opener], source: Source) -> list[tuple[str, dict]]:
    """Without a data package at the top: the known files, in sub-folders too (a sub-folder
    that is a data package of its own is read only when nothing else is found)."""
    packages = sorted(
        (n for n in files if PurePosixPath(n).name.lower() == "datapackage.json"), key=_depth
    )
    inside = [_folder(p) for p in packages]

    def in_package(name: str) -> bool:
        return any(name.startswith(folder + "/") for folder in inside if folder)

    found: list[tuple[str, dict]] = []
    seen = set[str]()
    for name in sorted(files, key=lambda n: (_depth(n), n)):
        base = PurePosixPath(name).name.lower()
        if base == "datapackage.json" or in_package(name):
            continue
        if not (base in KNOWN_CSV or base.endswith(JSON_SUFFIXES)):
            continue
        if base in seen and base.endswith(".csv"):
            source.notes.append((name, "a file of the same name was read first; skipped"))
            continue
        seen.add(base)
        found.append((name, {}))
    if not found and packages:
        package = packages[0]
        source.package = _descriptor(package, files[package])
        return _package_files(files, package, source.package, source)
    return found


def read_files(files: dict[str, bytes]) -> Source:
    """Rows from named files held in memory (one uploaded file, or a test's files); names are
    paths inside the folder, with "/" between parts."""
    return _read({name: _bytes_opener(data) for name, data in files.items()})


def _bytes_opener(data: bytes) -> Opener:
    return lambda: io.BytesIO(data)


def _read(files: dict[str, Opener]) -> Source:
    files = {n.replace("\\", "/").lstrip("/"): opener for n, opener in files.items()}
    source = Source()
    if "datapackage.json" in {n.lower() for n in files}:
        package = next(n for n in files if n.lower() == "datapackage.json")
        source.package = _descriptor(package, files[package])
        chosen = _package_files(files, package, source.package, source)
    else:
        chosen = _search(files, source)
    if not chosen:
        raise SourceError("no HSDS files found (expected .json, .ndjson or CSV files)")
    csv_names = {PurePosixPath(n).name.lower() for n, _ in chosen if n.lower().endswith(".csv")}
    source.legacy = bool(csv_names) and _is_legacy(csv_names, source.package)
    # eligibility.csv adds to services.csv's rows, so it is read last.
    chosen.sort(key=lambda item: PurePosixPath(item[0]).name.lower() == "eligibility.csv")
    for name, resource in chosen:
        lower = name.lower()
        encoding = resource.get("encoding") if isinstance(resource.get("encoding"), str) else None
        dialect = resource.get("dialect") if isinstance(resource.get("dialect"), dict) else None
        if lower.endswith(".csv"):
            found = _encoding(source, name, files[name], encoding)
            if source.legacy and PurePosixPath(lower).name == "eligibility.csv":
                _read_eligibility(source, name, files[name], found, dialect)
            else:
                _read_csv(source, name, files[name], found, dialect)
        elif lower.endswith(JSON_SUFFIXES):
            found = _encoding(source, name, files[name], encoding)
            try:
                with files[name]() as raw, io.TextIOWrapper(raw, encoding=found) as text:
                    _read_json_file(source, name, text)
            except RecursionError:  # records nested in each other without end
                raise SourceError(f"{name}: JSON nested too deeply to be HSDS") from None
        else:
            source.notes.append((name, "neither .csv nor .json; skipped"))
    return source


def _unzip(archive_file: IO[bytes] | Path, name: str) -> dict[str, Opener]:
    """The members of a zip, checked once (size unpacked, CRC) and opened again as read.
    The zip is closed in between: each member opened later holds the file only while read."""
    try:
        archive = zipfile.ZipFile(archive_file)
    except zipfile.BadZipFile:
        raise SourceError(f"{name}: not a valid zip file") from None
    with archive:
        members = _checked_members(archive, name)
    return {m.filename: _member_opener(archive_file, m.filename) for m in members}


def _checked_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    members = [
        m
        for m in archive.infolist()
        if not m.is_dir() and not Path(m.filename).name.startswith(".")
    ]
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise SourceError(
            f"{name}: too many or too large files inside (at most {MAX_ZIP_MEMBERS} files "
            f"and {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB unpacked)",
            too_large=True,
        )
    total = 0
    for member in members:
        try:
            # Count what really comes out, whatever the member's header claims.
            with archive.open(member) as handle:
                while chunk := handle.read(READ_CHUNK):
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        raise SourceError(
                            f"{name}: more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB unpacked",
                            too_large=True,
                        )
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise SourceError(f"{name}: {member.filename} is damaged ({error})") from None
        except (NotImplementedError, RuntimeError) as error:  # unknown method, encrypted
            raise SourceError(f"{name}: {member.filename} cannot be unpacked ({error})") from None
    return members


def _member_opener(archive_file: IO[bytes] | Path, member: str) -> Opener:
    def open_member() -> IO[bytes]:
        # The member keeps the file open until it is closed itself, after the zip is.
        with zipfile.ZipFile(archive_file) as archive:
            return archive.open(member)

    return open_member


def read_upload(name: str, data: bytes | Path) -> Source:
    """One file: a .zip of a data package or of JSON files, a .json file, or a .csv file
    (its bytes, or where it was saved)."""
    if name.lower().endswith(".zip"):
        if isinstance(data, Path):
            return _read(_unzip(data, name))
        return _read(_unzip(io.BytesIO(data), name))
    if isinstance(data, Path):
        if data.stat().st_size > MAX_UNZIPPED_BYTES:
            raise SourceError(
                f"{name}: larger than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB", too_large=True
            )
        return _read({Path(name).name: _path_opener(data)})
    return read_files({Path(name).name: data})


def _path_opener(path: Path) -> Opener:
    return lambda: path.open("rb")


def read_path(path: Path) -> Source:
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_dir():
        files: dict[str, Opener] = {}
        total = 0
        for item in sorted(path.rglob("*")):
            relative = item.relative_to(path)
            if (
                not item.is_file()
                or item.suffix.lower() not in (".csv", *JSON_SUFFIXES)
                or any(part.startswith(".") for part in relative.parts)
            ):
                continue
            total += item.stat().st_size
            if len(files) >= MAX_ZIP_MEMBERS or total > MAX_UNZIPPED_BYTES:
                raise SourceError(f"{path}: too many or too large files", too_large=True)
            files[relative.as_posix()] = _path_opener(item)
        return _read(files)
    return read_upload(path.name, path)
