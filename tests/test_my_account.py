"""Each signed-in user's own details (issue 13): name and work phone, set on "Your account" and
shown to providers on the referrals the clinician sends."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import AuditEvent
from portal.models.catalog import utcnow
from tests.accounts import post_form, signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def details_events(db) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.details_changed")
    ).all()


@pytest.mark.parametrize("role", ["clinician", "supervisor", "provider", "admin"])
def test_every_role_finds_its_account_page_from_the_navigation(app, db, role):
    user = UserFactory(role=role, display_name="Sam Rivera", phone="(703) 555-0100")
    db.session.commit()
    client = signed_in(app, user)
    assert 'href="/account"' in text(client.get("/"))
    page = text(client.get("/account"))
    assert "Your account" in page and user.email in page
    assert 'value="Sam Rivera"' in page and 'value="(703) 555-0100"' in page
    assert 'name="csrf_token"' in page and 'type="tel"' in page and 'autocomplete="tel"' in page


def test_saving_normalises_the_phone_and_audits_what_changed(app, db):
    user = UserFactory(role="clinician", display_name=None, phone=None)
    db.session.commit()
    client = signed_in(app, user)
    response = post_form(
        client, "/account", {"display_name": "  Sam <b>Rivera</b> ", "phone": "703.555.0100"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(user)
    assert (user.display_name, user.phone) == ("Sam Rivera", "(703) 555-0100")
    [event] = details_events(db)
    assert event.actor_id == user.id and event.record_id == user.id
    assert event.detail == "display_name, phone"
    assert "703" not in event.detail  # the log names fields, not values

    # The same again changes nothing and records nothing.
    post_form(client, "/account", {"display_name": "Sam Rivera", "phone": "(703) 555-0100"})
    assert len(details_events(db)) == 1
    # The phone may be taken off.
    post_form(client, "/account", {"display_name": "Sam Rivera", "phone": ""})
    db.session.refresh(user)
    assert user.phone is None and details_events(db)[-1].detail == "phone"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"display_name": "", "phone": ""}, "display_name", "Enter your name"),
        ({"display_name": "x" * 201, "phone": ""}, "display_name", "200 characters or fewer"),
        ({"display_name": "Sam\x00", "phone": ""}, "display_name", "invisible characters"),
        ({"display_name": "Sam", "phone": "call me"}, "phone", "like 703-555-0100"),
        ({"display_name": "Sam", "phone": "555-0100"}, "phone", "can be dialled"),
        ({"display_name": "Sam", "phone": "7" * 41}, "phone", "like 703-555-0100"),
    ],
)
def test_bad_details_get_422_with_the_field_named_and_nothing_saved(app, db, data, field, message):
    user = UserFactory(role="clinician", display_name="Before", phone="(703) 555-0199")
    db.session.commit()
    client = signed_in(app, user)
    response = post_form(client, "/account", data)
    assert response.status_code == 422
    page = text(response)
    label = {"display_name": "Your name", "phone": "Work phone"}[field]
    assert f'href="#{field}">{label}: ' in page and message in page  # the summary names it
    assert f'id="{field}" ' in page and 'aria-invalid="true"' in page
    db.session.refresh(user)
    assert (user.display_name, user.phone) == ("Before", "(703) 555-0199")
    assert details_events(db) == []


def test_the_form_needs_its_csrf_token(app, db):
    user = UserFactory(role="clinician", display_name="Before")
    db.session.commit()
    client = signed_in(app, user)
    response = client.post("/account", data={"display_name": "After", "phone": ""})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.display_name == "Before"


def test_the_account_page_needs_a_signed_in_user(client, db):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_providers_see_the_name_and_phone_the_clinician_set(app, db):
    org = OrganizationFactory()
    clinician = UserFactory(role="clinician", email="dana@example.org")
    staff = UserFactory(role="provider", organizations=[org])
    person = ClientFactory()
    referral = ReferralFactory(
        client=person,
        service=ServiceFactory(organization=org),
        status="requested",
        sent_at=utcnow(),
        created_by_id=clinician.id,
    )
    ConsentFactory(client=person, organization=org)
    db.session.commit()
    post_form(
        signed_in(app, clinician),
        "/account",
        {"display_name": "Dana Clinician", "phone": "703 555 0111"},
    )
    page = text(signed_in(app, staff).get(f"/provider/referrals/{referral.id}"))
    assert "Dana Clinician" in page and 'href="tel:+17035550111"' in page
