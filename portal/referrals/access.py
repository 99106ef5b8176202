"""Who may see which client record (DESIGN.md, "Who may do what"), as scope rules for
portal.auth.permissions.get_in_scope_or_404: a record outside the scope answers 404."""

from __future__ import annotations

from portal.auth.permissions import scope
from portal.models import Client, Consent, Encounter, Referral, Role, User

# The program is single: every clinician works with all of its clients; supervisors read.
PROGRAM_ROLES = (Role.clinician.value, Role.supervisor.value)


def is_program_staff(user: User) -> bool:
    return user.role in PROGRAM_ROLES


def is_receiving_staff(user: User, referral: Referral) -> bool:
    """Provider staff of the organization the referral was sent to (a draft is never sent)."""
    return (
        user.role == Role.provider.value
        and referral.status != "draft"
        and referral.organization_id in user.organization_ids
    )


@scope(Client)
def _client(user: User, client: Client) -> bool:
    return is_program_staff(user)


@scope(Consent)
def _consent(user: User, consent: Consent) -> bool:
    return is_program_staff(user)


@scope(Encounter)
def _encounter(user: User, encounter: Encounter) -> bool:
    return is_program_staff(user)


@scope(Referral)
def _referral(user: User, referral: Referral) -> bool:
    return is_receiving_staff(user, referral) or is_program_staff(user)
