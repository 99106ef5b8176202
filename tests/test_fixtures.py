"""The suite's own fixtures (tests/conftest.py, tests/database.py): each test's changes are
rolled back, @built_once fixtures give every test the same rows and index, a fresh database
commits for other threads, and only factory users get cheap password hashes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.auth import passwords
from portal.extensions import db as _db
from portal.models import Organization, Service
from portal.search import SearchParams, rebuild_index, search_services
from tests.database import app_config, built_once
from tests.factories import DEFAULT_PASSWORD, OrganizationFactory, ServiceFactory, UserFactory


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def found(words: str) -> list[str]:
    return [
        _db.session.get(Service, i).name for i in search_services(SearchParams(q=words)).service_ids
    ]


def test_what_a_test_commits_is_gone_for_the_next_one(suite_database, tmp_path):
    for _ in range(2):
        app = create_app(app_config(suite_database.url, tmp_path))
        with app.app_context():
            suite_database.attach(app)
        level = suite_database.begin_test(app, [])
        with app.app_context():
            assert count(Organization) == 0
            OrganizationFactory(name="Left behind")
            _db.session.commit()
            with _db.engine.begin() as connection:  # a savepoint of the test's transaction
                connection.execute(Organization.__table__.insert().values(id="x", name="Raw"))
            assert count(Organization) == 2
        suite_database.end_test(app, level)


BUILDS: list[str] = []


@built_once
def harbor(db):
    BUILDS.append("harbor")
    service = ServiceFactory(name="Harbor Counseling")
    db.session.commit()
    rebuild_index()
    return {"service": service, "ids": [service.id]}


def test_a_built_once_fixture_gives_its_rows_and_index_loaded_again(db, harbor):
    service = harbor["service"]
    assert service in db.session and harbor["ids"] == [service.id]
    assert found("harbor") == ["Harbor Counseling"]
    service.name = "Lighthouse Counseling"
    db.session.commit()
    assert found("lighthouse") == ["Lighthouse Counseling"] and found("harbor") == []


@built_once
def clinic(db):
    ServiceFactory(name="Riverside Clinic")


def test_another_built_once_fixture_sees_none_of_the_first_ones_rows(db, clinic):
    assert db.session.scalars(select(Service.name)).all() == ["Riverside Clinic"]


def test_each_test_of_a_built_once_fixture_starts_from_the_same_state(db, harbor):
    assert found("harbor") == ["Harbor Counseling"] and found("lighthouse") == []
    assert count(Service) == 1
    assert BUILDS == ["harbor"]  # the tests using it run in a row (conftest.py)


def test_a_transactional_test_may_not_use_the_database_from_another_thread(app, db):
    errors = []

    def work():
        with app.app_context():
            try:
                _db.session.scalar(select(1))
            except RuntimeError as error:
                errors.append(str(error))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "@pytest.mark.fresh_database" in errors[0]


@pytest.mark.fresh_database
def test_a_fresh_database_commits_for_other_threads(app, db):
    OrganizationFactory(name="Seen elsewhere")
    db.session.commit()
    names = []

    def work():
        with app.app_context():
            names.extend(_db.session.scalars(select(Organization.name)))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert names == ["Seen elsewhere"]


def test_the_app_hashes_with_full_cost_scrypt_and_factories_cheaply(db):
    assert passwords.HASH_METHOD == "scrypt"
    assert passwords.hash_password(DEFAULT_PASSWORD).startswith("scrypt:32768:8:1$")
    user = UserFactory()
    assert user.password_hash.startswith("scrypt:1024:8:1$")
    assert passwords.verify(user.password_hash, DEFAULT_PASSWORD)
