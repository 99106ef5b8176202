"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

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


def test_vocabularies_and_placements_migrate_keeping_rows(empty_database_url):
    """c17t00000001: a repeated placement is merged (its phone moves to the kept row), the
    referral and its event stay, and afterwards the database itself refuses to change events
    and audit rows, and holds the models' CHECK constraints."""
    org, service, place = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
    kept, repeated = "00000000-0000-4000-8000-000000000010", "00000000-0000-4000-8000-000000000011"
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="b7c0ffee0007")
        with db.engine.begin() as connection:
            for statement in (
                f"INSERT INTO organization (id, name, description, trusted) "
                f"VALUES ('{org}', 'Sample Org', 'x', false)",
                f"INSERT INTO service (id, organization_id, name, status, last_modified) "
                f"VALUES ('{service}', '{org}', 'Sample Service', 'active', CURRENT_TIMESTAMP)",
                f"INSERT INTO location (id, location_type, organization_id) "
                f"VALUES ('{place}', 'physical', '{org}')",
                f"INSERT INTO service_at_location (id, service_id, location_id) "
                f"VALUES ('{kept}', '{service}', '{place}'), "
                f"('{repeated}', '{service}', '{place}')",
                f"INSERT INTO phone (id, service_at_location_id, number) "
                f"VALUES ('p1', '{repeated}', '703-555-0100')",
                "INSERT INTO client (id, name, contact_preference, created_at, updated_at) "
                "VALUES ('c1', 'Sample Person', 'call', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                f"INSERT INTO referral (id, version, client_id, organization_id, service_id, "
                f"status, urgency, need, created_at) VALUES ('r1', 1, 'c1', '{org}', "
                f"'{service}', 'draft', 'routine', 'Counseling', CURRENT_TIMESTAMP)",
                "INSERT INTO referral_event (referral_id, at, to_status) "
                "VALUES ('r1', CURRENT_TIMESTAMP, 'draft')",
                "INSERT INTO audit_event (at, action) "
                "VALUES (CURRENT_TIMESTAMP, 'referral.created')",
            ):
                connection.execute(text(statement))
        upgrade()
        with db.engine.connect() as connection:
            placements = connection.execute(text("SELECT id FROM service_at_location")).scalars()
            assert placements.all() == [kept]
            phone = connection.execute(text("SELECT service_at_location_id FROM phone")).scalar()
            assert phone == kept
            assert connection.execute(text("SELECT COUNT(*) FROM referral_event")).scalar() == 1
            inspector = db.inspect(connection)
            for table in db.metadata.sorted_tables:
                modelled = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
                found = {c["name"] for c in inspector.get_check_constraints(table.name)}
                assert found == modelled, table.name
        for statement in (
            "UPDATE referral_event SET note = 'rewritten'",
            "DELETE FROM referral_event",
            "UPDATE audit_event SET detail = 'rewritten'",
            "DELETE FROM audit_event",
            "UPDATE referral SET status = 'made-up'",
        ):
            with pytest.raises(DBAPIError), db.engine.begin() as connection:
                connection.execute(text(statement))
        db.engine.dispose()


def test_the_report_tallies_are_filled_and_kept_from_the_migration_on(empty_database_url):
    """c15v00000001: encounters and calls recorded before it are tallied by the migration,
    those recorded after by the triggers it creates; a downgrade and upgrade again leave the
    same tallies. On PostgreSQL the derived columns' trigger functions plan each statement
    for the table as it is."""
    tallies = ("encounter_month", "encounter_day", "call_month", "call_day")
    encounter = (
        "INSERT INTO encounter (id, occurred_at, source, disposition, arrest_eligible, "
        "diverted, created_at) VALUES ('{id}', '2026-03-02 12:00:00', 'outreach', 'resolved', "
        "false, false, CURRENT_TIMESTAMP)"
    )
    call = (
        "INSERT INTO call (call_id, received_at, local_hour, local_weekday, team_status, "
        "imported_at) VALUES ('{id}', '2026-03-02 12:00:00', 7, 0, 'busy', CURRENT_TIMESTAMP)"
    )

    def counted() -> dict[str, list]:
        with db.engine.connect() as connection:
            return {
                name: connection.execute(text(f"SELECT n FROM {name}")).scalars().all()
                for name in tallies
            }

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="c15u00000001")
        with db.engine.begin() as connection:
            connection.execute(text(encounter.format(id="before")))
            connection.execute(text(call.format(id="C-before")))
        upgrade()
        assert counted() == {key: [1] for key in tallies}
        with db.engine.begin() as connection:
            connection.execute(text(encounter.format(id="after")))
            connection.execute(text(call.format(id="C-after")))
        assert counted() == {key: [2] for key in tallies}
        downgrade(revision="c15u00000001")
        upgrade()
        assert counted() == {key: [2] for key in tallies}
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                settings = connection.execute(
                    text(
                        "SELECT proname, proconfig FROM pg_proc WHERE proname IN "
                        "('referral_event_sets_accepted_at', 'encounter_keeps_previous_at')"
                    )
                ).all()
            assert sorted(settings) == [
                ("encounter_keeps_previous_at", ["plan_cache_mode=force_custom_plan"]),
                ("referral_event_sets_accepted_at", ["plan_cache_mode=force_custom_plan"]),
            ]
        db.engine.dispose()
