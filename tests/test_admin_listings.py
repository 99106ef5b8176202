"""Admin pages for listings: organizations (trust, staff) and the taxonomy (add, rename, move,
merge without losing services)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.catalog import vocabulary
from portal.models import Attribute, Organization, TaxonomyTerm
from portal.search import SearchParams, rebuild_index, search_services
from tests.accounts import post_form, sign_in_as
from tests.database import built_once
from tests.factories import (
    AttributeFactory,
    OrganizationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UserFactory,
)


@pytest.fixture
def admin_client(app, db):
    admin = UserFactory(role="admin", with_mfa=True)
    db.session.commit()
    client = app.test_client()
    sign_in_as(client, admin)
    return client


def test_admins_create_organizations_mark_trust_and_link_staff(app, db, admin_client):
    staff = UserFactory(role="provider", email="staff@example.org")
    keeps = UserFactory(
        role="provider",
        email="other@example.org",
        organizations=[OrganizationFactory(name="Elsewhere")],
    )
    db.session.commit()
    response = post_form(
        admin_client,
        "/admin/organizations/new",
        {"name": "Northside Recovery Center", "trusted": "y", "staff": [staff.id]},
    )
    assert response.status_code == 302
    org = db.session.scalars(
        select(Organization).where(Organization.name == "Northside Recovery Center")
    ).one()
    assert org.trusted is True
    db.session.expire_all()
    assert [o.name for o in staff.organizations] == ["Northside Recovery Center"]
    path = f"/admin/organizations/{org.id}"
    assert (
        post_form(
            admin_client, path, {"name": "Northside Recovery Center", "staff": [keeps.id]}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert org.trusted is False
    assert staff.organizations == []
    assert sorted(o.name for o in keeps.organizations) == ["Elsewhere", "Northside Recovery Center"]
    assert post_form(admin_client, path, {"name": ""}).status_code == 422


@built_once
def terms(db):
    TaxonomyFactory()
    parent = TaxonomyTermFactory(
        name="Substance use", taxonomy_id=vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
    )
    detox = TaxonomyTermFactory(
        name="Detox", parent=parent, taxonomy_id=vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
    )
    withdrawal = TaxonomyTermFactory(
        name="Withdrawal management",
        parent=parent,
        taxonomy_id=vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID,
    )
    child = TaxonomyTermFactory(
        name="Medical detox", parent=detox, taxonomy_id=vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
    )
    only_detox = ServiceFactory(name="Harbor Detox Unit")
    both = ServiceFactory(name="Harbor Recovery House")
    for service, term in ((only_detox, detox), (both, detox), (both, withdrawal)):
        AttributeFactory(link_id=service.id, taxonomy_term_id=term.id)
    db.session.commit()
    rebuild_index()
    return dict(
        parent=parent,
        detox=detox,
        withdrawal=withdrawal,
        child=child,
        only_detox=only_detox,
        both=both,
    )


def test_merging_terms_keeps_every_service(app, db, admin_client, terms):
    detox, withdrawal = terms["detox"], terms["withdrawal"]
    page = f"/admin/taxonomy/{detox.id}"
    response = post_form(admin_client, f"{page}/merge", {"into": withdrawal.id}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TaxonomyTerm, detox.id) is None
    linked = sorted(
        db.session.scalars(
            select(Attribute.link_id).where(Attribute.taxonomy_term_id == withdrawal.id)
        )
    )
    assert linked == sorted([terms["only_detox"].id, terms["both"].id])  # no duplicate link
    assert terms["child"].parent_id == withdrawal.id
    found = search_services(SearchParams(categories=[withdrawal.id]))
    assert sorted(found.service_ids) == sorted([terms["only_detox"].id, terms["both"].id])


def test_a_term_cannot_merge_into_or_move_under_its_own_sub_term(app, db, admin_client, terms):
    parent, child = terms["parent"], terms["child"]
    page = f"/admin/taxonomy/{parent.id}"
    assert (
        post_form(admin_client, f"{page}/merge", {"into": child.id}, token_from=page).status_code
        == 422
    )
    response = post_form(admin_client, page, {"name": "Substance use", "parent": child.id})
    assert response.status_code == 422
    assert "cannot go under itself" in response.get_data(as_text=True)
    db.session.expire_all()
    assert parent.parent_id is None


def test_add_rename_and_move_terms(app, db, admin_client, terms):
    assert (
        post_form(
            admin_client,
            "/admin/taxonomy",
            {"name": "Gambling support", "parent": terms["parent"].id},
        ).status_code
        == 302
    )
    added = db.session.scalars(
        select(TaxonomyTerm).where(TaxonomyTerm.name == "Gambling support")
    ).one()
    assert added.parent_id == terms["parent"].id
    assert added.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
    path = f"/admin/taxonomy/{terms['detox'].id}"
    assert (
        post_form(admin_client, path, {"name": "Detox (withdrawal)", "parent": ""}).status_code
        == 302
    )
    db.session.expire_all()
    assert (terms["detox"].name, terms["detox"].parent_id) == ("Detox (withdrawal)", None)
    public = app.test_client().get(f"/categories/{terms['detox'].id}").get_data(as_text=True)
    assert "Detox (withdrawal)" in public and "Harbor Detox Unit" in public
    listing = admin_client.get("/admin/taxonomy").get_data(as_text=True)
    assert "Detox (withdrawal)" in listing


def test_a_term_cannot_merge_into_another_taxonomy(app, db, admin_client, terms):
    TaxonomyFactory(id=vocabulary.SERVICE_DETAILS_TAXONOMY_ID, name="Service details")
    payment = TaxonomyTermFactory(
        name="Payment", taxonomy_id=vocabulary.SERVICE_DETAILS_TAXONOMY_ID
    )
    db.session.commit()
    page = f"/admin/taxonomy/{terms['detox'].id}"
    response = post_form(admin_client, f"{page}/merge", {"into": payment.id}, token_from=page)
    assert response.status_code == 422
    assert "within its own taxonomy" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TaxonomyTerm, terms["detox"].id) is not None


def test_saving_an_organization_keeps_a_deactivated_staff_members_link(app, db, admin_client):
    org = OrganizationFactory(name="Northside Recovery Center")
    gone = UserFactory(role="provider", organizations=[org], active=False)
    staff = UserFactory(role="provider", organizations=[org])
    db.session.commit()
    path = f"/admin/organizations/{org.id}"
    assert (
        post_form(
            admin_client, path, {"name": org.name, "staff": [staff.id]}, token_from=path
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert [o.name for o in gone.organizations] == ["Northside Recovery Center"]
    assert [o.name for o in staff.organizations] == ["Northside Recovery Center"]
