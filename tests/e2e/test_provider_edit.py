"""A provider keeps a listing true, in a real browser: edits hours and capacity, an admin
approves the change, and the public page, a search and the change history all show it."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Organization, Service
from tests.e2e.signing import sign_in
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def accounts(live_server):
    """A provider of the catalog's organization and an admin with two-step sign-in."""
    with live_server.app.app_context():
        organization = db.session.get(Organization, live_server.catalog.organization_id)
        provider = UserFactory(
            role="provider", organizations=[organization], email="e2e.provider@example.org"
        )
        admin = UserFactory(role="admin", with_mfa=True, email="e2e.admin@example.org")
        service = db.session.get(Service, live_server.catalog.multi_location_service_id)
        db.session.commit()
        info = dict(
            provider=provider.email,
            admin=admin.email,
            secret=admin.totp_secret,
            service_id=service.id,
            service_name=service.name,
        )
        db.session.remove()
    return info


def test_provider_edit_is_approved_and_shows_everywhere(
    open_page, live_server, accounts, assert_accessible
):
    provider = open_page("desktop")
    sign_in(provider, live_server, accounts["provider"])
    provider.get_by_role("link", name="Your listings").click()
    assert_accessible(provider)
    provider.get_by_role("link", name=f"Edit {accounts['service_name']}").click()
    provider.wait_for_url("**/edit")
    assert_accessible(provider)

    # A mistake first: closing before opening without saying it runs past midnight.
    provider.get_by_label("Saturday: open or closed").select_option("hours")
    provider.get_by_label("Saturday: opens", exact=True).fill("22:00")
    provider.get_by_label("Saturday: closes", exact=True).fill("06:00")
    provider.get_by_role("button", name="Send the changes").click()
    assert provider.get_by_role("alert").is_visible()
    assert "closes after midnight" in provider.get_by_role("alert").inner_text()
    assert (
        provider.get_by_label("Saturday: closes", exact=True).get_attribute("aria-invalid")
        == "true"
    )
    assert_accessible(provider)

    provider.get_by_label("Saturday: opens", exact=True).fill("10:00")
    provider.get_by_label("Saturday: closes", exact=True).fill("14:00")
    provider.get_by_label("Sunday: open or closed").select_option("all_day")
    provider.get_by_label("Accepting new clients").select_option("yes")
    provider.get_by_label("Beds open now").fill("5")
    provider.get_by_label("Beds in all").fill("9")
    provider.get_by_role("button", name="Send the changes").click()
    assert "sent for review" in provider.locator(".flash").inner_text()
    assert "Waiting for review" in provider.content()

    # Capacity is operational: public at once, before any review; the hours wait.
    public = open_page("phone")
    public.goto(live_server(f"/services/{accounts['service_id']}"))
    assert "Beds available: 5" in public.content()
    assert "10 am – 2 pm" not in public.locator("table.hours").first.inner_text()

    admin = open_page("desktop")
    sign_in(admin, live_server, accounts["admin"], accounts["secret"])
    admin.goto(live_server("/admin/"))
    assert "Changes waiting for review" in admin.content()
    assert_accessible(admin)
    admin.get_by_role("link", name="Changes waiting for review").click()
    admin.locator("table a").first.click()
    diff = admin.get_by_role("table", name="Changes, field by field").inner_text()
    assert "Saturday: 10 am – 2 pm" in diff and "Sunday: Open 24 hours" in diff
    assert "Beds" not in diff  # already published
    assert_accessible(admin)
    admin.get_by_label("Comment for the provider").fill("Thank you.")
    admin.get_by_role("button", name="Approve and publish").click()
    assert "The change is published." in admin.locator(".flash").inner_text()

    # The public page and a search show it now.
    public.goto(live_server(f"/services/{accounts['service_id']}"))
    hours_table = public.locator("table.hours").first.inner_text()
    assert "10 am – 2 pm" in hours_table and "Open 24 hours" in hours_table
    assert "Accepting new clients" in public.content()
    assert "Beds available: 5" in public.content()
    public.goto(live_server("/search?accepting=y&q=" + accounts["service_name"]))
    card = public.locator("article.listing", has_text=accounts["service_name"]).first
    assert "Accepting new clients" in card.inner_text()
    assert "5 of 9 Beds open" in card.inner_text()

    # The provider sees the decision; the history shows the change field by field.
    provider.reload()
    assert "Published" in provider.content() and "Thank you." in provider.content()
    admin.goto(live_server(f"/admin/history/{accounts['service_id']}"))
    history = admin.get_by_role("table").inner_text()
    assert "hours" in history and "Saturday: 10 am – 2 pm" in history
    assert "capacity" in history and "e2e.admin@example.org" in history
    assert accounts["provider"] in history  # the capacity was published by the provider
    assert_accessible(admin)


def test_report_a_problem_form_is_accessible(open_page, live_server, accounts, assert_accessible):
    page = open_page("phone")
    page.goto(live_server(f"/services/{accounts['service_id']}"))
    page.get_by_role("link", name="Report a problem with this listing").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send the report").click()  # nothing chosen
    assert "Choose what is wrong" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("The hours are wrong").is_visible()
    assert_accessible(page)


def test_listing_admin_pages_are_accessible(open_page, live_server, accounts, assert_accessible):
    page = open_page("phone")
    sign_in(page, live_server, accounts["admin"], accounts["secret"])
    for path in (
        "/admin/stale",
        "/admin/problems",
        "/admin/organizations",
        f"/admin/organizations/{live_server.catalog.organization_id}",
        "/admin/taxonomy",
        f"/provider/locations/{live_server.catalog.location_id}/edit",
        f"/provider/organizations/{live_server.catalog.organization_id}/edit",
    ):
        response = page.goto(live_server(path))
        assert response.status == 200, path
        assert_accessible(page)
    page.goto(live_server("/admin/taxonomy"))
    page.locator("table a").first.click()
    assert page.get_by_role("heading", name="Merge into another term").is_visible()
    assert_accessible(page)
