"""What the receiving organization may see of a referral's client (42 CFR Part 2, § 2.31).

A consent lets the program disclose to one organization until it is revoked or expires. After
that nothing new is disclosed: the provider sees that the referral was withdrawn, with the name
as it was sent to them (already disclosed, so they can close the case on their side) and no
other client detail, and cannot move it. A referral marked "entered in error" shows no client
details at all. Every provider page reads the client through `provider_view` and nothing else.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, tuple_

from portal import localtime
from portal.extensions import db
from portal.models import Consent, Referral
from portal.referrals import consent as consents


class Disclosure(enum.StrEnum):
    SHARED = "shared"  # a valid consent names the organization
    WITHDRAWN = "withdrawn"  # the consent was revoked or has expired
    REMOVED = "removed"  # the referral was entered in error


@dataclass(frozen=True)
class ProviderView:
    """The client as the receiving organization may see them now; None where hidden."""

    disclosure: Disclosure
    name: str | None = None
    phone: str | None = None
    contact_preference: str | None = None
    need: str | None = None
    note: str | None = None

    @property
    def shared(self) -> bool:
        return self.disclosure is Disclosure.SHARED


def _view(referral: Referral, consent_in_force: bool) -> ProviderView:
    if referral.status == "entered-in-error":
        return ProviderView(Disclosure.REMOVED)
    if not consent_in_force:
        return ProviderView(Disclosure.WITHDRAWN, name=referral.disclosed_client_name)
    client = referral.client
    return ProviderView(
        Disclosure.SHARED,
        name=client.name,
        phone=client.phone,
        contact_preference=client.contact_preference,
        need=referral.need,
        note=referral.note,
    )


def consent_in_force(referral: Referral, today: dt.date | None = None) -> bool:
    return consents.valid_consent(referral.client, referral.organization_id, today) is not None


def provider_view(referral: Referral, today: dt.date | None = None) -> ProviderView:
    return _view(referral, consent_in_force(referral, today))


def provider_views(
    referrals: Iterable[Referral], today: dt.date | None = None
) -> dict[str, ProviderView]:
    """`provider_view` for a list of referrals, reading their consents in one query."""
    referrals = list(referrals)
    pairs = {(r.client_id, r.organization_id) for r in referrals}
    in_force: set[tuple[str, str]] = set()
    if pairs:
        today = today or localtime.today()
        candidates = db.session.scalars(
            select(Consent).where(
                tuple_(Consent.client_id, Consent.organization_id).in_(pairs),
                Consent.revoked_at.is_(None),
            )
        )
        in_force = {
            (c.client_id, c.organization_id) for c in candidates if consents.is_valid(c, today)
        }
    return {r.id: _view(r, (r.client_id, r.organization_id) in in_force) for r in referrals}
