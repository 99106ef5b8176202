"""Rules the database keeps itself, on SQLite and PostgreSQL alike: each vocabulary column
holds only its StrEnum's values, a service is placed at a location once, and the audit log and
referral events refuse UPDATE and DELETE whatever the client (raw SQL included)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal import audit
from portal.models import (
    ChangeRequest,
    ContactPreference,
    ReferralEvent,
    Role,
    ServiceStatus,
    Urgency,
)
from portal.referrals import workflow
from tests.factories import (
    ClientFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)


def _refused(db, statement: str, **values) -> bool:
    """Whether the database refuses the statement (and nothing of it stays)."""
    try:
        with db.engine.begin() as connection:
            connection.execute(text(statement), values)
    except DBAPIError:
        return True
    return False


@pytest.mark.parametrize(
    "table, column",
    [
        ("service", "status"),
        ("user_account", "role"),
        ("change_request", "status"),
        ("change_request", "target_type"),
        ("client", "contact_preference"),
        ("referral", "status"),
        ("referral", "urgency"),
        ("referral", "outcome"),
        ("referral_event", "to_status"),
    ],
)
def test_a_value_outside_the_vocabulary_is_refused(db, table, column):
    organization = OrganizationFactory()
    service = ServiceFactory(organization=organization)
    clinician = UserFactory(role="clinician")
    referral = workflow.create(
        ClientFactory(), service, by=clinician, urgency=Urgency.routine, need="Counseling"
    )
    db.session.add(
        ChangeRequest(
            organization=organization,
            target_type="service",
            target_id=service.id,
            proposed_values={},
            previous_values={},
        )
    )
    db.session.commit()
    ids = {
        "service": service.id,
        "user_account": clinician.id,
        "change_request": db.session.scalar(db.select(ChangeRequest.id)),
        "client": referral.client_id,
        "referral": referral.id,
    }
    if table == "referral_event":
        statement = (
            "INSERT INTO referral_event (referral_id, at, to_status) "
            "VALUES (:id, CURRENT_TIMESTAMP, 'made-up')"
        )
        assert _refused(db, statement, id=referral.id)
        return
    assert _refused(db, f"UPDATE {table} SET {column} = 'made-up' WHERE id = :id", id=ids[table])
    with db.engine.connect() as connection:
        query = text(f"SELECT {column} FROM {table} WHERE id = :id")
        kept = connection.execute(query, {"id": ids[table]})
        assert kept.scalar() != "made-up"


def test_every_value_of_the_vocabularies_is_accepted(db):
    organization = OrganizationFactory()
    service = ServiceFactory(organization=organization)
    db.session.commit()
    for status in ServiceStatus:
        assert not _refused(
            db, "UPDATE service SET status = :status WHERE id = :id", status=status, id=service.id
        )
    user = UserFactory(role="clinician")
    client = ClientFactory()
    db.session.commit()
    for role in Role:
        assert not _refused(
            db, "UPDATE user_account SET role = :v WHERE id = :id", v=role, id=user.id
        )
    for preference in ContactPreference:
        assert not _refused(
            db,
            "UPDATE client SET contact_preference = :v WHERE id = :id",
            v=preference,
            id=client.id,
        )


def test_a_service_is_placed_at_a_location_once(db):
    service, location, elsewhere = ServiceFactory(), LocationFactory(), LocationFactory()
    ServiceAtLocationFactory(service=service, location=location)
    db.session.commit()
    assert _refused(
        db,
        "INSERT INTO service_at_location (id, service_id, location_id) VALUES ('dup', :s, :l)",
        s=service.id,
        l=location.id,
    )
    assert not _refused(
        db,
        "INSERT INTO service_at_location (id, service_id, location_id) VALUES ('other', :s, :l)",
        s=service.id,
        l=elsewhere.id,
    )


@pytest.mark.parametrize("table", ["referral_event", "audit_event"])
def test_append_only_rows_cannot_be_changed_even_by_raw_sql(db, table):
    referral = workflow.create(
        ClientFactory(),
        ServiceFactory(),
        by=UserFactory(role="clinician"),
        urgency=Urgency.routine,
        need="Counseling",
    )
    audit.record("login.failure", actor_email="someone@example.org")
    db.session.commit()
    count = f"SELECT COUNT(*) FROM {table}"
    with db.engine.connect() as connection:
        before = connection.execute(text(count)).scalar()
    assert before >= 1
    column = "note" if table == "referral_event" else "detail"
    assert _refused(db, f"UPDATE {table} SET {column} = 'rewritten'")
    assert _refused(db, f"DELETE FROM {table}")
    with db.engine.connect() as connection:
        assert connection.execute(text(count)).scalar() == before
        assert (
            connection.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
            == [None] * before
        )
    assert db.session.get(ReferralEvent, referral.events[0].id) is not None
