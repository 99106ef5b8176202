"""Every page that shows client data writes who saw whom (issue 18.6): the forms that name a
client, the new-referral form that lists every client, and client searches (query and who
was shown)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Encounter
from portal.models.catalog import utcnow
from portal.referrals import workflow
from tests.accounts import signed_in, token_for
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ServiceFactory,
    UserFactory,
)


@pytest.fixture
def world(app, db):
    service = ServiceFactory(organization=OrganizationFactory(), name="Harbor Outpatient")
    clinician = UserFactory(role="clinician")
    avery = ClientFactory(name="Avery Example")
    blake = ClientFactory(name="Blake Example")
    db.session.commit()
    return dict(service=service, clinician=clinician, avery=avery, blake=blake)


def rows(db, *actions):
    return db.session.execute(
        select(AuditEvent.action, AuditEvent.record_id, AuditEvent.actor_id, AuditEvent.detail)
        .where(AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize(
    "path",
    ["/clients/{client}/consents/new", "/encounters/new?client_id={client}"],
)
def test_a_form_about_a_client_is_a_view_of_that_client(app, db, world, path):
    who = world["clinician"].id
    response = signed_in(app, world["clinician"]).get(path.format(client=world["avery"].id))
    assert response.status_code == 200 and "Avery Example" in response.get_data(as_text=True)
    assert rows(db, "client.viewed") == [("client.viewed", world["avery"].id, who, None)]


def test_the_new_encounter_form_without_a_client_shows_nobody(app, db, world):
    assert signed_in(app, world["clinician"]).get("/encounters/new").status_code == 200
    assert rows(db, "client.viewed", "client.shown") == []


def test_the_new_referral_form_records_every_client_it_lists(app, db, world):
    page = signed_in(app, world["clinician"]).get(
        f"/referrals/new?service_id={world['service'].id}"
    )
    assert page.status_code == 200
    who = world["clinician"].id
    assert rows(db, "client.shown") == [
        ("client.shown", world["avery"].id, who, "new referral form"),
        ("client.shown", world["blake"].id, who, "new referral form"),
    ]


def test_a_client_search_records_the_query_and_who_was_shown(app, db, world):
    response = signed_in(app, world["clinician"]).get("/clients?q=avery")
    assert response.status_code == 200
    who = world["clinician"].id
    assert rows(db, "client.searched", "client.shown") == [
        ("client.searched", None, who, "query: avery"),
        ("client.shown", world["avery"].id, who, "client search"),
    ]


def test_every_list_of_referrals_or_encounters_records_who_it_names(app, db, world):
    """The dashboard, the encounter list and the provider inbox name clients: each name shown
    is a view of that client (once per page, however many times it appears)."""
    org = world["service"].organization
    clinician, provider = world["clinician"], UserFactory(role="provider", organizations=[org])
    avery, blake = world["avery"], world["blake"]
    ConsentFactory(client=avery, organization=org)
    sent = workflow.create(avery, world["service"], by=clinician, urgency="urgent", need="Detox")
    workflow.change_status(sent, workflow.REQUESTED, by=clinician, expected_version=sent.version)
    workflow.change_status(sent, workflow.ACCEPTED, by=provider, expected_version=sent.version)
    workflow.create(blake, world["service"], by=clinician, urgency="routine", need="Housing")
    db.session.add(
        Encounter(client=blake, occurred_at=utcnow(), source="dispatch", disposition="resolved")
    )
    db.session.commit()

    def shown(user, path):
        before = len(rows(db, "client.shown"))
        response = signed_in(app, user).get(path)
        assert response.status_code == 200
        return [(r.record_id, r.actor_id, r.detail) for r in rows(db, "client.shown")[before:]]

    # Avery: an open referral, and named by a notice too; Blake: a draft.
    assert sorted(shown(clinician, "/dashboard")) == sorted(
        [(avery.id, clinician.id, "dashboard"), (blake.id, clinician.id, "dashboard")]
    )
    assert shown(clinician, "/encounters") == [(blake.id, clinician.id, "encounter list")]
    # No new referral, but the notice of the one sent names Avery; the open list names her too.
    assert shown(provider, "/provider/referrals") == [(avery.id, provider.id, "inbox new")]
    assert shown(provider, "/provider/referrals?tab=open") == [
        (avery.id, provider.id, "inbox open")
    ]


@pytest.mark.parametrize(
    "path",
    ["/clients/{client}/consents/new", "/encounters/new?client_id={client}"],
)
def test_a_refused_form_about_a_client_is_a_view_of_that_client_too(app, db, world, path):
    """The form comes back (422) naming the client, whether or not it was opened first."""
    browser = signed_in(app, world["clinician"])
    path = path.format(client=world["avery"].id)
    data = {"csrf_token": token_for(browser, "/clients/new"), "client_id": world["avery"].id}
    response = browser.post(path, data=data)
    assert response.status_code == 422 and "Avery Example" in response.get_data(as_text=True)
    assert rows(db, "client.viewed") == [
        ("client.viewed", world["avery"].id, world["clinician"].id, None)
    ]
