"""Capacity you can trust (issue 12, point 3): provider staff of any organization update
openings and "accepting new clients" with one tap, published at once, logged in the listing
history and the audit log; the "has room now" filter and the figures in HTML and JSON follow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.catalog import capacity
from portal.models import AuditEvent, ChangeRequest, Metadata, Service, ServiceCapacity
from portal.models.catalog import utcnow
from portal.search import SearchParams, rebuild_index, search_services
from tests.accounts import post_form, signed_in
from tests.database import built_once
from tests.factories import (
    OrganizationFactory,
    PhoneFactory,
    ServiceFactory,
    UnitFactory,
    UserFactory,
)


@built_once
def shelters(app, db):
    org = OrganizationFactory(name="Harbor Light Shelter Network")  # not trusted
    other_org = OrganizationFactory(name="Elm Street Housing")
    beds = UnitFactory(name="beds")
    full = ServiceFactory(
        organization=org, name="Harbor Night Shelter", description="Emergency shelter beds."
    )
    full.phones.append(PhoneFactory.build(number="(703) 555-0144"))
    full.capacities.append(ServiceCapacity(unit=beds, available=0, maximum=48))
    full.accepting_new_clients = False
    open_one = ServiceFactory(
        organization=other_org, name="Elm Street Shelter", description="Emergency shelter beds."
    )
    open_one.capacities.append(ServiceCapacity(unit=beds, available=5, maximum=20))
    taking = ServiceFactory(
        organization=other_org, name="Elm Street Intake", description="Shelter intake desk."
    )
    taking.accepting_new_clients = True
    staff = UserFactory(role="provider", organizations=[org], email="staff@example.org")
    stranger = UserFactory(role="provider", organizations=[other_org])
    db.session.commit()
    rebuild_index()
    return dict(
        org=org,
        full=full,
        open_one=open_one,
        taking=taking,
        staff=staff,
        stranger=stranger,
        beds=beds,
    )


def org_page(world) -> str:
    return f"/provider/organizations/{world['org'].id}"


def tap(client, world, service, data: dict):
    return post_form(
        client,
        f"/provider/services/{service.id}/capacity",
        data,
        token_from=org_page(world),
    )


def room_search(**kwargs) -> set[str]:
    return set(search_services(SearchParams(q="shelter", has_room=True, **kwargs)).service_ids)


def test_one_tap_publishes_openings_at_once_with_history_and_audit(app, db, shelters):
    world = shelters
    assert room_search() == {world["open_one"].id, world["taking"].id}
    client = signed_in(app, world["staff"])
    page = client.get(org_page(world)).get_data(as_text=True)
    assert 'name="openings-0-available"' in page and "Not accepting new clients" in page

    response = tap(
        client,
        world,
        world["full"],
        {
            "accepting": "keep",
            "openings-0-unit_id": world["beds"].id,
            "openings-0-available": "3",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    service = db.session.get(Service, world["full"].id)
    assert [c.available for c in service.capacities] == [3]
    assert service.accepting_new_clients is False
    assert service.capacity_updated is not None
    change = db.session.scalars(select(ChangeRequest)).one()
    assert change.status == "approved" and set(change.proposed_values) == {"capacity"}
    history = db.session.scalars(select(Metadata).where(Metadata.resource_id == service.id)).all()
    assert [(m.field_name, m.updated_by) for m in history] == [("capacity", "staff@example.org")]
    assert "beds: 0" in history[0].previous_value and "beds: 3" in history[0].replacement_value
    assert db.session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.record_id == service.id, AuditEvent.action == "listing.capacity_updated"
        )
    )
    # The index follows at once: three beds is room now.
    assert world["full"].id in room_search()

    # One tap: full, not accepting.
    tap(
        client,
        world,
        service,
        {"accepting": "no", "openings-0-unit_id": world["beds"].id, "openings-0-available": "0"},
    )
    db.session.expire_all()
    assert world["full"].id not in room_search()
    tap(client, world, service, {"accepting": "yes"})
    db.session.expire_all()
    assert db.session.get(Service, world["full"].id).accepting_new_clients is True
    assert world["full"].id in room_search()
    assert db.session.scalars(select(ChangeRequest.status)).all() == ["approved"] * 3


def test_saving_the_same_figures_counts_as_checking_them(app, db, shelters):
    world = shelters
    service = world["full"]
    service.capacity_updated = utcnow() - dt.timedelta(days=3)
    db.session.commit()
    client = signed_in(app, world["staff"])
    response = tap(
        client,
        world,
        service,
        {"accepting": "keep", "openings-0-unit_id": world["beds"].id, "openings-0-available": "0"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert utcnow() - db.session.get(Service, service.id).capacity_updated < dt.timedelta(hours=1)
    assert db.session.scalars(select(Metadata)).all() == []


@pytest.mark.parametrize(
    "data, status, message",
    [
        ({"openings-0-available": "60"}, 422, "cannot be more than 48"),
        ({"openings-0-available": "-1"}, 422, "whole number from 0 to 100000"),
        ({"openings-0-available": "lots"}, 422, "must be a whole number"),
        ({"accepting": "maybe"}, 422, "Choose one of the options listed for"),
    ],
)
def test_bad_figures_get_a_clear_message_and_change_nothing(
    app, db, shelters, data, status, message
):
    world = shelters
    client = signed_in(app, world["staff"])
    response = tap(
        client,
        world,
        world["full"],
        {"accepting": "keep", "openings-0-unit_id": world["beds"].id, **data},
    )
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    service = db.session.get(Service, world["full"].id)
    assert [c.available for c in service.capacities] == [0]
    assert service.capacity_updated is None
    assert db.session.scalars(select(ChangeRequest)).all() == []


def test_a_unit_the_service_does_not_list_is_refused(app, db, shelters):
    world = shelters
    slots = UnitFactory(name="appointment slots")
    db.session.commit()
    client = signed_in(app, world["staff"])
    response = tap(
        client,
        world,
        world["full"],
        {"accepting": "keep", "openings-0-unit_id": slots.id, "openings-0-available": "2"},
    )
    assert response.status_code == 422
    assert "does not list that kind of opening" in response.get_data(as_text=True)
    assert db.session.scalars(select(ChangeRequest)).all() == []


def test_only_the_organizations_staff_may_update_and_csrf_is_needed(app, db, shelters):
    world = shelters
    stranger = signed_in(app, world["stranger"])
    path = f"/provider/services/{world['full'].id}/capacity"
    token_page = f"/provider/organizations/{world['open_one'].organization_id}"
    assert post_form(stranger, path, {"accepting": "yes"}, token_from=token_page).status_code == 404
    staff = signed_in(app, world["staff"])
    assert staff.post(path, data={"accepting": "yes"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Service, world["full"].id).accepting_new_clients is False


def test_cards_pages_and_json_say_when_and_what(app, db, shelters):
    world = shelters
    service = world["open_one"]
    service.capacity_updated = utcnow() - dt.timedelta(minutes=25)
    db.session.commit()
    client = app.test_client()
    html = client.get("/search?q=shelter&room=y").get_data(as_text=True)
    assert f"/services/{service.id}" in html and f"/services/{world['full'].id}" not in html
    assert "Openings updated 25 minutes ago" in html
    assert "Has room now" in html  # the removable filter
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Updated 25 minutes ago" in page

    data = client.get("/search.json?q=shelter&room=y").get_json()
    by_name = {r["name"]: r for r in data["results"]}
    assert set(by_name) == {"Elm Street Shelter", "Elm Street Intake"}
    shelter = by_name["Elm Street Shelter"]
    assert shelter["has_room"] is True
    assert shelter["openings"] == [{"unit": "beds", "available": 5, "maximum": 20}]
    assert shelter["capacity_updated"].startswith(str(service.capacity_updated.date()))
    assert data["facets"]["room"] == {"yes": 2}
    everything = client.get("/search.json?q=shelter").get_json()
    assert everything["facets"]["room"] == {"yes": 2, "no": 1}
    full = next(r for r in everything["results"] if r["name"] == "Harbor Night Shelter")
    assert full["has_room"] is False


def test_the_api_carries_the_same_figures(app, db, shelters):
    service = shelters["open_one"]
    data = app.test_client().get(f"/api/services/{service.id}").get_json()
    [capacity] = data["capacities"]
    assert capacity["unit"]["name"] == "beds"
    assert (capacity["available"], capacity["maximum"]) == (5, 20)
    assert capacity["updated"]
    full = app.test_client().get("/api/services?full=true&search=shelter").get_json()
    assert {s["name"]: [c["available"] for c in s["capacities"]] for s in full["contents"]}[
        "Elm Street Shelter"
    ] == [5]


@pytest.mark.parametrize(
    "accepting, available, expected",
    [
        (True, [], "yes"),
        (None, [0, 2], "yes"),
        (False, [1], "yes"),  # an opening counts whatever the flag says
        (False, [], "no"),
        (None, [0, 0], "no"),  # every unit counted, none open
        (None, [], "unknown"),
    ],
)
def test_room_now_says_yes_no_or_unknown(accepting, available, expected):
    assert capacity.room_now(accepting, available) == expected
