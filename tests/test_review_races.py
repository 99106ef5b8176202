"""Two decisions on one change request (a double-click on approve, two admins at once): the
first wins, the second gets 409, the listing is published once and audited once (issue 18.3)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.catalog import change_requests
from portal.models import AuditEvent, ChangeRequest, Service
from tests.accounts import signed_in, token_for
from tests.factories import OrganizationFactory, UserFactory


def new_service_request(db) -> tuple[ChangeRequest, object]:
    org = OrganizationFactory(name="Riverbend Community Services")
    provider = UserFactory(role="provider", organizations=[org])
    admin = UserFactory(role="admin", with_mfa=True)
    change = ChangeRequest(
        organization=org,
        target_type="service",
        target_id=None,
        proposed_values={"name": "Riverbend Peer Support", "description": "Peer groups."},
        previous_values={},
        submitted_by_id=provider.id,
    )
    db.session.add(change)
    db.session.commit()
    return change, admin


def count(db, statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


@pytest.mark.fresh_database  # the other decision must outlive this session's rollback
def test_a_decision_made_elsewhere_after_this_session_read_the_request_wins(app, db):
    change, admin = new_service_request(db)
    assert change.status == "pending"  # what this session read
    with db.engine.begin() as connection:
        connection.execute(
            ChangeRequest.__table__.update()
            .where(ChangeRequest.__table__.c.id == change.id)
            .values(status="rejected", decision_comment="Duplicate")
        )
    with pytest.raises(change_requests.ReviewError):
        change_requests.approve(change, admin)
    db.session.rollback()
    assert count(db, select(Service)) == 0
    assert db.session.get(ChangeRequest, change.id).status == "rejected"


@pytest.mark.fresh_database  # two requests in two threads see each other's commits
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_two_concurrent_decisions_give_one_publish_one_409_and_one_audit_row(
    app, db, monkeypatch, second
):
    change, admin = new_service_request(db)
    path = f"/admin/changes/{change.id}"
    clients = [signed_in(app, admin), signed_in(app, admin)]
    tokens = [token_for(c, path) for c in clients]
    # Both requests have read the pending request before either decides: the double-click.
    both_read = threading.Barrier(2, timeout=20)
    decide = change_requests._decide

    def decide_together(*args, **kwargs):
        both_read.wait()
        return decide(*args, **kwargs)

    monkeypatch.setattr(change_requests, "_decide", decide_together)
    statuses: list[int] = []

    def post(action, client, token):
        data = {"csrf_token": token, "comment": "Checked by phone"}
        statuses.append(client.post(f"{path}/{action}", data=data).status_code)

    threads = [
        threading.Thread(target=post, args=args)
        for args in zip(["approve", second], clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    decided = db.session.get(ChangeRequest, change.id)
    published = count(db, select(Service).where(Service.name == "Riverbend Peer Support"))
    assert published == (1 if decided.status == "approved" else 0)
    assert (
        count(
            db,
            select(AuditEvent).where(
                AuditEvent.record_id == change.id,
                AuditEvent.action.in_(["listing.change_approved", "listing.change_rejected"]),
            ),
        )
        == 1
    )
