"""Who may reach which record: every record-level rule of DESIGN.md ("Who may do what"), named,
in one place.

A policy is a plain function `(user, record) -> bool`. Views pass one explicitly where they load
a record, so each load says which rule it applies:

    referral = load_or_404(Referral, referral_id, policy=policies.can_view_referral)

(portal.auth.permissions.load_or_404 answers 404 for a record the policy refuses.) The route
rules — which roles reach which page — are in portal.auth.permissions; the referral rules that
also depend on the referral's state (who may make which change) in portal.referrals.workflow,
which asks `is_receiving_staff` here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false

from portal.models import (
    ChangeRequest,
    Client,
    Consent,
    Encounter,
    Location,
    Organization,
    Referral,
    ReferralStatus,
    Role,
    Service,
    User,
    UserSession,
)

# The program is single: every clinician works with all of its clients; supervisors read.
PROGRAM_ROLES = (Role.clinician.value, Role.supervisor.value)


# --- people --------------------------------------------------------------------------------


def is_program_staff(user: User) -> bool:
    return user.role in PROGRAM_ROLES


def is_receiving_staff(user: User, referral: Referral) -> bool:
    """Provider staff of the organization the referral was sent to. One never sent (a draft,
    or a draft marked entered in error) is not theirs."""
    return (
        user.role == Role.provider.value
        and referral.status != ReferralStatus.draft
        and referral.sent_at is not None
        and referral.organization_id in user.organization_ids
    )


def received_by(user: User) -> ColumnElement[bool]:
    """`is_receiving_staff` in SQL, for lists of the referrals a staff member may see."""
    if user.role != Role.provider.value:
        return false()
    return and_(
        Referral.status != ReferralStatus.draft,
        Referral.sent_at.is_not(None),
        Referral.organization_id.in_(user.organization_ids),
    )


# --- accounts ------------------------------------------------------------------------------


def owns_session(user: User, row: UserSession) -> bool:
    return row.user_id == user.id


def can_manage_user(user: User, other: User) -> bool:
    return user.is_admin


# --- the program's client records ----------------------------------------------------------


def can_view_client(user: User, client: Client) -> bool:
    return is_program_staff(user)


def can_view_consent(user: User, consent: Consent) -> bool:
    return is_program_staff(user)


def can_view_encounter(user: User, encounter: Encounter) -> bool:
    return is_program_staff(user)


def can_view_referral(user: User, referral: Referral) -> bool:
    return is_receiving_staff(user, referral) or is_program_staff(user)


# --- listings ------------------------------------------------------------------------------
# Provider staff edit their own organizations' listings (reviewed); admins edit any.


def can_edit_organization(user: User, organization: Organization) -> bool:
    return user.is_admin or organization.id in user.organization_ids


def can_edit_service(user: User, service: Service) -> bool:
    return user.is_admin or service.organization_id in user.organization_ids


def can_edit_location(user: User, location: Location) -> bool:
    return user.is_admin or location.organization_id in user.organization_ids


def can_view_change_request(user: User, change: ChangeRequest) -> bool:
    return user.is_admin or change.organization_id in user.organization_ids
