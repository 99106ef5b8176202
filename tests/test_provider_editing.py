"""Provider self-service end to end through HTTP: editing own listings into change requests,
the admin review with its diff and HSDS metadata, trusted organizations, and the search index
following what is published."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import func, select

from portal.catalog import change_requests
from portal.models import (
    AuditEvent,
    ChangeRequest,
    Location,
    Metadata,
    Service,
    ServiceCapacity,
)
from portal.search import SearchParams, rebuild_index, search_services
from tests.accounts import post_form, signed_in
from tests.database import built_once
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ScheduleFactory,
    ServiceFactory,
    UnitFactory,
    UserFactory,
)
from tests.listing_forms import submit_form


@built_once
def world(app, db):
    org_a = OrganizationFactory(name="Riverbend Community Services")
    org_b = OrganizationFactory(name="Hilltop Family Center")
    service = ServiceFactory(
        organization=org_a, name="Riverbend Counseling", description="Counseling for adults."
    )
    service.phones.append(PhoneFactory.build(number="(703) 555-0100"))
    service.schedules.append(ScheduleFactory.build())
    other = ServiceFactory(organization=org_b, name="Hilltop Youth Program")
    location = LocationFactory(organization=org_a, name="Riverbend Main Office")
    unit = UnitFactory(name="beds")
    people = {
        "provider_a": UserFactory(
            role="provider", organizations=[org_a], email="staff.a@example.org"
        ),
        "provider_b": UserFactory(role="provider", organizations=[org_b]),
        "admin": UserFactory(role="admin", with_mfa=True, email="admin@example.org"),
    }
    db.session.commit()
    rebuild_index()
    return dict(
        org_a=org_a,
        org_b=org_b,
        service=service,
        other=other,
        location=location,
        unit=unit,
        **people,
    )


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def edit_path(service) -> str:
    return f"/provider/services/{service.id}/edit"


def test_a_provider_edit_becomes_a_pending_change_and_nothing_is_published(app, db, world):
    client = signed_in(app, world["provider_a"])
    response = submit_form(
        client,
        edit_path(world["service"]),
        {
            "description": "Counseling for adults and couples.",
            "phones-1-number": "703 555 0142",
            "hours-5-mode": "hours",
            "hours-5-opens_1": "10:00",
            "hours-5-closes_1": "14:00",
        },
    )
    assert response.status_code == 302
    change = db.session.scalars(select(ChangeRequest)).one()
    assert change.status == "pending" and change.target_id == world["service"].id
    assert set(change.proposed_values) == {"description", "phones", "hours"}
    assert change.proposed_values["phones"][1]["number"] == "(703) 555-0142"
    db.session.expire_all()
    assert world["service"].description == "Counseling for adults."
    assert count(db, Metadata) == 0
    page = client.get(f"/provider/organizations/{world['org_a'].id}").get_data(as_text=True)
    assert "Waiting for review" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"phones-0-number": "555-12"}, "is not a phone number that can be dialled"),
        ({"phones-0-number": "call us"}, "Enter a phone number like"),
        (
            {"hours-2-mode": "hours", "hours-2-opens_1": "22:00", "hours-2-closes_1": "06:00"},
            "tick “closes after midnight”",
        ),
        ({"description": "x" * 4001}, "4000 characters or fewer"),
        ({"url": "javascript:alert(1)"}, "Enter a web address"),
        ({"email": "intake-at-example"}, "Enter an email address"),
        ({"name": "<b></b>"}, "Enter the name."),
        ({"status": "temporarily closed", "alert": ""}, "why the service is closed"),
        ({"minimum_age": "30", "maximum_age": "18"}, "oldest age"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_saved(app, db, world, changes, message):
    client = signed_in(app, world["provider_a"])
    response = submit_form(client, edit_path(world["service"]), changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, ChangeRequest) == 0


def test_hours_past_midnight_are_accepted_when_ticked(app, db, world):
    client = signed_in(app, world["provider_a"])
    response = submit_form(
        client,
        edit_path(world["service"]),
        {
            "hours-2-mode": "hours",
            "hours-2-opens_1": "22:00",
            "hours-2-closes_1": "06:00",
            "hours-2-overnight_1": "y",
        },
    )
    assert response.status_code == 302
    change = db.session.scalars(select(ChangeRequest)).one()
    assert change.proposed_values["hours"][2] == [[1320, 1800]]


def test_a_body_over_the_size_limit_is_413(app, db, world):
    client = signed_in(app, world["provider_a"])
    response = submit_form(
        client,
        edit_path(world["service"]),
        {"description": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)},
    )
    assert response.status_code == 413
    assert count(db, ChangeRequest) == 0


def test_script_in_a_description_is_sanitised_before_review(app, db, world):
    client = signed_in(app, world["provider_a"])
    submit_form(
        client,
        edit_path(world["service"]),
        {"description": 'Walk-ins <script>alert("x")</script>welcome <img src=x onerror=alert(1)>'},
    )
    change = db.session.scalars(select(ChangeRequest)).one()
    assert change.proposed_values["description"] == "Walk-ins welcome"


def test_editing_another_organizations_listing_is_404_and_saves_nothing(app, db, world):
    client = signed_in(app, world["provider_b"])
    service, location, org_a = world["service"], world["location"], world["org_a"]
    # Provider B takes a form of their own and points it at organization A's records.
    own = submit_form(client, edit_path(world["other"]), {"description": "ours"})
    assert own.status_code == 302
    before = count(db, ChangeRequest)
    token_page = edit_path(world["other"])
    for path in (
        edit_path(service),
        f"/provider/locations/{location.id}/edit",
        f"/provider/organizations/{org_a.id}/edit",
        f"/provider/organizations/{org_a.id}/services/new",
        f"/provider/organizations/{org_a.id}/locations/new",
    ):
        assert client.get(path).status_code == 404
        assert (
            post_form(
                client, path, {"name": "Taken over", "description": "x"}, token_from=token_page
            ).status_code
            == 404
        )
    assert (
        post_form(
            client, f"/provider/services/{service.id}/confirm", {}, token_from=token_page
        ).status_code
        == 404
    )
    theirs = db.session.scalars(select(ChangeRequest)).first()
    mine = signed_in(app, world["provider_a"])
    assert mine.get(f"/provider/changes/{theirs.id}").status_code == 404
    assert client.get(f"/provider/organizations/{org_a.id}").status_code == 404
    assert count(db, ChangeRequest) == before
    db.session.expire_all()
    assert service.assured_date == dt.date(2026, 10, 1)


def test_admin_approves_with_a_diff_metadata_rows_and_search_follows(app, db, world):
    provider = signed_in(app, world["provider_a"])
    submit_form(
        provider,
        edit_path(world["service"]),
        {
            "description": "Counseling for adults. Evening groups on Thursdays.",
            "hours-0-mode": "all_day",
            "accepting_new_clients": "yes",
            "capacity-0-available": "3",
            "capacity-0-maximum": "12",
        },
    )
    # Capacity is published at once; the rest waits for the admin.
    change = db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.status == "pending")
    ).one()
    assert set(change.proposed_values) == {"description", "hours"}
    admin = signed_in(app, world["admin"])
    dashboard = admin.get("/admin/").get_data(as_text=True)
    assert "Changes waiting for review</a>: <strong>1</strong>" in dashboard
    review = admin.get(f"/admin/changes/{change.id}").get_data(as_text=True)
    assert "Evening groups on Thursdays" in review and "<del>Counseling for adults.</del>" in review
    assert "Monday: Open 24 hours" in review
    before = world["service"].last_modified

    response = post_form(
        admin,
        f"/admin/changes/{change.id}/approve",
        {"comment": "Thanks"},
        token_from=f"/admin/changes/{change.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    service = db.session.get(Service, world["service"].id)
    assert service.description.endswith("Thursdays.")
    assert service.accepting_new_clients is True
    assert [(c.unit.name, c.available, c.maximum) for c in service.capacities] == [("beds", 3, 12)]
    assert service.last_modified > before
    rows = {m.field_name: m for m in db.session.scalars(select(Metadata))}
    assert set(rows) == {"description", "hours", "accepting_new_clients", "capacity"}
    assert rows["description"].previous_value == "Counseling for adults."
    assert rows["description"].updated_by == "admin@example.org"
    assert rows["description"].resource_type == "service"
    assert rows["accepting_new_clients"].replacement_value == "Yes"
    assert "beds: 3" in rows["capacity"].replacement_value
    assert change.status == "approved" and change.decision_comment == "Thanks"
    assert db.session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.record_id == change.id, AuditEvent.action == "listing.change_approved"
        )
    )
    # Search reflects it at once, the public page too, and the provider sees the decision.
    found = search_services(SearchParams(q="evening groups"))
    assert found.service_ids == [service.id]
    assert "Evening groups on Thursdays" in app.test_client().get(
        f"/services/{service.id}"
    ).get_data(as_text=True)
    assert "Published" in provider.get(f"/provider/organizations/{world['org_a'].id}").get_data(
        as_text=True
    )
    history = admin.get(f"/admin/history/{service.id}").get_data(as_text=True)
    assert "Thursdays" in history and "accepting_new_clients" in history


def test_a_rejected_change_needs_a_comment_and_the_provider_sees_it(app, db, world):
    provider = signed_in(app, world["provider_a"])
    submit_form(provider, edit_path(world["service"]), {"description": "Best in town!"})
    change = db.session.scalars(select(ChangeRequest)).one()
    admin = signed_in(app, world["admin"])
    path = f"/admin/changes/{change.id}"
    assert post_form(admin, path + "/reject", {"comment": ""}, token_from=path).status_code == 422
    assert (
        post_form(
            admin, path + "/reject", {"comment": "Please describe the service."}, token_from=path
        ).status_code
        == 302
    )
    assert post_form(admin, path + "/approve", {}, token_from=path).status_code == 409
    db.session.expire_all()
    assert world["service"].description == "Counseling for adults."
    assert count(db, Metadata) == 0
    page = provider.get(f"/provider/organizations/{world['org_a'].id}").get_data(as_text=True)
    assert "Not accepted" in page and "Please describe the service." in page


def test_trusted_organizations_publish_capacity_and_status_at_once(app, db, world):
    world["org_a"].trusted = True
    db.session.commit()
    provider = signed_in(app, world["provider_a"])
    submit_form(
        provider,
        edit_path(world["service"]),
        {
            "status": "temporarily closed",
            "alert": "Closed for repairs until December 1.",
            "waitlist_length": "4",
            "description": "New description.",
        },
    )
    changes = db.session.scalars(select(ChangeRequest).order_by(ChangeRequest.status)).all()
    assert [(c.status, sorted(c.proposed_values)) for c in changes] == [
        ("approved", ["alert", "status", "waitlist_length"]),
        ("pending", ["description"]),
    ]
    db.session.expire_all()
    service = world["service"]
    assert service.status == "temporarily closed" and service.waitlist_length == 4
    assert service.description == "Counseling for adults."
    assert {m.field_name for m in db.session.scalars(select(Metadata))} == {
        "status",
        "alert",
        "waitlist_length",
    }
    assert "Closed for repairs" in app.test_client().get(f"/services/{service.id}").get_data(
        as_text=True
    )


def test_an_untrusted_organization_publishes_capacity_at_once_but_not_status(app, db, world):
    provider = signed_in(app, world["provider_a"])
    submit_form(
        provider,
        edit_path(world["service"]),
        {"waitlist_length": "4", "status": "temporarily closed", "alert": "Closed for repairs."},
    )
    changes = db.session.scalars(select(ChangeRequest).order_by(ChangeRequest.status)).all()
    assert [(c.status, sorted(c.proposed_values)) for c in changes] == [
        ("approved", ["waitlist_length"]),
        ("pending", ["alert", "status"]),
    ]
    db.session.expire_all()
    assert world["service"].waitlist_length == 4
    assert world["service"].status == "active"
    assert world["service"].capacity_updated is not None


def test_a_new_service_and_location_are_created_on_approval(app, db, world):
    provider = signed_in(app, world["provider_a"])
    org = world["org_a"]
    response = submit_form(
        provider,
        f"/provider/organizations/{org.id}/services/new",
        {
            "name": "Riverbend Peer Support",
            "description": "Peer support groups.",
            "locations": world["location"].id,
            "phones-0-number": "988",
            "hours-3-mode": "hours",
            "hours-3-opens_1": "18:00",
            "hours-3-closes_1": "20:00",
        },
    )
    assert response.status_code == 302
    submit_form(
        provider,
        f"/provider/organizations/{org.id}/locations/new",
        {
            "name": "Riverbend East",
            "address_1": "200 Example Avenue",
            "city": "Alexandria",
            "state_province": "va",
            "postal_code": "22301",
            "accessibility": "Ramp at the side door",
        },
    )
    admin = signed_in(app, world["admin"])
    for change in db.session.scalars(select(ChangeRequest)).all():
        path = f"/admin/changes/{change.id}"
        assert post_form(admin, path + "/approve", {}, token_from=path).status_code == 302
    new = db.session.scalars(select(Service).where(Service.name == "Riverbend Peer Support")).one()
    assert new.organization_id == org.id and new.status == "active"
    assert [p.number for p in new.phones] == ["988"]
    assert [sal.location.name for sal in new.service_at_locations] == ["Riverbend Main Office"]
    assert search_services(SearchParams(q="peer support")).service_ids == [new.id]
    place = db.session.scalars(select(Location).where(Location.name == "Riverbend East")).one()
    assert place.physical_address.one_line == "200 Example Avenue, Alexandria, VA 22301"
    assert [a.description for a in place.accessibility] == ["Ramp at the side door"]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Metadata)
            .where(Metadata.resource_id == new.id, Metadata.last_action_type == "create")
        )
        >= 3
    )


def test_an_admin_edit_is_published_at_once_and_recorded(app, db, world):
    admin = signed_in(app, world["admin"])
    submit_form(
        admin,
        f"/provider/locations/{world['location'].id}/edit",
        {"transportation": "Bus 7 stops at the door."},
    )
    change = db.session.scalars(select(ChangeRequest)).one()
    assert change.status == "approved" and change.reviewer_id == world["admin"].id
    db.session.expire_all()
    assert world["location"].transportation == "Bus 7 stops at the door."
    assert db.session.scalars(select(Metadata.field_name)).all() == ["transportation"]


def test_an_unchanged_form_sends_nothing(app, db, world):
    world["service"].capacities.append(
        ServiceCapacity(unit=world["unit"], available=2.0, maximum=10.0)
    )
    db.session.commit()
    provider = signed_in(app, world["provider_a"])
    response = submit_form(provider, edit_path(world["service"]), follow_redirects=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    submit_form(provider, f"/provider/organizations/{world['org_a'].id}/edit")
    assert count(db, ChangeRequest) == 0


def test_approving_applies_to_the_current_record(app, db, world):
    """A change reviewed after the listing moved on records what it really replaced."""
    provider = signed_in(app, world["provider_a"])
    submit_form(provider, edit_path(world["service"]), {"description": "Version two."})
    world["service"].description = "Changed meanwhile."
    db.session.commit()
    change = db.session.scalars(select(ChangeRequest)).one()
    change_requests.approve(change, world["admin"])
    db.session.commit()
    row = db.session.scalars(select(Metadata)).one()
    assert (row.previous_value, row.replacement_value) == ("Changed meanwhile.", "Version two.")


def test_a_service_cannot_be_linked_to_another_organizations_location(app, db, world):
    elsewhere = LocationFactory(organization=world["org_b"], name="Hilltop Annex")
    db.session.commit()
    provider = signed_in(app, world["provider_a"])
    response = submit_form(provider, edit_path(world["service"]), {"locations": elsewhere.id})
    assert response.status_code == 422
    assert (
        "Choose one of the options listed for “Where it is offered (your locations)”."
        in html.unescape(response.get_data(as_text=True))
    )
    assert count(db, ChangeRequest) == 0


def test_capacity_rows_must_be_the_pages_own(app, db, world):
    provider = signed_in(app, world["provider_a"])
    response = submit_form(
        provider, edit_path(world["service"]), {"capacity-0-unit_id": "not-a-unit"}
    )
    assert response.status_code == 400
    assert count(db, ChangeRequest) == 0


def test_an_address_whose_state_cleans_to_nothing_is_refused_not_a_500(app, db, world):
    provider = signed_in(app, world["provider_a"])
    response = submit_form(
        provider,
        f"/provider/organizations/{world['org_a'].id}/locations/new",
        {
            "name": "Riverbend West",
            "address_1": "9 Example Road",
            "city": "Alexandria",
            "state_province": "<b></b>",
            "postal_code": "22301",
        },
    )
    assert response.status_code == 422
    assert "Give the city, state and ZIP code" in response.get_data(as_text=True)
    assert count(db, ChangeRequest) == 0


def test_a_closing_notice_that_cleans_to_nothing_is_refused(app, db, world):
    provider = signed_in(app, world["provider_a"])
    response = submit_form(
        provider, edit_path(world["service"]), {"status": "temporarily closed", "alert": "<b></b>"}
    )
    assert response.status_code == 422
    assert "why the service is closed" in response.get_data(as_text=True)
    assert count(db, ChangeRequest) == 0


def test_the_organization_page_shows_changes_and_status_in_words(app, db, world):
    client = signed_in(app, world["provider_a"])
    submit_form(
        client, edit_path(world["service"]), {"description": "New words.", "waitlist_length": "2"}
    )
    page = client.get(f"/provider/organizations/{world['org_a'].id}").get_data(as_text=True)
    assert "Service: Description<" in page and "Service: People on the waitlist<" in page
    assert "waitlist_length" not in page
    assert "<td>Open</td>" in page
