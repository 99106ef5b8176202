"""Fixtures: a fresh app, database and search index folder for every test.

The database is SQLite in the test's tmp_path unless TEST_DATABASE_URL names another one
(CI runs the suite again with PostgreSQL); CSRF stays on as in production.
"""

from __future__ import annotations

import os
import re

import pytest

from portal import create_app
from portal.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header(config):
    return f"database: {TEST_DATABASE_URL or 'SQLite in tmp_path'}"


@pytest.fixture(scope="session")
def _clean_shared_database():
    """A shared database (PostgreSQL) starts each run with the current schema."""
    if TEST_DATABASE_URL:
        app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL})
        with app.app_context():
            _db.drop_all()
            _db.engine.dispose()
    yield


@pytest.fixture
def app(tmp_path, _clean_shared_database):
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}",
            "PORTAL_SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
            "PORTAL_HSDS_DOWNLOAD_PATH": str(tmp_path / "hsds-datapackage.zip"),
        }
    )
    with app.app_context():
        _db.create_all()
        yield app
        release_database()


def release_database() -> None:
    """After an app's tests: empty a shared database (PostgreSQL keeps its tables for the
    next test) and close the connections."""
    _db.session.remove()
    if TEST_DATABASE_URL:
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
    _db.engine.dispose()


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
