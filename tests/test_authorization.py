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
from portal.auth.permissions import in_scope
from portal.extensions import db as _db
from portal.models import Invitation, Role
from portal.models.catalog import utcnow
from tests.accounts import sign_in_as, token_for
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
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
    ("auth.my_sessions", "GET"): signed_in_only(200),
    ("auth.end_other_sessions", "POST"): signed_in_only(302),
    ("auth.end_session", "POST"): signed_in_only(404),  # someone else's session
    ("auth.mfa_settings", "GET"): signed_in_only(200),
    ("auth.mfa_enable", "POST"): signed_in_only(422),
    #                                anonymous clinician provider_a provider_b supervisor admin
    ("auth.mfa_recovery_codes", "POST"): (LOGIN, 302, 302, 302, 302, 422),  # MFA off: to set-up
    ("auth.mfa_disable", "POST"): (LOGIN, 302, 302, 302, 302, 403),  # admins must keep MFA
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
    ("admin.audit_csv", "GET"): admin_only(200),
    ("admin.import_catalog", "GET"): admin_only(200),
    ("admin.import_catalog", "POST"): admin_only(422),  # no file chosen
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
    invitation = Invitation(user_id=UserFactory(password_hash=None).id,
                            expires_at=utcnow().replace(year=utcnow().year + 1))
    db.session.add(invitation)
    db.session.flush()
    strangers_session, _token = sessions.open_session(stranger)
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
        "admin.change_role": {"user_id": target.id},
        "admin.disable": {"user_id": target.id},
        "admin.enable": {"user_id": target.id},
        "api.service": {"service_id": service.id},
        "api.organization": {"organization_id": org_a.id},
        "api.service_at_location": {"placement_id": placement.id},
        "api.taxonomy": {"taxonomy_id": term.taxonomy_id},
        "api.taxonomy_term": {"term_id": term.id},
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
    for identity, outcome in zip(IDENTITIES, EXPECTED[(endpoint, method)]):
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
    org_a, org_b = world.people["provider_a"].organizations[0], world.people["provider_b"].organizations[0]
    assert in_scope(world.people["provider_a"], org_a) and not in_scope(world.people["provider_a"], org_b)
    assert in_scope(world.people["provider_b"], org_b) and not in_scope(world.people["provider_b"], org_a)
    assert in_scope(world.people["admin"], org_a) and in_scope(world.people["admin"], org_b)
    assert not in_scope(world.people["clinician"], org_a)


def test_guessing_ids_gives_404_not_403(app, world):
    client = app.test_client()
    sign_in_as(client, world.people["admin"])
    assert client.get("/admin/users/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/admin/users/not-a-uuid").status_code == 404
    other = app.test_client()
    sign_in_as(other, world.people["clinician"])
    token = token_for(other, "/")
    unknown = other.post("/account/sessions/00000000-0000-4000-8000-000000000000/end",
                         data={"csrf_token": token})
    theirs = other.post(f"/account/sessions/{world.values['auth.end_session']['session_id']}/end",
                        data={"csrf_token": token})
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
