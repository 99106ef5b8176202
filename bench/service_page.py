"""Render time of public pages on the sample catalog, through the Flask test client.

Prints the median and p95 of N renders of a service page (the richest one in the catalog), a
category page, the home page and two search pages (a word, and its page 2 in Spanish),
with the SQL statements each sends. The testing configuration has no page cache
(portal/page_cache.py), so every render is uncached.
Run: `make bench` or `.venv/bin/python bench/service_page.py`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select

from bench.stats import fmt, summary
from portal import create_app, freeze_loaded_objects
from portal.catalog import vocabulary
from portal.catalog.seed import load_sample_catalog
from portal.extensions import db
from portal.models import Attribute, Service, ServiceAtLocation, TaxonomyTerm
from portal.search import rebuild_index

SEARCHES = ("/search?q=counseling", "/search?q=counseling&page=2&lang=es")


def timed(client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm caches and templates once
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def statements(client, url: str) -> int:
    sent = []

    def listener(*_args) -> None:
        sent.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(sent)


def report(label: str, samples: list[float], sql: int | None = None) -> None:
    print(f"{label:<34} {fmt(summary(samples))}" + (f"   {sql} SQL" if sql is not None else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "PORTAL_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
                "PORTAL_SEARCH_INDEX_DIR": str(Path(folder) / "index"),
            }
        )
        with app.app_context():
            db.create_all()
            load_sample_catalog(db.session)
            db.session.commit()
            rebuild_index()
            richest = db.session.scalars(
                select(Service.id)
                .join(ServiceAtLocation)
                .group_by(Service.id)
                .order_by(func.count(ServiceAtLocation.id).desc(), Service.name)
                .limit(1)
            ).one()
            biggest_category = db.session.scalars(
                select(TaxonomyTerm.id)
                .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
                .where(TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID)
                .group_by(TaxonomyTerm.id)
                .order_by(func.count(Attribute.id).desc())
                .limit(1)
            ).one()
            db.session.remove()
            client = app.test_client()
            for url in (f"/services/{richest}", f"/categories/{biggest_category}", "/", *SEARCHES):
                client.get(url)  # warm-up, then what a serving process keeps, as wsgi.py does
            freeze_loaded_objects()
            report(
                "service page (most locations)", timed(client, f"/services/{richest}", args.runs)
            )
            report(
                "category page (largest)",
                timed(client, f"/categories/{biggest_category}", args.runs),
            )
            report("home page", timed(client, "/", args.runs))
            for url in SEARCHES:
                label = "search " + url.removeprefix("/search?")
                report(label, timed(client, url, args.runs), statements(client, url))
            db.engine.dispose()


if __name__ == "__main__":
    main()
