"""Fixtures, and the rules for tests that use the database.

The fast path (the default). The database is created once per test session (per xdist worker):
a SQLite file, or schemas of their own in the TEST_DATABASE_URL database on PostgreSQL. Each
test gets a new `app` (CSRF on, as in production) whose sessions all run inside one
transaction on one connection, rolled back when the test ends. `db.session.commit()`,
requests through `client`, CLI commands and `with db.engine.begin()` all work as usual: a
commit only releases a savepoint, so the next query sees it and the next test does not.
The search index folder is the test's own (tmp_path/search_index).

Rules for writing tests:

1. Use `app`, `db`, `client` and the helpers in tests/accounts.py and tests/factories.py.
   Nothing else is needed for a test that reads and writes through the app in its own thread.
2. Mark a test `@pytest.mark.fresh_database` when it needs a real database that commits:
   when another thread or process must see its rows (a subprocess, a thread pool, a live
   server: tests/e2e has its own), when it plays "another writer" whose change must survive
   the app's rollback, or when it runs migrations. It gets a copy of an empty SQLite file,
   or on PostgreSQL a schema emptied after it. A transactional test that touches the
   database from another thread fails with a message saying so.
3. A fixture that loads a lot and only writes rows and the search index (the sample catalog,
   a catalog plus `rebuild_index()`) can be `@built_once` (from tests.database): it runs
   once for the tests of a module that use it in a row, in a transaction below each test's,
   and each test gets a copy of its index. It takes `db` and/or `app` (an app of its own:
   set config in a test or an ordinary fixture instead), commits at the end, and returns
   ids, plain values or model instances, which each test gets loaded in its own session.
   Tests may change its rows and index freely: each test starts from the same state.
4. A test that builds its own app with create_app() does not get the suite database: give
   it a SQLite file in tmp_path, or, to run on PostgreSQL too, mark it fresh_database and
   take the URL from the `app` fixture's config.
5. Process-wide caches that outlive an app are emptied before each test
   (`_forget_process_caches`); add a new one there.

`make test` runs the suite on two xdist workers, grouped by module (all browser tests on
one worker); `-n 0` runs it in one process. Factory users' passwords are hashed with cheap
scrypt parameters; the app itself hashes with the real ones (tests/test_fixtures.py).
"""

from __future__ import annotations

import itertools
import re

import pytest

from portal import create_app
from portal.catalog.seed import load_sample_catalog
from portal.extensions import db as _db
from portal.search import rebuild_index
from tests import database, translations
from tests.database import (
    FRESH_MARKER,
    TEST_DATABASE_URL,
    SuiteDatabase,
    app_config,
    built_once,
    built_once_requested,
    release_database,
)


def pytest_configure(config):
    translations.compile_stale_catalogs()


def pytest_report_header(config):
    where = f"PostgreSQL {TEST_DATABASE_URL}" if TEST_DATABASE_URL else "SQLite"
    return f"database: {where}, one schema per worker, a rolled-back transaction per test"


def pytest_collection_modifyitems(config, items):
    """Within each module, tests that use the same @built_once fixtures run in a row (so each
    is built once)."""
    ordered = []
    for _module, tests in itertools.groupby(items, key=lambda item: item.nodeid.split("::")[0]):
        tests = list(tests)
        first_seen: dict[tuple, int] = {}
        for item in tests:
            first_seen.setdefault(_built_once_key(item), len(first_seen))
        ordered += sorted(tests, key=lambda item: first_seen[_built_once_key(item)])
    items[:] = ordered


def pytest_xdist_make_scheduler(config, log):
    """With xdist, a module stays on one worker (its module fixtures are built once, and its
    tests may share outside state such as a Redis database) and the browser tests share one
    (one live server and one Chromium). A scheduler of our own rather than xdist_group marks:
    xdist sets a group by rewriting node ids, which pytest 9 no longer reads."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::")[0]
            return "e2e" if module.startswith("tests/e2e/") else module

    return ModuleScheduling(config, log)


def _built_once_key(item) -> tuple:
    if not hasattr(item, "module") or not hasattr(item, "fixturenames"):
        return ()
    return tuple(id(spec) for spec in built_once_requested(item))


@pytest.fixture(scope="session")
def suite_database(tmp_path_factory):
    suite = SuiteDatabase(tmp_path_factory.mktemp("database"))
    database.suite = suite
    yield suite
    database.suite = None
    suite.close()


@pytest.fixture(scope="session")
def _clean_shared_database():
    """Kept for tests written before the suite database: a PostgreSQL TEST_DATABASE_URL
    starts the run with the current tables in its default schema."""
    if TEST_DATABASE_URL:
        app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL})
        with app.app_context():
            _db.drop_all()
            _db.create_all()
            _db.engine.dispose()
    yield


def _forget_process_caches() -> None:
    """Caches kept per process and database URL: every test is a new database."""
    from portal.catalog import queries

    queries._choices.clear()


@pytest.fixture
def app(request, tmp_path, suite_database):
    fresh = request.node.get_closest_marker(FRESH_MARKER) is not None
    url = suite_database.fresh_url_for(tmp_path) if fresh else suite_database.url
    app = create_app(app_config(url, tmp_path))
    _forget_process_caches()
    if fresh:
        with app.app_context():
            yield app
            release_database()
        return
    with app.app_context():
        suite_database.attach(app)
    level = suite_database.begin_test(app, built_once_requested(request))
    try:
        with app.app_context():
            yield app
    finally:
        suite_database.end_test(app, level)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html: str) -> str:
    """The CSRF token a rendered form carries, for posting it back as a browser would."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@built_once
def sample(db):
    """The sample catalog (portal/catalog/sample_catalog.json), indexed: read-only tests of
    pages and search over realistic listings."""
    load_sample_catalog(db.session)
    db.session.commit()
    rebuild_index()
    return db
