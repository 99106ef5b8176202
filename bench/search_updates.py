"""Search across many listing updates: what the commits cost and how searches fare after them.

    PYTHONPATH=. .venv/bin/python bench/search_updates.py [--services 10000] [--updates 300]

Generates a synthetic catalog in a temporary folder, builds the index, then commits UPDATES
listing changes one after another, as fast as they come (a burst: an admin approving a queue,
a provider fixing many listings), each applied to the index by the after-commit hook. Prints:

  * the commit time of the updates (median, p95, slowest), which includes applying them;
  * a small query mix every 50 updates, as the first searches after the change (what they
    derived from the previous index version is carried over);
  * the index's segments at the end, and the mix in a fresh process state (a new searcher
    with nothing derived yet: a restarted worker) before and after the updates.

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.stats import fmt, summary
from portal import create_app
from portal.catalog.seed import ensure_vocabulary
from portal.catalog.synthetic import generate_catalog
from portal.extensions import db
from portal.models import Service
from portal.models.catalog import ServiceStatus
from portal.search import SearchParams, indexer, rebuild_index, search_services
from portal.search.index_view import open_views

MIX = [
    dict(q="counseling"),
    dict(q="food pantry"),
    dict(q="detox", languages=["es"]),
    dict(q="shleter"),
    dict(details=["payment-medicaid"]),
    dict(q="counseling", age=16),
]
MIX_EVERY = 50


def timed_mix() -> list[float]:
    times = []
    for params in MIX:
        started = time.perf_counter()
        search_services(SearchParams(**params))
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(label: str, samples: list[float]) -> str:
    return f"{label:<44} {fmt(summary(samples))}"


def segments() -> int:
    return len(list(open_views.current(indexer.store()).reader.leaf_readers()))


def run(services: int, updates: int, folder: Path) -> None:
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "PORTAL_SEARCH_INDEX_DIR": str(folder / "index"),
        }
    )
    with app.app_context():
        db.create_all()
        ensure_vocabulary(db.session)
        generate_catalog(db.session, services, seed=1)
        db.session.commit()
        rebuild_index()
        open_views.close()
        print(line("fresh build: mix, nothing derived yet", timed_mix()))
        print(line("fresh build: the same mix again", timed_mix()))
        ids = list(
            db.session.scalars(
                select(Service.id)
                .where(Service.status == ServiceStatus.active.value)
                .order_by(Service.id)
                .limit(updates)
            )
        )
        commits, after_change = [], []
        for number, service_id in enumerate(ids, start=1):
            service = db.session.get(Service, service_id)
            service.description = f"{service.description or ''} Updated {number}."
            started = time.perf_counter()
            db.session.commit()
            commits.append((time.perf_counter() - started) * 1000)
            if number % MIX_EVERY == 0:
                after_change += timed_mix()
        print(line(f"{len(ids)} updates: commit, index update included", commits))
        print(line(f"mix after every {MIX_EVERY}th update (carried over)", after_change))
        print(f"segments after the updates: {segments()}")
        open_views.close()
        print(line("after the updates: mix, nothing derived yet", timed_mix()))
        print(line("after the updates: the same mix again", timed_mix()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=300)
    args = parser.parse_args()
    print(f"search updates bench: {args.services} services, {args.updates} updates")
    with tempfile.TemporaryDirectory(prefix="bench-search-updates-") as folder:
        run(args.services, args.updates, Path(folder))


if __name__ == "__main__":
    main()
