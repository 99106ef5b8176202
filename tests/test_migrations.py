"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    shared = os.environ.get("TEST_DATABASE_URL")
    if not shared:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    # A database of its own, so the upgrade does not meet the suite's tables.
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(shared, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(shared).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_builds_the_models_schema_on_an_empty_database(empty_database_url):
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(db.inspect(connection).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {
        "organization",
        "service",
        "location",
        "service_at_location",
        "taxonomy_term",
        "service_capacity",
        "metadata",
    } <= tables


def test_upgrading_a_database_with_listings_keeps_them(empty_database_url):
    """Later revisions change existing tables (on SQLite by copying them); the rows that
    refer to those tables must survive."""
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="16e15f1a6927")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organization (id, name, description) "
                    "VALUES ('00000000-0000-4000-8000-000000000001', 'Sample Org', 'x')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO service (id, organization_id, name, status, last_modified) VALUES "
                    "('00000000-0000-4000-8000-000000000002', "
                    "'00000000-0000-4000-8000-000000000001', 'Sample Service', 'active', "
                    "'2026-11-01 00:00:00')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            services = connection.execute(text("SELECT name FROM service")).scalars().all()
            trusted = connection.execute(text("SELECT trusted FROM organization")).scalars().all()
        db.engine.dispose()
    assert services == ["Sample Service"]
    assert trusted == [False]
