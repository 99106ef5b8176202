"""An admin's settings for an organization: its name, whether it is trusted, and which provider
staff look after its listings."""

from __future__ import annotations

from portal.catalog import freshness
from portal.models import Organization, User


def save_organization(
    organization: Organization, *, name: str, trusted: bool, staff: list[User]
) -> None:
    """An admin's settings for an organization: its name, whether it is trusted, and which
    active provider staff look after its listings (their other organizations stay theirs;
    a deactivated account keeps its link)."""
    organization.name = name
    organization.trusted = trusted
    linked = freshness.provider_staff(organization.id) if organization.id else []
    for user in linked:
        if user not in staff:
            user.organizations.remove(organization)
    for user in staff:
        if user not in linked:
            user.organizations.append(organization)
