"""Import of HSDS data: check every row, write the good ones in one transaction, report.

    report = import_source(read_path(path), dry_run=False)

Rules:
- Idempotent: records are matched by id (ids that are not UUIDs become stable UUIDs, see
  portal.hsds.tables.hsds_id), so a second run updates and never duplicates.
- Every problem is reported as file, row, field and reason, and every good row is imported:
  a row with a missing required field or a value of the wrong type is skipped; a reference to a
  record that exists nowhere is left empty when the field is optional (the row is kept) and skips
  the row when the field is required.
- One transaction: a fatal error (unreadable input, a database error) leaves the database as it
  was; a dry run does everything and then rolls back.
- After the commit the search index is current: a few changed services go through the search
  outbox; a large import rebuilds the index.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal.audit import _csv_safe
from portal.extensions import db
from portal.hsds import lenient
from portal.hsds.sources import Source, SourceRow
from portal.hsds.tables import (
    BY_NAME,
    TABLES,
    BadValue,
    Table,
    from_value,
    hsds_id,
)
from portal.models.catalog import ServiceStatus
from portal.models.search import SearchOutbox
from portal.search import services_touched_by_ids

log = logging.getLogger(__name__)

CHUNK = 500
EXAMPLES = 3  # per kind of problem in the report's summary
FILE_NOTE = "file note"
CONFIDENTIAL = "confidential"
# Up to this many changed rows the search index follows through the outbox; more, it is rebuilt.
OUTBOX_LIMIT = 500
ENUMS = {
    ("service", "status"): {s.value for s in ServiceStatus},
    ("location", "location_type"): {"physical", "postal", "virtual"},
    ("address", "address_type"): {"physical", "postal", "virtual"},
    ("schedule", "freq"): {"WEEKLY", "MONTHLY"},
    ("schedule", "wkst"): {"MO", "TU", "WE", "TH", "FR", "SA", "SU"},
}
# Self references are written after every row of the table exists.
SELF_REFERENCES = {("organization", "parent_organization_id"), ("taxonomy_term", "parent_id")}


@dataclass
class Problem:
    file: str
    row: int | None  # CSV record (the header is row 1), or the object's place in a JSON file
    field: str | None  # table.field: a JSON file holds records of several tables
    reason: str
    kind: str = ""  # the same words for every problem of its sort: the report counts by it
    fixed: bool = False  # a value the import read after changing its form (not lost)

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        return f"{where}{f', field {self.field}' if self.field else ''}: {self.reason}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0


@dataclass
class Kind:
    name: str
    fixed: bool
    count: int = 0
    examples: list[Problem] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.name == FILE_NOTE:
            return "about a whole file"
        return "changed and kept" if self.fixed else "left out"


@dataclass
class Report:
    dry_run: bool = False
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fatal: str | None = None
    seconds: float = 0.0

    @property
    def rows_written(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def kinds(self) -> list[Kind]:
        """Problems grouped by kind, most frequent first, each with its first examples."""
        kinds: dict[str, Kind] = {}
        for problem in self.problems:
            kind = kinds.setdefault(problem.kind, Kind(problem.kind, problem.fixed))
            kind.count += 1
            if len(kind.examples) < EXAMPLES:
                kind.examples.append(problem)
        return sorted(kinds.values(), key=lambda k: (-k.count, k.name))

    def kind_lines(self) -> list[str]:
        lines = []
        for kind in self.kinds():
            lines.append(f"{kind.count:>8}  {kind.name} ({kind.outcome})")
            lines.extend(f"{'':>10}e.g. {example}" for example in kind.examples)
        return lines

    def write_details(self, handle: IO[str]) -> None:
        """Every problem as a CSV row, for a data steward to fix the source."""
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "field", "kind", "changed_and_kept", "reason"])
        for p in self.problems:
            writer.writerow(
                [
                    _csv_safe(p.file),
                    p.row if p.row is not None else "",
                    p.field or "",
                    _csv_safe(p.kind),
                    "yes" if p.fixed else "no",
                    _csv_safe(p.reason),
                ]
            )

    def summary_lines(self) -> list[str]:
        lines = [f"{'table':<24}{'created':>9}{'updated':>9}{'skipped':>9}"]
        for name, c in self.counts.items():
            if c.created or c.updated or c.skipped:
                lines.append(f"{name:<24}{c.created:>9}{c.updated:>9}{c.skipped:>9}")
        return lines


class _Checker:
    """Checks one table's rows against the fields, types and references the portal keeps."""

    def __init__(self, report: Report, accepted: dict[str, set[str]]):
        self.report = report
        self.accepted = accepted  # table -> ids that are (or will be) in the database

    def problem(self, table: Table, row, field_name, reason, kind) -> None:
        self.report.problems.append(
            Problem(row.file, row.row, f"{table.name}.{field_name}", reason, kind)
        )

    def values(self, table: Table, row) -> dict | None:
        kinds, ids, columns = table.kinds, table.id_fields, table.columns
        clean, ok = {}, True
        for name, raw in row.values.items():
            if name not in kinds:
                continue
            try:
                if name in ids and raw not in (None, ""):
                    clean[name] = hsds_id(raw)
                else:
                    clean[name] = from_value(raw, columns[name], kinds[name])
            except BadValue as error:
                if name in table.required:
                    self.problem(
                        table, row, name, f"bad value: {error}", f"unreadable {kinds[name]}"
                    )
                    ok = False
                else:  # the rest of the row is good: kept without this field
                    self.problem(
                        table,
                        row,
                        name,
                        f"bad value: {error}; imported without it",
                        f"unreadable {kinds[name]}",
                    )
                continue
            if name in table.import_also and clean[name] is None:
                del clean[name]  # a flag left blank changes nothing (an admin may have set it)
                continue
            allowed = ENUMS.get((table.name, name))
            # A value outside the vocabulary is not left out: a service given as "closed"
            # must not come in as active by default.
            if allowed and clean[name] is not None and clean[name] not in allowed:
                self.problem(
                    table,
                    row,
                    name,
                    f"bad value: {clean[name]!r} is not one of {', '.join(sorted(allowed))}",
                    f"{table.name}.{name} not in its vocabulary",
                )
                ok = False
        for name in table.required:
            if clean.get(name) is None and ok:
                self.problem(table, row, name, "missing required field", "missing required field")
                ok = False
        return clean if ok else None

    def references(self, table: Table, row, clean: dict, own_ids: set[str]) -> bool:
        """Checks foreign keys; clears optional dangling ones. False: skip the row."""
        targets = dict(table.foreign_keys)
        if table.name == "attribute":
            entity = clean.get("link_entity")
            if entity not in BY_NAME:
                self.problem(
                    table,
                    row,
                    "link_entity",
                    f"bad value: {entity!r} is not an HSDS table",
                    "attribute of an unknown table",
                )
                return False
            targets["link_id"] = entity
        for name, target in targets.items():
            value = clean.get(name)
            if value is None:
                continue
            if value in self.accepted[target] or (target == table.name and value in own_ids):
                continue
            if table.column(name).nullable:
                self.problem(
                    table,
                    row,
                    name,
                    f"bad foreign key: no {target} has id {value}; imported without it",
                    "reference to a record that is not there (left empty)",
                )
                clean[name] = None
            else:
                self.problem(
                    table,
                    row,
                    name,
                    f"bad foreign key: no {target} has id {value}; row skipped",
                    "reference to a record that is not there (row skipped)",
                )
                return False
        return True


def _existing_ids(model, ids) -> set[str]:
    ids, found = list(ids), set[str]()
    for start in range(0, len(ids), CHUNK):
        found.update(
            db.session.scalars(select(model.id).where(model.id.in_(ids[start : start + CHUNK])))
        )
    return found


def _merged(rows):
    """Rows with the same id are one record (nested JSON repeats organizations, terms …)."""
    by_id: dict[str, tuple] = {}
    for row, clean in rows:
        if clean["id"] in by_id:
            by_id[clean["id"]][1].update({k: v for k, v in clean.items() if v is not None})
        else:
            by_id[clean["id"]] = (row, clean)
    return list(by_id.values())


def _referenced_ids(source: Source) -> dict[str, set[str]]:
    """Every id any row points at, per target table (what must be looked up in the database)."""
    wanted: dict[str, set[str]] = {t.name: set() for t in TABLES}
    for table in TABLES:
        fks = table.foreign_keys
        for row in source.rows.get(table.name, []):
            for name, target in fks.items():
                if row.values.get(name) not in (None, ""):
                    wanted[target].add(hsds_id(row.values[name]))
            if (
                table.name == "attribute"
                and row.values.get("link_entity") in BY_NAME
                and row.values.get("link_id")
            ):
                wanted[row.values["link_entity"]].add(hsds_id(row.values["link_id"]))
    return wanted


def _update_rows(table: Table, rows: list[dict]) -> None:
    """UPDATE … WHERE id = :id, one executemany per set of fields given."""
    columns = table.model.__table__.c
    by_fields: dict[frozenset, list[dict]] = {}
    for row in rows:
        by_fields.setdefault(frozenset(row), []).append(row)
    for fields, group in by_fields.items():
        changed = sorted(fields - {"id"})
        if not changed:
            continue
        statement = (
            update(table.model.__table__)
            .where(columns.id == bindparam("row_id"))
            .values({name: bindparam(name) for name in changed})
        )
        params = [{"row_id": row["id"], **{name: row[name] for name in changed}} for row in group]
        for start in range(0, len(params), CHUNK):
            db.session.execute(statement, params[start : start + CHUNK])


def _write(table: Table, creates: list[dict], updates: list[dict]) -> None:
    """Core statements in batches: the ORM's unit of work costs too much for 100,000 rows."""
    later = [
        {"id": c["id"], name: c.pop(name)}
        for c in creates
        for (t, name) in SELF_REFERENCES
        if t == table.name and c.get(name)
    ]
    defaults = _column_defaults(table)
    rows = [{**defaults, **c} for c in creates]
    for row in rows:
        for name, value in row.items():
            if callable(value):
                row[name] = value(None)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table.model.__table__), rows[start : start + CHUNK])
    _update_rows(table, updates)
    _update_rows(table, later)


def _column_defaults(table: Table) -> dict:
    """What a new row holds in each field the source leaves out (callables are called)."""
    defaults = {}
    for name in table.importable:
        column = table.column(name)
        defaults[name] = column.default.arg if column.default is not None else None
    return defaults


def _defaults(table: Table, clean: dict) -> dict:
    """NOT NULL fields given as empty take the column's default (e.g. description "")."""
    for name, default in table.filled_when_empty.items():
        if name in clean and clean[name] is None:
            clean[name] = default(None) if callable(default) else default
    return clean


def _tidy(source: Source, report: Report) -> None:
    """Values written the way real exports write them are read (see portal.hsds.lenient)."""
    for table in TABLES:
        rows = source.rows.get(table.name, [])
        for row in list(rows):
            fixes, extra = lenient.tidy(table.name, row.values)
            for fix in fixes:
                if fix.after is None:
                    reason = f"{fix.kind}: {fix.before!r}; imported without it"
                else:
                    reason = f"{fix.kind}: {fix.before!r} read as {fix.after!r}"
                report.problems.append(
                    Problem(
                        row.file,
                        row.row,
                        f"{table.name}.{fix.field}",
                        reason,
                        fix.kind,
                        fixed=fix.after is not None,
                    )
                )
            rows.extend(SourceRow(row.file, row.row, values) for values in extra)


def _confidential_attributes(source: Source) -> None:
    """An HSDS 3.0 attribute marks a location confidential (README: "Confidential places"):
    link_entity "location" and the value, label, or its taxonomy term's code or name
    "confidential"."""
    terms = {str(row.values.get("id")): row.values for row in source.rows.get("taxonomy_term", [])}
    marked = set()
    for row in source.rows.get("attribute", []):
        values = row.values
        if str(values.get("link_entity") or "").strip().lower() != "location":
            continue
        term = terms.get(str(values.get("taxonomy_term_id")), {})
        words = (values.get("value"), values.get("label"), term.get("code"), term.get("name"))
        if any(str(w or "").strip().lower() == CONFIDENTIAL for w in words):
            marked.add(str(values.get("link_id")))
    for row in source.rows.get("location", []):
        if str(row.values.get("id")) in marked:
            row.values["confidential"] = "true"


def _check_and_write(source: Source, report: Report) -> dict[str, set[str]]:
    _confidential_attributes(source)
    _tidy(source, report)
    wanted = _referenced_ids(source)
    accepted = {t.name: _existing_ids(t.model, wanted[t.name]) for t in TABLES}
    checker = _Checker(report, accepted)
    written: dict[str, set[str]] = {}
    for table in TABLES:
        counts = report.counts.setdefault(table.name, Counts())
        rows = source.rows.get(table.name, [])
        checked = [(row, checker.values(table, row)) for row in rows]
        counts.skipped += sum(1 for _, clean in checked if clean is None)
        candidates = _merged([(row, clean) for row, clean in checked if clean is not None])
        own_ids = {clean["id"] for _, clean in candidates}
        good = []
        for row, clean in candidates:
            if checker.references(table, row, clean, own_ids):
                good.append(_defaults(table, clean))
            else:
                counts.skipped += 1
        existing = _existing_ids(table.model, [c["id"] for c in good])
        creates = [c for c in good if c["id"] not in existing]
        updates = [c for c in good if c["id"] in existing]
        _write(table, creates, updates)
        counts.created += len(creates)
        counts.updated += len(updates)
        accepted[table.name] |= {c["id"] for c in good}
        written[table.name] = {c["id"] for c in good}
    for file, note in source.notes:
        report.problems.append(Problem(file, None, None, note, FILE_NOTE))
    for file, row_number, kind, reason in source.issues:
        report.problems.append(Problem(file, row_number, None, reason, kind))
    return written


def import_source(source: Source, *, dry_run: bool = False) -> Report:
    """Check and import; commits once (or rolls back for a dry run or a fatal error)."""
    report = Report(dry_run=dry_run)
    started = time.perf_counter()
    rebuild = False
    try:
        written = _check_and_write(source, report)
        if not dry_run and report.rows_written:
            affected = services_touched_by_ids(db.session(), written)
            rebuild = report.rows_written > OUTBOX_LIMIT
            if not rebuild:
                db.session.add_all(SearchOutbox(service_id=s) for s in sorted(affected))
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        reason = getattr(error, "orig", None) or error
        report.fatal = f"the database refused the import, so nothing was saved ({reason})"
        report.counts = {}
        return report
    report.seconds = time.perf_counter() - started
    if not dry_run and report.rows_written:
        _update_search_index(rebuild)
    return report


def _update_search_index(rebuild: bool) -> None:
    """The import is committed; the index follows (or `flask search sync` catches up)."""
    from portal import search
    from portal.search import outbox
    from portal.search.store import IndexMissing

    try:
        if rebuild:
            search.rebuild_index()
        else:
            try:
                outbox.apply_pending()
            except IndexMissing:
                search.rebuild_index()
    except Exception:  # the data is saved; the index is a cache that sync rebuilds
        log.warning(
            "search index not updated after the import; run `flask search sync`", exc_info=True
        )
