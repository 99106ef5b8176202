"""The referral in the field, on a phone (390 × 844): a new person is referred from a search
result in three page loads (the results, the referral page, the sent referral), a person with
a consent on file in two; with and without JavaScript (axe runs where JavaScript does)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Organization, Service
from tests.e2e.signing import sign_in
from tests.factories import ClientFactory, ConsentFactory, UserFactory


def setup(live_server, email: str, person: str | None = None):
    """A clinician, and a person with a consent for the service's organization."""
    with live_server.app.app_context():
        service = db.session.get(Service, live_server.catalog.crisis_service_id)
        organization = db.session.get(Organization, service.organization_id)
        UserFactory(role="clinician", email=email)
        if person:
            ConsentFactory(client=ClientFactory(name=person), organization=organization)
            UserFactory(
                role="provider", email="field-provider@example.org", organizations=[organization]
            )
        db.session.commit()
        names = (service.id, service.name, organization.name)
        db.session.remove()
    return names


def count_page_loads(page) -> list[str]:
    loads: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and loads.append(frame.url))
    return loads


def open_refer_page_from_results(page, service_id, service_name):
    page.goto("/search?q=" + service_name.split()[0])
    page.locator(f'a[href*="/referrals/new?service_id={service_id}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(service_name)


def test_a_new_person_is_referred_from_a_search_result_in_three_page_loads(
    open_page, live_server, assert_accessible
):
    service_id, service_name, organization = setup(live_server, "field-new@example.org")
    page = open_page("phone")
    sign_in(page, live_server, "field-new@example.org")
    loads = count_page_loads(page)
    open_refer_page_from_results(page, service_id, service_name)
    assert_accessible(page)
    # The consent is pre-filled for this organization; the clinician reads it to the person.
    expect(page.get_by_role("group", name=f"Consent to share with {organization}")).to_be_visible()
    expect(page.get_by_label("Purpose of sharing")).not_to_be_empty()
    page.get_by_label("Name or alias").fill("Jordan Field")
    page.get_by_label("Phone").fill("703-555-0142")
    page.get_by_label("Text message").check()
    page.get_by_label("Emergency").check()
    page.get_by_label("What the person needs").fill("A crisis bed tonight")
    page.get_by_label("Verbal, with a witness").check()
    page.get_by_label("Witness name (for verbal consent)").fill("Officer Example")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("The referral is sent.")).to_be_visible()
    expect(page.locator(".status-line")).to_contain_text("Sent, waiting for an answer")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jordan Field")
    assert_accessible(page)
    # The results, the referral page, the sent referral.
    assert len(loads) <= 3, loads
    # The dashboard's cards at phone width.
    page.goto("/dashboard")
    expect(page.locator(".referral-cards .card").filter(has_text="Jordan Field")).to_be_visible()
    assert_accessible(page)


def test_a_person_with_consent_is_referred_in_two_page_loads(
    open_page, live_server, assert_accessible
):
    service_id, _name, _org = setup(live_server, "field-known@example.org", "Casey Onfile")
    page = open_page("phone")
    sign_in(page, live_server, "field-known@example.org")
    page.goto(f"/referrals/new?service_id={service_id}")
    loads = count_page_loads(page)
    page.reload()
    # The type-ahead picks the person; their consent is on file, so no consent is asked.
    page.get_by_label("Find by name").fill("casey on")
    expect(page.get_by_label("Client")).to_have_value(
        page.locator("#client_id option", has_text="Casey Onfile").get_attribute("value")
    )
    expect(page.get_by_text("A valid consent to share with")).to_be_visible()
    expect(page.get_by_label("Purpose of sharing")).to_be_hidden()
    expect(page.get_by_label("Name or alias")).to_be_hidden()
    assert_accessible(page)
    page.get_by_label("What the person needs").fill("Counseling")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".status-line")).to_contain_text("Sent, waiting for an answer")
    assert len(loads) <= 2, loads

    # The provider's page on a phone: tel: links and one action area.
    provider = open_page("phone")
    sign_in(provider, live_server, "field-provider@example.org")
    expect(provider).to_have_url(re.compile(r"/provider/referrals$"))
    provider.get_by_role("link", name="Casey Onfile").first.click()
    expect(provider.get_by_role("heading", name="What you can do now")).to_be_visible()
    expect(provider.get_by_role("button", name="Accept")).to_be_visible()
    assert_accessible(provider)


def test_without_javascript_the_same_page_refers_a_new_person(open_page, live_server):
    service_id, _name, _org = setup(live_server, "field-nojs@example.org")
    page = open_page("phone", java_script_enabled=False)
    sign_in(page, live_server, "field-nojs@example.org")
    page.goto(f"/referrals/new?service_id={service_id}")
    expect(page.get_by_label("Find by name")).to_be_hidden()
    page.get_by_label("Name or alias").fill("Robin Nojs")
    page.get_by_label("What the person needs").fill("Housing")
    page.get_by_label("Verbal, with a witness").check()
    # A refusal keeps everything typed; the missing witness is asked for.
    page.get_by_role("button", name="Send the referral").click()
    expect(
        page.get_by_text("A verbal consent needs the name of the witness.").first
    ).to_be_visible()
    expect(page.get_by_label("Name or alias")).to_have_value("Robin Nojs")
    expect(page.get_by_label("What the person needs")).to_have_value("Housing")
    page.get_by_label("Signed on paper").check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".status-line")).to_contain_text("Sent, waiting for an answer")
