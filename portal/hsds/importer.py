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
- Streamed: each table's rows are checked and written in batches as they are read. Whether a
  referenced record exists is asked of the database batch by batch (rows written earlier in
  the import are in it, in the same transaction); which ids this import wrote is kept on disk
  (portal.hsds.scratch). Memory holds a batch and the problems found, not the file.
- After the commit the search index is current: a few changed services go through the search
  outbox; a large import rebuilds the index.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal import spreadsheets
from portal.catalog.statistics import refresh_after_bulk_load
from portal.extensions import db
from portal.hsds import lenient
from portal.hsds.scratch import Scratch
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
FIRST_PROBLEMS = 500  # kept in the report to be listed; the rest are counted (and written out)
DETAILS_HEADER = ["file", "row", "field", "kind", "changed_and_kept", "reason"]
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
    """Counts, and the problems found as they arrive: counted by kind with their first
    examples, the first FIRST_PROBLEMS kept, and every one written to `details` (a CSV
    writer) when one is given, so memory does not grow with the number of problems."""

    dry_run: bool = False
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # the first FIRST_PROBLEMS
    problem_count: int = 0
    fatal: str | None = None
    seconds: float = 0.0
    details: Any = field(default=None, repr=False, compare=False)
    _kinds: dict[str, Kind] = field(default_factory=dict, repr=False)

    @property
    def rows_written(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < FIRST_PROBLEMS:
            self.problems.append(problem)
        kind = self._kinds.setdefault(problem.kind, Kind(problem.kind, problem.fixed))
        kind.count += 1
        if len(kind.examples) < EXAMPLES:
            kind.examples.append(problem)
        if self.details is not None:
            self.details.writerow(
                [
                    spreadsheets.text_cell(problem.file),
                    problem.row if problem.row is not None else "",
                    problem.field or "",
                    spreadsheets.text_cell(problem.kind),
                    "yes" if problem.fixed else "no",
                    spreadsheets.text_cell(problem.reason),
                ]
            )

    def kinds(self) -> list[Kind]:
        """Problems grouped by kind, most frequent first, each with its first examples."""
        return sorted(self._kinds.values(), key=lambda k: (-k.count, k.name))

    def kind_lines(self) -> list[str]:
        lines = []
        for kind in self.kinds():
            lines.append(f"{kind.count:>8}  {kind.name} ({kind.outcome})")
            lines.extend(f"{'':>10}e.g. {example}" for example in kind.examples)
        return lines

    def summary_lines(self) -> list[str]:
        lines = [f"{'table':<24}{'created':>9}{'updated':>9}{'skipped':>9}"]
        for name, c in self.counts.items():
            if c.created or c.updated or c.skipped:
                lines.append(f"{name:<24}{c.created:>9}{c.updated:>9}{c.skipped:>9}")
        return lines


class _Checker:
    """Checks one table's rows against the fields, types and references the portal keeps."""

    def __init__(self, report: Report):
        self.report = report

    def problem(self, table: Table, row, field_name, reason, kind) -> None:
        self.report.add_problem(
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

    def references(self, table: Table, row, clean: dict, present: dict[str, set[str]]) -> bool:
        """Checks foreign keys against the ids present (per table, for this batch; a table's
        references to itself are checked once all its rows are written); clears optional
        dangling ones. False: skip the row."""
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
            if value is None or (table.name, name) in SELF_REFERENCES:
                continue
            if value in present.get(target, ()):
                continue
            if table.column(name).nullable:
                self.dangling(table, row, name, target, value)
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

    def dangling(self, table: Table, row, name: str, target: str, value: str) -> None:
        self.problem(
            table,
            row,
            name,
            f"bad foreign key: no {target} has id {value}; imported without it",
            "reference to a record that is not there (left empty)",
        )


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


def _referenced_ids(table: Table, batch: list[tuple[SourceRow, dict]]) -> dict[str, set[str]]:
    """Every id a batch's checked rows point at, per target table."""
    wanted: dict[str, set[str]] = {}
    for name, target in table.foreign_keys.items():
        if target != table.name:
            ids = {clean[name] for _, clean in batch if clean.get(name) is not None}
            wanted.setdefault(target, set()).update(ids)
    if table.name == "attribute":
        for _, clean in batch:
            entity = clean.get("link_entity")
            if entity in BY_NAME and clean.get("link_id") is not None:
                wanted.setdefault(entity, set()).add(clean["link_id"])
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
    defaults = _column_defaults(table)
    rows = [{**defaults, **c} for c in creates]
    for row in rows:
        for name, value in row.items():
            if callable(value):
                row[name] = value(None)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table.model.__table__), rows[start : start + CHUNK])
    _update_rows(table, updates)


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


BATCH = 2_000  # rows checked and written together


WRITTEN = "written "  # + table name: the scratch kind of the ids this import wrote


@dataclass
class _TableRun:
    """One table's import; what is kept from batch to batch is in the scratch database:
    the ids written (kind WRITTEN + table) and the references to the same table, set when all
    its rows are in (kind: the table's name)."""

    table: Table
    counts: Counts


class _Import:
    def __init__(self, report: Report, scratch: Scratch):
        self.report = report
        self.scratch = scratch
        self.checker = _Checker(report)
        # An HSDS 3.0 attribute marks a location confidential (README: "Confidential
        # places"): link_entity "location" and the value, label, or its taxonomy term's code
        # or name "confidential".
        self.confidential_terms: set[str] = set()
        self.confidential_places: set[str] = set()
        # Tables that held no row when this import came to them: every id in them is one
        # this import wrote, which the scratch database knows without asking the database.
        self.new_tables: set[str] = set()

    def table(self, table: Table, rows) -> None:
        run = _TableRun(table, self.report.counts.setdefault(table.name, Counts()))
        if db.session.scalar(select(table.model.id).limit(1)) is None:
            self.new_tables.add(table.name)
        batch: list[SourceRow] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.batch(run, batch)
                batch = []
        if batch:
            self.batch(run, batch)
        self.self_references(run)
        if table.name == "attribute":
            self.mark_confidential()

    def tidy(self, table: Table, rows: list[SourceRow]) -> list[SourceRow]:
        """Values written the way real exports write them are read (portal.hsds.lenient)."""
        extra: list[SourceRow] = []
        for row in rows:
            self.note_confidential(table, row.values)
            fixes, more = lenient.tidy(table.name, row.values)
            for fix in fixes:
                if fix.after is None:
                    reason = f"{fix.kind}: {fix.before!r}; imported without it"
                else:
                    reason = f"{fix.kind}: {fix.before!r} read as {fix.after!r}"
                self.report.add_problem(
                    Problem(
                        row.file,
                        row.row,
                        f"{table.name}.{fix.field}",
                        reason,
                        fix.kind,
                        fixed=fix.after is not None,
                    )
                )
            extra.extend(SourceRow(row.file, row.row, values) for values in more)
        return rows + extra

    def note_confidential(self, table: Table, values: dict) -> None:
        if table.name == "taxonomy_term":
            words = (values.get("code"), values.get("name"))
            if any(str(w or "").strip().lower() == CONFIDENTIAL for w in words):
                self.confidential_terms.add(str(values.get("id")))
        elif table.name == "attribute":
            if str(values.get("link_entity") or "").strip().lower() != "location":
                return
            words = (values.get("value"), values.get("label"))
            if (
                any(str(w or "").strip().lower() == CONFIDENTIAL for w in words)
                or str(values.get("taxonomy_term_id")) in self.confidential_terms
            ):
                self.confidential_places.add(str(values.get("link_id")))

    def written(self, table: str, ids) -> set[str]:
        """Which of these ids this import wrote to the table."""
        return set(self.scratch.rows_of(WRITTEN + table, ids))

    def present(self, table: str, ids: set[str]) -> set[str]:
        """Which of these ids are in the table: those this import wrote (asked of the
        scratch database, cheaper), then the rest of the database."""
        mine = self.written(table, ids)
        rest = ids - mine
        if rest and table not in self.new_tables:
            mine |= _existing_ids(BY_NAME[table].model, rest)
        return mine

    def written_ids(self) -> dict[str, set[str]]:
        """Every id this import wrote, per table (for a small import: see OUTBOX_LIMIT)."""
        return {t.name: set(self.scratch.ids(WRITTEN + t.name)) for t in TABLES}

    def mark_confidential(self) -> None:
        """The locations of this import an attribute marks confidential."""
        ids = sorted(self.written("location", {hsds_id(i) for i in self.confidential_places}))
        model = BY_NAME["location"].model
        for start in range(0, len(ids), CHUNK):
            db.session.execute(
                update(model.__table__)
                .where(model.__table__.c.id.in_(ids[start : start + CHUNK]))
                .values(confidential=True)
            )

    def batch(self, run: _TableRun, rows: list[SourceRow]) -> None:
        table, checker = run.table, self.checker
        checked = [(row, checker.values(table, row)) for row in self.tidy(table, rows)]
        run.counts.skipped += sum(1 for _, clean in checked if clean is None)
        candidates = _merged([(row, clean) for row, clean in checked if clean is not None])
        present = {
            name: self.present(name, ids)
            for name, ids in _referenced_ids(table, candidates).items()
        }
        good = []
        for row, clean in candidates:
            if checker.references(table, row, clean, present):
                good.append((row, _defaults(table, clean)))
            else:
                run.counts.skipped += 1
        later = []
        for row, clean in good:
            for t, name in SELF_REFERENCES:
                if t == table.name and clean.get(name) is not None:
                    later.append((row.file, row.row, clean["id"], name, clean.pop(name)))
        self.scratch.put_later(table.name, later)
        # A record repeated in an earlier batch: its later values are added to it.
        done = self.written(table.name, [clean["id"] for _, clean in good])
        again = [
            {k: v for k, v in clean.items() if v is not None}
            for _, clean in good
            if clean["id"] in done
        ]
        new = [clean for _, clean in good if clean["id"] not in done]
        # Not written by this import (that is `done`): only the database can hold them.
        existing = (
            set()
            if table.name in self.new_tables
            else _existing_ids(table.model, [c["id"] for c in new])
        )
        creates = [c for c in new if c["id"] not in existing]
        updates = [c for c in new if c["id"] in existing]
        _write(table, creates, updates + again)
        run.counts.created += len(creates)
        run.counts.updated += len(updates)
        self.scratch.add(WRITTEN + table.name, ((c["id"], None) for c in new))

    def self_references(self, run: _TableRun) -> None:
        """References to the same table (a parent organization, a broader term), once every
        row of the table is written: a dangling one is left empty and reported."""
        table = run.table
        for later in self.scratch.later(table.name, BATCH):
            present = self.present(table.name, {value for *_, value in later})
            updates = []
            for file, row_number, row_id, name, value in later:
                if value in present:
                    updates.append({"id": row_id, name: value})
                else:
                    row = SourceRow(file, row_number, {})
                    self.checker.dangling(table, row, name, table.name, value)
            _update_rows(table, updates)


def _check_and_write(source: Source, report: Report, scratch: Scratch) -> _Import:
    run = _Import(report, scratch)
    for table in TABLES:
        run.table(table, source.rows.get(table.name, ()))
    for file, note in source.notes:
        report.add_problem(Problem(file, None, None, note, FILE_NOTE))
    for file, row_number, kind, reason in source.issues:
        report.add_problem(Problem(file, row_number, None, reason, kind))
    return run


def import_source(
    source: Source, *, dry_run: bool = False, details: IO[str] | None = None
) -> Report:
    """Check and import; commits once (or rolls back for a dry run or a fatal error).
    Every problem is written to details as a CSV row when it is found, for a data steward
    to fix the source."""
    report = Report(dry_run=dry_run)
    if details is not None:
        report.details = csv.writer(details)
        report.details.writerow(DETAILS_HEADER)
    try:
        return _import_source(source, report)
    finally:
        report.details = None  # the report outlives the file (a job's result is pickled)


def _import_source(source: Source, report: Report) -> Report:
    dry_run = report.dry_run
    started = time.perf_counter()
    try:
        with Scratch() as scratch:
            run = _check_and_write(source, report, scratch)
            # A rebuild indexes everything: which services changed matters only without one.
            rebuild = report.rows_written > OUTBOX_LIMIT
            if not dry_run and report.rows_written and not rebuild:
                affected = services_touched_by_ids(db.session(), run.written_ids())
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
    if not dry_run and rebuild:
        refresh_after_bulk_load(db.session())
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
