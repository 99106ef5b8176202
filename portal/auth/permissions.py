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
signed in with the wrong role → 403. Records are checked too, by a named policy from
portal.auth.policies passed where the record is loaded:

    referral = load_or_404(Referral, referral_id, policy=policies.can_view_referral)

answers 404 for a record the policy refuses, so guessing ids reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Blueprint, Flask, abort, current_app, request
from flask_login import current_user

from portal import inputs
from portal.extensions import db, login_manager
from portal.models import Role, User

F = TypeVar("F", bound=Callable)
R = TypeVar("R")


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
ATTRIBUTE = "_portal_access_rule"  # on a view function, or on a blueprint for all of its views


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
    setattr(bp, ATTRIBUTE, rule)


def rule_for(app: Flask, endpoint: str) -> Rule | None:
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    rule = getattr(view, ATTRIBUTE, None)
    if rule is None and "." in endpoint:
        rule = getattr(app.blueprints.get(endpoint.rsplit(".", 1)[0]), ATTRIBUTE, None)
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


def load_or_404(model: type[R], record_id, *, policy: Callable[[User, R], bool]) -> R:
    """The record, if it exists and the signed-in user passes `policy` (one of
    portal.auth.policies); 404 otherwise, the same answer either way, so ids cannot be probed.
    A malformed id (from a query or form value) is a 404 too."""
    key = inputs.record_id(record_id)
    record = db.session.get(model, key) if key is not None else None
    if record is None or not (current_user.is_authenticated and policy(current_user, record)):
        abort(404)
    return record


def init_app(app: Flask) -> None:
    app.before_request(enforce)
