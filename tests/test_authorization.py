"""Who may do what (DESIGN.md), route by route: every endpoint in app.url_map, with every
method, for anonymous, clinician, provider staff of organization A and of B, supervisor and
admin. The table below is the single statement of the expected outcomes; a route that is not
in it fails `test_every_route_has_an_entry`, so no route ships without a rule.

Outcomes: a status code, or LOGIN (302 to the sign-in page with ?next= back to the page).
POSTs carry a valid CSRF token and an empty form, so "allowed" shows as the form's 422, a
redirect, or the action's answer, and "refused" as LOGIN, 403 or 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for

from portal.auth import accounts, sessions, tokens
from portal.auth.policies import can_edit_organization
from portal.extensions import db as _db
from portal.models import ChangeRequest, Encounter, Invitation, ProblemReport, Role, ServiceList
from portal.models.catalog import utcnow
from tests.accounts import sign_in_as, token_for
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UserFactory,
)

IDENTITIES = ("anonymous", "clinician", "provider_a", "provider_b", "supervisor", "admin")
LOGIN = "login"


def everyone(outcome):
    return (outcome,) * len(IDENTITIES)


def signed_in_only(outcome, anonymous=LOGIN):
    return (anonymous,) + (outcome,) * (len(IDENTITIES) - 1)


def admin_only(outcome):
    #        anonymous clinician provider_a provider_b supervisor admin
    return (LOGIN, 403, 403, 403, 403, outcome)


def clinician_only(outcome):
    #        anonymous clinician provider_a provider_b supervisor admin
    return (LOGIN, outcome, 403, 403, 403, 403)


def program_reads(outcome):
    return (LOGIN, outcome, 403, 403, outcome, 403)


# (endpoint, method) -> outcome for each identity, in IDENTITIES order.
EXPECTED = {
    ("static", "GET"): everyone(200),
    # The public directory and search: everyone (DESIGN.md).
    ("directory.home", "GET"): everyone(200),
    ("directory.search", "GET"): everyone(200),
    ("directory.search_json", "GET"): everyone(200),
    ("directory.category", "GET"): everyone(200),
    ("directory.service", "GET"): everyone(200),
    ("directory.organization", "GET"): everyone(200),
    ("directory.location", "GET"): everyone(200),
    # Signing in: the form for anonymous people; the signed-in are sent on.
    ("auth.login_page", "GET"): signed_in_only(302, anonymous=200),
    ("auth.login_page", "POST"): signed_in_only(302, anonymous=422),
    ("auth.verify", "GET"): everyone(302),  # no password step pending: back to sign-in
    ("auth.verify", "POST"): everyone(302),
    ("auth.logout", "POST"): signed_in_only(302),
    # Links from emails work for whoever holds them (the token is the credential).
    ("auth.accept_invitation", "GET"): everyone(200),
    ("auth.accept_invitation", "POST"): everyone(422),
    ("auth.forgot_password", "GET"): everyone(200),
    ("auth.forgot_password", "POST"): everyone(422),
    ("auth.reset_password", "GET"): everyone(200),
    ("auth.reset_password", "POST"): everyone(422),
    # Each person's own account pages.
    ("auth.my_account", "GET"): signed_in_only(200),
    ("auth.my_account", "POST"): signed_in_only(422),  # an empty form: the name is required
    ("auth.my_sessions", "GET"): signed_in_only(200),
    ("auth.end_other_sessions", "POST"): signed_in_only(302),
    ("auth.end_session", "POST"): signed_in_only(404),  # someone else's session
    ("auth.mfa_settings", "GET"): signed_in_only(200),
    ("auth.mfa_enable", "POST"): signed_in_only(422),
    #                                anonymous clinician provider_a provider_b supervisor admin
    ("auth.mfa_recovery_codes", "POST"): signed_in_only(422),  # every role has MFA on
    ("auth.mfa_disable", "POST"): signed_in_only(403),  # and must keep it (issue 18.5)
    # Users, invitations, the outbox and the audit log: admins only.
    ("admin.users", "GET"): admin_only(200),
    ("admin.invite", "GET"): admin_only(200),
    ("admin.invite", "POST"): admin_only(422),
    ("admin.user", "GET"): admin_only(200),
    ("admin.change_role", "POST"): admin_only(422),
    ("admin.disable", "POST"): admin_only(302),
    ("admin.enable", "POST"): admin_only(302),
    ("admin.outbox", "GET"): admin_only(200),
    ("admin.audit_log", "GET"): admin_only(200),
    ("admin.consent_wording", "GET"): admin_only(200),
    ("admin.consent_wording", "POST"): admin_only(422),
    ("admin.audit_csv", "GET"): admin_only(200),
    # Client records (issue 5): clinicians work, supervisors read, admins and provider staff
    # never reach them (a record answers 404, as for any record outside one's scope).
    ("referrals.dashboard", "GET"): program_reads(200),
    ("referrals.client_list", "GET"): program_reads(200),
    ("referrals.new_client", "GET"): clinician_only(200),
    ("referrals.new_client", "POST"): clinician_only(422),
    ("referrals.client", "GET"): (LOGIN, 200, 404, 404, 200, 404),
    ("referrals.edit_client", "GET"): clinician_only(200),
    ("referrals.edit_client", "POST"): clinician_only(422),
    ("referrals.new_consent", "GET"): clinician_only(200),
    ("referrals.new_consent", "POST"): clinician_only(422),
    ("referrals.revoke_consent", "POST"): clinician_only(303),
    ("referrals.encounter_list", "GET"): program_reads(200),
    ("referrals.new_encounter", "GET"): clinician_only(200),
    ("referrals.new_encounter", "POST"): clinician_only(422),
    ("referrals.encounter", "GET"): (LOGIN, 200, 404, 404, 200, 404),
    ("referrals.find_service_for", "POST"): clinician_only(303),
    ("referrals.new_referral", "GET"): clinician_only(200),
    ("referrals.new_referral", "POST"): clinician_only(422),
    # Staff of the receiving organization are sent to their inbox's page of the referral.
    ("referrals.referral", "GET"): (LOGIN, 200, 302, 404, 200, 404),
    ("referrals.referral_status", "POST"): clinician_only(422),
    ("referrals.referral_follow_up", "POST"): clinician_only(422),
    # Each person marks their own notifications read (none named: all of their own).
    ("referrals.notifications_read", "POST"): signed_in_only(303),
    ("printing.print_referral", "GET"): program_reads(200),
    ("printing.new_service_list", "GET"): clinician_only(200),
    ("printing.new_service_list", "POST"): clinician_only(422),
    ("printing.service_list", "GET"): everyone(200),  # a public list: no client data in it
    # The provider inbox: staff of the organization the referral was sent to.
    ("inbox.inbox", "GET"): (LOGIN, 403, 200, 200, 403, 403),
    ("inbox.referral", "GET"): (LOGIN, 403, 200, 404, 403, 403),
    ("inbox.status", "POST"): (LOGIN, 403, 422, 404, 403, 403),
    ("inbox.appointment", "POST"): (LOGIN, 403, 422, 404, 403, 403),
    # Listings (issue 7): the queues, organizations and taxonomy are for admins.
    ("admin.dashboard", "GET"): admin_only(200),
    ("admin.review_queue", "GET"): admin_only(200),
    ("admin.review_change", "GET"): admin_only(200),
    ("admin.approve_change", "POST"): admin_only(302),
    ("admin.reject_change", "POST"): admin_only(422),  # a rejection needs a comment
    ("admin.stale_queue", "GET"): admin_only(200),
    ("admin.listing_history", "GET"): admin_only(200),
    ("admin.problem_queue", "GET"): admin_only(200),
    ("admin.resolve_problem", "POST"): admin_only(422),
    ("admin.organizations", "GET"): admin_only(200),
    ("admin.new_organization", "GET"): admin_only(200),
    ("admin.new_organization", "POST"): admin_only(422),
    ("admin.organization", "GET"): admin_only(200),
    ("admin.organization", "POST"): admin_only(422),
    ("admin.taxonomy", "GET"): admin_only(200),
    ("admin.taxonomy", "POST"): admin_only(422),
    ("admin.term", "GET"): admin_only(200),
    ("admin.term", "POST"): admin_only(422),
    ("admin.merge_term", "POST"): admin_only(422),
    # Anyone may report a problem with a listing (an empty form is refused).
    ("problems.report_form", "GET"): everyone(200),
    # A resident's short list lives in a cookie: anyone (no service named: 404; empty: back).
    ("directory.my_list", "GET"): everyone(200),
    ("directory.add_to_list", "POST"): everyone(404),
    ("directory.remove_from_list", "POST"): everyone(303),
    ("directory.share_list", "POST"): everyone(303),
    ("problems.report", "POST"): everyone(422),
    # Provider pages: staff of organization A and admins reach A's records; B gets 404.
    #                                anonymous clinician provider_a provider_b supervisor admin
    ("providers.dashboard", "GET"): (LOGIN, 403, 302, 302, 403, 200),  # one org: straight to it
    ("providers.organization", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("providers.edit_organization", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("providers.edit_organization", "POST"): (LOGIN, 403, 422, 404, 403, 422),
    ("providers.edit_service", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("providers.edit_service", "POST"): (LOGIN, 403, 422, 404, 403, 422),
    ("providers.new_service", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("providers.new_service", "POST"): (LOGIN, 403, 422, 404, 403, 422),
    ("providers.edit_location", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("providers.edit_location", "POST"): (LOGIN, 403, 422, 404, 403, 422),
    ("providers.new_location", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("providers.new_location", "POST"): (LOGIN, 403, 422, 404, 403, 422),
    ("providers.confirm_service", "POST"): (LOGIN, 403, 302, 404, 403, 302),
    ("providers.update_capacity", "POST"): (LOGIN, 403, 302, 404, 403, 302),
    ("providers.change", "GET"): (LOGIN, 403, 200, 404, 403, 200),
    ("admin.import_catalog", "GET"): admin_only(200),
    ("admin.import_catalog", "POST"): admin_only(422),  # no file chosen
    # A background import's page: no such job (and no job queue in the tests) is a 404.
    ("admin.import_job", "GET"): admin_only(404),
    # Program reports (issue 15): supervisors and admins read; only admins change the shares.
    ("reports.index", "GET"): (LOGIN, 403, 403, 403, 200, 200),
    ("reports.table_csv", "GET"): (LOGIN, 403, 403, 403, 200, 200),
    ("reports.marcus_alert", "GET"): (LOGIN, 403, 403, 403, 200, 200),
    ("reports.marcus_alert_csv", "GET"): (LOGIN, 403, 403, 403, 200, 200),
    ("reports.set_population", "POST"): admin_only(303),  # an empty form clears the shares
    # The HSDS API: public and read-only (DESIGN.md).
    ("api.index", "GET"): everyone(200),
    ("api.openapi", "GET"): everyone(200),
    ("api.download", "GET"): everyone(200),
    ("api.services", "GET"): everyone(200),
    ("api.service", "GET"): everyone(200),
    ("api.organizations", "GET"): everyone(200),
    ("api.organization", "GET"): everyone(200),
    ("api.service_at_locations", "GET"): everyone(200),
    ("api.service_at_location", "GET"): everyone(200),
    ("api.taxonomies", "GET"): everyone(200),
    ("api.taxonomy", "GET"): everyone(200),
    ("api.taxonomy_terms", "GET"): everyone(200),
    ("api.taxonomy_term", "GET"): everyone(200),
}


def routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry(app):
    missing = routes(app) - set(EXPECTED)
    assert not missing, f"routes without an expected outcome per identity: {sorted(missing)}"
    stale = set(EXPECTED) - routes(app)
    assert not stale, f"entries for routes that no longer exist: {sorted(stale)}"


@dataclass
class World:
    people: dict
    values: dict  # endpoint -> URL values


@pytest.fixture
def world(app, db) -> World:
    org_a, org_b = OrganizationFactory(name="Org A"), OrganizationFactory(name="Org B")
    service = ServiceFactory(organization=org_a)
    location = LocationFactory(organization=org_a)
    term = TaxonomyTermFactory(taxonomy_detail=TaxonomyFactory())
    placement = ServiceAtLocationFactory(service=service, location=location)
    people = {
        "clinician": UserFactory(role="clinician"),
        "provider_a": UserFactory(role="provider", organizations=[org_a]),
        "provider_b": UserFactory(role="provider", organizations=[org_b]),
        "supervisor": UserFactory(role="supervisor"),
        "admin": UserFactory(role="admin", with_mfa=True),
    }
    target = UserFactory(role="clinician", email="target@example.org")
    stranger = UserFactory(email="stranger@example.org")
    db.session.flush()
    invitation = Invitation(
        user_id=UserFactory(password_hash=None).id,
        expires_at=utcnow().replace(year=utcnow().year + 1),
    )
    db.session.add(invitation)
    db.session.flush()
    strangers_session, _token = sessions.open_session(stranger)
    client = ClientFactory()
    referral = ReferralFactory(client=client, service=service, status="requested", sent_at=utcnow())
    consent = ConsentFactory(client=client, organization=org_a)
    encounter = Encounter(
        client=client, occurred_at=utcnow(), source="outreach", disposition="resolved"
    )
    service_list = ServiceList(token="sample-token")
    db.session.add_all([encounter, service_list])
    change = ChangeRequest(
        organization=org_a,
        target_type="service",
        target_id=service.id,
        proposed_values={"description": "New words."},
        previous_values={"description": service.description},
        submitted_by_id=people["provider_a"].id,
    )
    problem = ProblemReport(service=service, kind="wrong phone")
    db.session.add_all([change, problem])
    db.session.commit()
    values = {
        "static": {"filename": "css/portal.css"},
        "directory.search": {"q": "counseling"},
        "directory.search_json": {"q": "counseling"},
        "directory.category": {"term_id": term.id},
        "directory.service": {"service_id": service.id},
        "directory.organization": {"organization_id": org_a.id},
        "directory.location": {"location_id": location.id},
        "auth.accept_invitation": {"token": tokens.invitation_link(invitation).rsplit("/", 1)[1]},
        "auth.reset_password": {"token": tokens.reset_link(target).rsplit("/", 1)[1]},
        "auth.end_session": {"session_id": strangers_session.id},
        "admin.user": {"user_id": target.id},
        "admin.import_job": {"job_id": "00000000-0000-4000-8000-000000000000"},
        "admin.change_role": {"user_id": target.id},
        "admin.disable": {"user_id": target.id},
        "admin.enable": {"user_id": target.id},
        **{
            endpoint: {"client_id": client.id}
            for endpoint in (
                "referrals.client",
                "referrals.edit_client",
                "referrals.new_consent",
                "referrals.find_service_for",
            )
        },
        "referrals.revoke_consent": {"consent_id": consent.id},
        "referrals.encounter": {"encounter_id": encounter.id},
        "referrals.new_referral": {"service_id": service.id},
        **{
            endpoint: {"referral_id": referral.id}
            for endpoint in (
                "referrals.referral",
                "referrals.referral_status",
                "referrals.referral_follow_up",
                "printing.print_referral",
                "inbox.referral",
                "inbox.status",
                "inbox.appointment",
            )
        },
        "printing.service_list": {"token": service_list.token},
        "admin.review_change": {"change_id": change.id},
        "admin.approve_change": {"change_id": change.id},
        "admin.reject_change": {"change_id": change.id},
        "admin.listing_history": {"resource_id": service.id},
        "admin.resolve_problem": {"report_id": problem.id},
        "admin.organization": {"organization_id": org_a.id},
        "admin.term": {"term_id": term.id},
        "admin.merge_term": {"term_id": term.id},
        "problems.report_form": {"service_id": service.id},
        "problems.report": {"service_id": service.id},
        "providers.organization": {"organization_id": org_a.id},
        "providers.edit_organization": {"organization_id": org_a.id},
        "providers.edit_service": {"service_id": service.id},
        "providers.new_service": {"organization_id": org_a.id},
        "providers.edit_location": {"location_id": location.id},
        "providers.new_location": {"organization_id": org_a.id},
        "providers.confirm_service": {"service_id": service.id},
        "providers.update_capacity": {"service_id": service.id},
        "providers.change": {"change_id": change.id},
        "api.service": {"service_id": service.id},
        "api.organization": {"organization_id": org_a.id},
        "api.service_at_location": {"placement_id": placement.id},
        "api.taxonomy": {"taxonomy_id": term.taxonomy_id},
        "api.taxonomy_term": {"term_id": term.id},
        "reports.table_csv": {"key": "coverage"},
        "reports.marcus_alert_csv": {"key": "marcus-alert"},
    }
    return World(people=people, values=values)


def _outcome(response):
    if response.status_code == 302:
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and "next=" in location.query:
            return LOGIN
    return response.status_code


@pytest.mark.parametrize("endpoint, method", sorted(EXPECTED))
def test_route_outcomes_per_identity(app, world, endpoint, method):
    with app.test_request_context():
        path = url_for(endpoint, **world.values.get(endpoint, {}))
    actual, expected = {}, {}
    for identity, outcome in zip(IDENTITIES, EXPECTED[(endpoint, method)], strict=True):
        client = app.test_client()
        if identity != "anonymous":
            sign_in_as(client, world.people[identity])
        if method == "GET":
            response = client.get(path)
        else:
            token = token_for(client, "/login" if identity == "anonymous" else "/")
            response = client.post(path, data={"csrf_token": token})
        actual[identity], expected[identity] = _outcome(response), outcome
        response.close()
    assert actual == expected


def test_provider_staff_reach_only_their_own_organizations(world):
    org_a, org_b = (
        world.people["provider_a"].organizations[0],
        world.people["provider_b"].organizations[0],
    )
    assert can_edit_organization(world.people["provider_a"], org_a) and not can_edit_organization(
        world.people["provider_a"], org_b
    )
    assert can_edit_organization(world.people["provider_b"], org_b) and not can_edit_organization(
        world.people["provider_b"], org_a
    )
    assert can_edit_organization(world.people["admin"], org_a) and can_edit_organization(
        world.people["admin"], org_b
    )
    assert not can_edit_organization(world.people["clinician"], org_a)


def test_guessing_ids_gives_404_not_403(app, world):
    client = app.test_client()
    sign_in_as(client, world.people["admin"])
    assert client.get("/admin/users/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/admin/users/not-a-uuid").status_code == 404
    other = app.test_client()
    sign_in_as(other, world.people["clinician"])
    token = token_for(other, "/")
    unknown = other.post(
        "/account/sessions/00000000-0000-4000-8000-000000000000/end", data={"csrf_token": token}
    )
    theirs = other.post(
        f"/account/sessions/{world.values['auth.end_session']['session_id']}/end",
        data={"csrf_token": token},
    )
    assert unknown.status_code == theirs.status_code == 404


def test_a_route_without_a_rule_is_refused(app, client):
    @app.get("/forgotten")
    def forgotten():
        return "should not be reachable"

    assert client.get("/forgotten").status_code == 403


def test_role_changes_take_effect_with_a_new_session(app, world):
    client = app.test_client()
    sign_in_as(client, world.people["supervisor"])
    assert client.get("/account/sessions").status_code == 200
    accounts.change_role(world.people["supervisor"], Role.admin, [], by=world.people["admin"])
    _db.session.commit()
    assert _outcome(client.get("/account/sessions")) == LOGIN
