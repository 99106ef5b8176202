"""Freshness: one-click confirmation, the stale queue, the public "out of date" marks and the
reminder emails."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal import localtime
from portal.catalog import freshness
from portal.models import EmailMessage, ListingReminder, Metadata
from portal.models.catalog import utcnow
from portal.search import rebuild_index
from tests.accounts import post_form, sign_in_as
from tests.factories import OrganizationFactory, ServiceFactory, UserFactory


@pytest.fixture
def world(app, db):
    today = localtime.today()
    org = OrganizationFactory(name="Riverbend Community Services")
    fresh = ServiceFactory(organization=org, name="Riverbend Counseling", assured_date=today)
    old = ServiceFactory(
        organization=org, name="Riverbend Housing Help", assured_date=today - dt.timedelta(days=400)
    )
    never = ServiceFactory(organization=org, name="Riverbend Peer Support", assured_date=None)
    closed = ServiceFactory(
        organization=org, name="Riverbend Old Program", status="inactive", assured_date=None
    )
    lonely = ServiceFactory(name="Unstaffed Pantry", assured_date=None)
    staff = [
        UserFactory(role="provider", organizations=[org], email=f"staff{n}@example.org")
        for n in (1, 2)
    ]
    UserFactory(role="provider", organizations=[org], email="gone@example.org", active=False)
    admin = UserFactory(role="admin", with_mfa=True)
    db.session.commit()
    return dict(
        org=org,
        fresh=fresh,
        old=old,
        never=never,
        closed=closed,
        lonely=lonely,
        staff=staff,
        admin=admin,
    )


def emails(db) -> list[tuple[str, str]]:
    return [
        (m.to, m.body) for m in db.session.scalars(select(EmailMessage).order_by(EmailMessage.to))
    ]


def test_stale_means_not_confirmed_within_the_threshold(app, world):
    assert not freshness.is_stale(world["fresh"].assured_date)
    assert freshness.is_stale(world["old"].assured_date) and freshness.is_stale(
        world["never"].assured_date
    )
    app.config["PORTAL_STALE_AFTER_DAYS"] = 500
    assert not freshness.is_stale(world["old"].assured_date)


def test_the_stale_queue_lists_public_listings_not_confirmed(app, db, world):
    names = [s.name for s in db.session.scalars(freshness.stale_services())]
    assert names == ["Riverbend Peer Support", "Unstaffed Pantry", "Riverbend Housing Help"]
    client = app.test_client()
    sign_in_as(client, world["admin"])
    page = client.get("/admin/stale").get_data(as_text=True)
    assert "Riverbend Housing Help" in page and "Riverbend Counseling" not in page
    assert "possibly out of date</a>: <strong>3</strong>" in client.get("/admin/").get_data(
        as_text=True
    )


def test_confirming_a_listing_takes_one_click(app, db, world):
    client = app.test_client()
    sign_in_as(client, world["staff"][0])
    org_page = f"/provider/organizations/{world['org'].id}"
    assert "This listing is still correct" in client.get(org_page).get_data(as_text=True)
    response = post_form(
        client, f"/provider/services/{world['old'].id}/confirm", {}, token_from=org_page
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert world["old"].assured_date == localtime.today()
    assert world["old"].assurer_email == "staff1@example.org"
    row = db.session.scalars(select(Metadata)).one()
    assert (row.field_name, row.replacement_value) == (
        "assured_date",
        localtime.today().isoformat(),
    )
    assert "Riverbend Housing Help" not in [
        s.name for s in db.session.scalars(freshness.stale_services())
    ]


def test_public_pages_and_search_show_possibly_out_of_date(app, db, world):
    rebuild_index()
    client = app.test_client()
    page = client.get(f"/services/{world['old'].id}").get_data(as_text=True)
    assert "This listing may be out of date" in page and "Last verified" in page
    fresh = client.get(f"/services/{world['fresh'].id}").get_data(as_text=True)
    assert "may be out of date" not in fresh
    results = client.get("/search?q=riverbend").get_data(as_text=True)
    assert results.count("may be out of date") == 2
    data = client.get("/search.json?q=riverbend").get_json()
    assert {r["name"]: r["possibly_out_of_date"] for r in data["results"]} == {
        "Riverbend Counseling": False,
        "Riverbend Housing Help": True,
        "Riverbend Peer Support": True,
    }


def test_reminders_go_to_active_staff_once_per_period(app, db, world):
    assert freshness.send_reminders() == 2
    db.session.commit()
    sent = emails(db)
    assert [to for to, _body in sent] == ["staff1@example.org", "staff2@example.org"]
    body = sent[0][1]
    assert "Riverbend Housing Help" in body and "Riverbend Peer Support" in body
    assert "Riverbend Counseling" not in body and "Riverbend Old Program" not in body
    assert f"/provider/organizations/{world['org'].id}" in body
    # Run again (cron): nothing new within the period …
    assert freshness.send_reminders() == 0
    db.session.commit()
    assert len(emails(db)) == 2
    # … and again once the period has passed.
    later = utcnow() + freshness.stale_after() + dt.timedelta(days=1)
    assert freshness.send_reminders(now=later) == 2


def test_the_remind_command_queues_the_emails(app, db, world):
    result = app.test_cli_runner().invoke(args=["listings", "remind"])
    assert result.exit_code == 0, result.output
    assert "queued 2 reminder email(s)" in result.output
    assert db.session.scalar(select(func.count()).select_from(ListingReminder)) == 2
    assert app.test_cli_runner().invoke(args=["listings", "remind"]).output.startswith("queued 0")
