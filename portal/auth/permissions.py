"""Authorization: the one mechanism that decides who may reach which route and record.

Every endpoint declares a rule, and one `before_request` hook (`enforce`) applies it:

    @bp.get("/admin/users")
    @requires(Role.admin)          # these roles only
    def users(): …

    @bp.post("/logout")
    @login_required                # any signed-in user
    def logout(): …

    @public                        # anyone, signed in or not
    def login(): …

or a whole blueprint at once: `blueprint_rule(bp, PUBLIC)`. An endpoint with no rule is refused
(deny by default) and the url_map test in tests/test_authorization.py fails until it has one.

Outcomes: anonymous on a protected page → redirect to the sign-in page (with ?next=);
signed in with the wrong role → 403. Records are checked too: `get_in_scope_or_404` answers 404
for a record outside the user's scope, so guessing ids reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Blueprint, Flask, abort, current_app, request
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.models import Organization, Role, User, UserSession

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Rule:
    signed_in: bool
    roles: frozenset[str] | None = None  # None: any role

    def allows(self, user) -> bool:
        if not self.signed_in:
            return True
        if not user.is_authenticated:
            return False
        return self.roles is None or user.role in self.roles


PUBLIC = Rule(signed_in=False)
SIGNED_IN = Rule(signed_in=True)
ATTRIBUTE = "_portal_access_rule"
_blueprint_rules: dict[str, Rule] = {}


def _declare(view: F, rule: Rule) -> F:
    setattr(view, ATTRIBUTE, rule)
    return view


def public(view: F) -> F:
    return _declare(view, PUBLIC)


def login_required(view: F) -> F:
    return _declare(view, SIGNED_IN)


def requires(*roles: Role | str) -> Callable[[F], F]:
    allowed = frozenset(Role(r).value for r in roles)
    return lambda view: _declare(view, Rule(signed_in=True, roles=allowed))


def blueprint_rule(bp: Blueprint, rule: Rule) -> None:
    """One rule for every endpoint of a blueprint whose views declare none themselves."""
    _blueprint_rules[bp.name] = rule


def rule_for(app: Flask, endpoint: str) -> Rule | None:
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    rule = getattr(view, ATTRIBUTE, None)
    if rule is None and "." in endpoint:
        rule = _blueprint_rules.get(endpoint.rsplit(".", 1)[0])
    return rule


def enforce():
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        current_app.logger.error("No access rule for endpoint %s; refused", request.endpoint)
        abort(403)
    if rule.allows(current_user):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


# --- records ------------------------------------------------------------------------------

# Model -> (user, record) -> bool: may this user see this record at all?
_scopes: dict[type, Callable[[User, object], bool]] = {}


def scope(model: type):
    def register(check: Callable[[User, object], bool]):
        _scopes[model] = check
        return check

    return register


@scope(UserSession)
def _own_session(user: User, row: UserSession) -> bool:
    return row.user_id == user.id


@scope(User)
def _user_records(user: User, other: User) -> bool:
    return user.is_admin


@scope(Organization)
def _organization(user: User, organization: Organization) -> bool:
    # Provider staff work on their own organizations' records; admins on all of them.
    return user.is_admin or organization.id in user.organization_ids


def in_scope(user: User, record) -> bool:
    check = _scopes.get(type(record))
    if check is None:
        raise LookupError(f"no scope rule for {type(record).__name__}")
    return user.is_authenticated and check(user, record)


def get_in_scope_or_404(model: type, record_id):
    """The record, if it exists and the signed-in user may see it; 404 otherwise (the same
    answer either way, so ids cannot be probed)."""
    record = db.session.get(model, str(record_id))
    if record is None or not in_scope(current_user, record):
        abort(404)
    return record


def init_app(app: Flask) -> None:
    app.before_request(enforce)
