"""The list builder (issue 13, point 5): the directory's search (its synonyms and ranking),
ticked services kept across searches, reordered and removed before the list is made."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import ServiceList
from portal.search import rebuild_index
from tests.accounts import post_form, signed_in
from tests.factories import OrganizationFactory, ServiceFactory, UserFactory


@pytest.fixture
def world(app, db):
    org = OrganizationFactory(name="Harbor Health")
    services = {
        name: ServiceFactory(organization=org, name=name, description=description)
        for name, description in (
            ("Harbor Withdrawal Management", "Medically supervised withdrawal management."),
            ("Ridge Detoxification Unit", "Detoxification with nursing care."),
            ("Quiet Counseling", "Talk therapy for adults."),
        )
    }
    clinician = UserFactory(role="clinician")
    db.session.commit()
    rebuild_index()
    return dict(services=services, clinician=clinician)


def ids(world, *names):
    return [world["services"][n].id for n in names]


def test_the_search_uses_the_directorys_synonyms(app, db, world):
    browser = signed_in(app, world["clinician"])
    page = browser.get("/lists/new?q=detox").get_data(as_text=True)
    assert "Harbor Withdrawal Management" in page and "Ridge Detoxification Unit" in page
    assert "Quiet Counseling" not in page


def test_ticked_services_are_kept_across_searches_reordered_and_removed(app, db, world):
    browser = signed_in(app, world["clinician"])
    withdrawal, ridge, counseling = ids(
        world, "Harbor Withdrawal Management", "Ridge Detoxification Unit", "Quiet Counseling"
    )
    first = post_form(
        browser, "/lists/new", {"q": "detox", "service_ids": [ridge], "action": "find"}
    )
    assert first.status_code == 200
    # A new search keeps what was ticked before and adds what is ticked now.
    second = post_form(
        browser,
        "/lists/new",
        {"q": "counseling", "picked": [ridge], "service_ids": [counseling], "action": "find"},
    )
    page = second.get_data(as_text=True)
    assert f'name="picked" value="{ridge}"' in page
    assert f'name="picked" value="{counseling}"' in page
    moved = post_form(
        browser,
        "/lists/new",
        {
            "picked": [ridge, counseling, withdrawal],
            "action": f"up:{counseling}",
        },
    )
    order = [ridge, counseling, withdrawal]
    page = moved.get_data(as_text=True)
    positions = [page.index(f'name="picked" value="{i}"') for i in (counseling, ridge, withdrawal)]
    assert positions == sorted(positions)
    removed = post_form(
        browser, "/lists/new", {"picked": order, "action": f"remove:{ridge}"}
    ).get_data(as_text=True)
    assert f'name="picked" value="{ridge}"' not in removed
    made = post_form(browser, "/lists/new", {"picked": [withdrawal, counseling], "action": "make"})
    assert made.status_code == 303
    saved = db.session.scalar(select(ServiceList))
    assert [item.service_id for item in saved.items] == [withdrawal, counseling]


def test_an_empty_list_or_unknown_ids_are_refused(app, db, world):
    browser = signed_in(app, world["clinician"])
    empty = post_form(browser, "/lists/new", {"action": "make"})
    assert empty.status_code == 422 and "Choose at least one service." in empty.get_data(
        as_text=True
    )
    unknown = post_form(
        browser,
        "/lists/new",
        {"picked": ["00000000-0000-4000-8000-000000000000"], "action": "make"},
    )
    assert unknown.status_code == 422
    assert db.session.scalar(select(ServiceList)) is None
