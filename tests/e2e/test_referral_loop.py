"""The closed referral loop in a real Chromium: a clinician finds a service, records the
person's consent and sends a referral; the provider accepts it, records an appointment and
completes it with "got help"; the clinician sees each change and the timeline. Every page on
the way is checked with axe-core."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Organization, Service
from tests.e2e.signing import sign_in
from tests.factories import ClientFactory, UserFactory


def make_people(live_server):
    """A clinician, a provider staff member of the service's organization and a client."""
    with live_server.app.app_context():
        service = db.session.get(Service, live_server.catalog.multi_location_service_id)
        organization = db.session.get(Organization, service.organization_id)
        clinician = UserFactory(role="clinician", email="loop-clinician@example.org")
        provider = UserFactory(
            role="provider", email="loop-provider@example.org", organizations=[organization]
        )
        ClientFactory(name="Morgan Example", phone="703-555-0188")
        db.session.commit()
        names = (service.name, organization.name, clinician.email, provider.email)
        db.session.remove()
    return names


def test_the_referral_loop(open_page, live_server, assert_accessible):
    service_name, organization_name, clinician_email, provider_email = make_people(live_server)
    clinician = open_page("desktop")
    sign_in(clinician, live_server, clinician_email)

    # Find the service and start a referral from its page.
    clinician.goto("/search?q=" + service_name.split()[0])
    clinician.get_by_role("link", name=service_name, exact=True).first.click()
    clinician.get_by_role("link", name="Refer a client", exact=True).click()
    expect(clinician.get_by_role("heading", level=1)).to_contain_text(service_name)
    assert_accessible(clinician)
    clinician.get_by_label("Client").select_option(label="Morgan Example")
    clinician.get_by_label("Urgent").check()
    clinician.get_by_label("What the person needs").fill("Counseling this week")
    clinician.get_by_role("button", name="Send the referral").click()
    # No consent yet: the referral waits as a draft and says why.
    expect(clinician.get_by_text("There is no valid consent").first).to_be_visible()
    expect(clinician.locator(".status-line")).to_contain_text("Draft")

    # Record the consent, then send.
    clinician.get_by_role("link", name="Record consent").click()
    assert_accessible(clinician)
    expect(clinician.get_by_label("Organization that receives the information")).to_have_value(
        clinician.url.split("organization_id=")[1].split("&")[0]
    )
    clinician.get_by_label("Information to share").fill("Name, phone and the need")
    clinician.get_by_label("Purpose").fill("To connect the person with counseling")
    clinician.get_by_label("Expiry date").fill("2030-12-31")
    clinician.get_by_label("Signed on paper").check()
    clinician.get_by_role("button", name="Record the consent").click()
    expect(clinician.get_by_text("The consent is recorded.")).to_be_visible()
    clinician.get_by_role("button", name="Send", exact=True).click()
    expect(clinician.locator(".status-line")).to_contain_text("Sent, waiting for an answer")
    assert_accessible(clinician)
    referral_url = clinician.url

    # The provider answers.
    provider = open_page("desktop")
    sign_in(provider, live_server, provider_email)
    provider.goto("/provider/referrals")
    assert_accessible(provider)
    provider.get_by_role("link", name="Morgan Example").click()
    expect(provider.get_by_text("703-555-0188")).to_be_visible()
    assert_accessible(provider)
    provider.get_by_role("button", name="Accept").click()
    expect(provider.locator(".status-line")).to_contain_text("Accepted")
    # Appointments are booked within a year.
    appointment = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    provider.get_by_label("Appointment date").fill(appointment)
    provider.get_by_label("Appointment time").fill("14:30")
    provider.get_by_role("button", name="Save the appointment date").click()
    expect(provider.get_by_text("The appointment date is saved.")).to_be_visible()
    provider.locator("#outcome-completed").select_option("got-help")
    provider.get_by_role("button", name="Complete").click()
    expect(provider.locator(".status-line")).to_contain_text("Completed")
    assert_accessible(provider)

    # The clinician sees each change, the history and the client's timeline.
    clinician.goto(referral_url)
    expect(clinician.locator(".status-line")).to_contain_text("Completed")
    expect(clinician.locator(".status-line")).to_contain_text("Got help")
    history = clinician.locator("ol.timeline")
    for step in (
        "Draft",
        "Sent, waiting for an answer",
        "Accepted",
        f"Appointment on {appointment} at 14:30",
        "Completed",
    ):
        expect(history).to_contain_text(step)
    clinician.get_by_role("link", name="Morgan Example").click()
    expect(clinician.locator("ol.timeline")).to_contain_text(f"Referral to {service_name}")
    expect(clinician.locator("ol.timeline")).to_contain_text(
        f"Consent to share with {organization_name}"
    )
    assert_accessible(clinician)
    clinician.goto("/dashboard")
    expect(clinician.locator(".notifications")).to_contain_text("A referral is now: Completed")
    assert_accessible(clinician)
    clinician.goto(referral_url + "/print")
    expect(clinician.get_by_role("heading", name="If you need help right away")).to_be_visible()
    assert_accessible(clinician)


def test_a_printable_list_with_a_qr_code_works_without_an_account(
    open_page, live_server, assert_accessible
):
    with live_server.app.app_context():
        UserFactory(role="clinician", email="list-clinician@example.org")
        db.session.commit()
        db.session.remove()
    clinician = open_page("phone")
    sign_in(clinician, live_server, "list-clinician@example.org")
    clinician.goto(f"/lists/new?service_id={live_server.catalog.crisis_service_id}")
    assert_accessible(clinician)
    clinician.get_by_role("button", name="Make the printable list").click()
    expect(clinician.locator("figure.qr svg")).to_be_visible()
    public_url = clinician.url
    visitor = open_page("phone")
    visitor.goto(public_url)
    expect(visitor.get_by_role("heading", name="Services for you")).to_be_visible()
    expect(visitor.get_by_role("heading", name="If you need help right away")).to_be_visible()
    assert_accessible(visitor)
