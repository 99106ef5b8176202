"""HSDS round trip on a synthetic catalog: export → import into an empty database → export.

For the given size (default 10,000 services), in a temporary folder:
  * generates the synthetic catalog (portal.catalog.synthetic);
  * exports it as an HSDS 3.0 CSV data package (and JSON) and times it;
  * imports the package into an empty database and prints the import rate in rows per second
    (checking, writing, committing; the search index rebuild after it is timed apart);
  * imports it again (every row an update: the idempotent path);
  * exports again and says whether the files are identical;
  * with --json, imports the JSON export (arrays of nested records) into an empty database.
With --first-import-only it exports the CSV package and imports it once, nothing more (the
figures for a large catalog, where the JSON export and the round trip take long).

Each import runs in a process of its own, so its peak resident memory is the import's alone
(not the generator's or the exporter's); the search index is built by worker processes of its
own (Whoosh's procs), whose largest peak is printed apart. It prints figures only; nothing is
asserted.

Run: `PYTHONPATH=. .venv/bin/python bench/hsds_roundtrip.py [--services 10000]`
(DATABASE_URL=postgresql+psycopg://… runs it on PostgreSQL; the database is emptied).
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from portal import create_app
from portal.catalog.synthetic import generate_catalog
from portal.extensions import db
from portal.hsds import importer
from portal.hsds.export import export_csv, export_json
from portal.hsds.sources import read_path


def _differences(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right)
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    return sorted(compared.left_only + compared.right_only + mismatch + errors)


def _fresh_database() -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """The process's peak resident memory so far, or with RUSAGE_CHILDREN the largest of its
    ended child processes' (Linux reports kilobytes). The process's own is VmHWM: getrusage
    keeps, across the exec that started this process, the parent's memory at the fork."""
    if who == resource.RUSAGE_SELF:
        status = Path("/proc/self/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    return resource.getrusage(who).ru_maxrss / 1024


def _last_service_indexed(package: Path) -> str:
    """Whether the service read last (in the import's last batch) is in the search index."""
    from portal.hsds.tables import hsds_id
    from portal.search.indexer import store

    services = package / "services.csv"
    if not services.exists():
        return "not checked (no services.csv)"
    with services.open(encoding="utf-8", newline="") as handle:
        *_, last = csv.DictReader(handle)
    service_id = hsds_id(last["id"])
    ix = store().open()
    try:
        with ix.searcher() as searcher:
            found = searcher.document(id=service_id) is not None
            documents = searcher.doc_count()
    finally:
        ix.close()
    return f"{'found' if found else 'NOT found'} ({documents:,} services in the index)"


def _import(package: Path, label: str) -> None:
    """Reads and imports the package in this process (run as its own process by main)."""
    before_index: list[float] = []
    update_index = importer._update_search_index

    def noting_memory(rebuild: bool) -> None:
        before_index.append(_peak_rss_mb())
        update_index(rebuild)

    importer._update_search_index = noting_memory  # type: ignore[assignment]
    started = time.perf_counter()
    source = read_path(package)
    read = time.perf_counter() - started
    report = importer.import_source(source)
    total = time.perf_counter() - started
    rows = report.rows_written + sum(c.skipped for c in report.counts.values())
    print(
        f"{label}: {rows:,} rows ({report.rows_written:,} written, {len(report.problems)} "
        f"problems) in {total:.1f} s, read {read:.1f} s + check/write/commit "
        f"{report.seconds:.1f} s + search index {total - read - report.seconds:.1f} s"
    )
    print(
        f"  import rate: {rows / (read + report.seconds):,.0f} rows/s "
        f"(reading, checking, writing, committing), {rows / total:,.0f} rows/s with the "
        f"search index; peak RSS {before_index[0] if before_index else 0:,.0f} MB before "
        f"the search index, {_peak_rss_mb():,.0f} MB after it (its worker processes: "
        f"{_peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB at most)",
        flush=True,
    )
    print(f"  the last service read, in the search index: {_last_service_indexed(package)}")


def _import_apart(package: Path, label: str, database: str, index: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--import",
            str(package),
            "--label",
            label,
            "--database",
            database,
            "--index",
            str(index),
        ],
        check=True,
    )


def _import_json(folder: Path, database: str) -> None:
    _fresh_database()
    db.session.remove()
    _import_apart(
        folder / "first_json", "JSON export into an empty database", database, folder / "index"
    )


def _app(database: str, index: Path):
    return create_app(
        {
            "PORTAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database,
            "PORTAL_SEARCH_INDEX_DIR": str(index),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="also import the JSON export")
    parser.add_argument("--first-import-only", action="store_true")
    # Internal: one import in a process of its own.
    parser.add_argument("--import", dest="package", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.package is not None:
        with _app(args.database, args.index).app_context():
            _import(args.package, args.label)
            db.engine.dispose()
        return
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        database = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.db'}"
        app = _app(database, folder / "index")
        with app.app_context():
            _fresh_database()
            started = time.perf_counter()
            generate_catalog(db.session, args.services, seed=1)
            db.session.commit()
            print(
                f"database: {db.engine.url.get_backend_name()}; generated {args.services:,} "
                f"services in {time.perf_counter() - started:.1f} s; "
                f"peak RSS {_peak_rss_mb():,.0f} MB"
            )

            first, second = folder / "first", folder / "second"
            started = time.perf_counter()
            counts = export_csv(first)
            csv_seconds = time.perf_counter() - started
            # The JSON beside, not inside, the package: the import reads the package alone
            # (a folder's files count toward the import's size limit).
            if args.json or not args.first_import_only:
                export_json(folder / "first_json")
            print(
                f"export: {sum(counts.values()):,} CSV rows in {csv_seconds:.1f} s "
                f"({sum(counts.values()) / csv_seconds:,.0f} rows/s)"
                + (
                    f"; with JSON {time.perf_counter() - started:.1f} s"
                    if args.json or not args.first_import_only
                    else ""
                ),
                flush=True,
            )

            _fresh_database()
            db.session.remove()
            _import_apart(first, "import into an empty database", database, folder / "index")
            if args.first_import_only:
                if args.json:
                    _import_json(folder, database)
                db.session.remove()
                db.engine.dispose()
                return
            _import_apart(first, "second import (all updates)", database, folder / "index")

            export_csv(second)
            export_json(folder / "second_json")
            different = _differences(first, second) + _differences(
                folder / "first_json", folder / "second_json"
            )
            print(
                "round trip: export → import → export gives "
                + ("identical files" if not different else f"different files: {different}"),
                flush=True,
            )
            if args.json:
                _import_json(folder, database)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
