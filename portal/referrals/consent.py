"""Consent to disclose (42 CFR Part 2, § 2.31): recording, validity and revocation.

A consent is valid for one receiving organization while it is not revoked and its expiry
date has not passed. An expiry *event* ("when treatment ends") cannot be checked by the
portal: when it happens, the clinician revokes the consent, which ends it the same way.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from portal import audit, localtime
from portal.extensions import db
from portal.models import Consent, ConsentTemplate, Organization, User
from portal.models.catalog import utcnow
from portal.models.referrals import Client, ConsentMethod
from portal.translated import gettext as _

# What a new consent proposes until an admin saves the program's own wording.
DEFAULT_INFORMATION = (
    "Name or alias, phone number, how the person wants to be contacted, and the reason for "
    "the referral."
)
DEFAULT_PURPOSE = "To connect the person with the service they were referred to."
DEFAULT_EXPIRY_DAYS = 365
MAX_EXPIRY_DAYS = 3650


class ConsentError(ValueError):
    """The consent cannot be recorded as given; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def is_valid(consent: Consent, today: dt.date | None = None) -> bool:
    today = today or localtime.today()
    if consent.revoked_at is not None:
        return False
    return consent.expires_on is None or consent.expires_on >= today


def valid_consent(
    client: Client, organization_id: str, today: dt.date | None = None
) -> Consent | None:
    """The most recent valid consent naming this organization, if any."""
    candidates = db.session.scalars(
        select(Consent)
        .where(
            Consent.client_id == client.id,
            Consent.organization_id == organization_id,
            Consent.revoked_at.is_(None),
        )
        .order_by(Consent.given_at.desc())
    )
    return next((c for c in candidates if is_valid(c, today)), None)


def consented_clients(organization_id: str, today: dt.date | None = None) -> set[str]:
    """The ids of the clients with a valid consent naming this organization."""
    rows = db.session.scalars(
        select(Consent).where(
            Consent.organization_id == organization_id, Consent.revoked_at.is_(None)
        )
    )
    return {c.client_id for c in rows if is_valid(c, today)}


def record(
    client: Client,
    organization: Organization,
    *,
    information: str,
    purpose: str,
    method: str,
    given_at: dt.datetime,
    by: User,
    expires_on: dt.date | None = None,
    expiry_event: str | None = None,
    witness_name: str | None = None,
    signature: str | None = None,
) -> Consent:
    """Add a consent to the session (audited); raises ConsentError when an element is missing."""
    if method not in list(ConsentMethod):
        raise ConsentError(_("Choose how the consent was given."), "method")
    if not (information or "").strip():
        raise ConsentError(_("Say what information may be shared."), "information")
    if not (purpose or "").strip():
        raise ConsentError(_("Say why the information is shared."), "purpose")
    if expires_on is None and not (expiry_event or "").strip():
        raise ConsentError(
            _("Give an expiry date or the event that ends the consent."), "expires_on"
        )
    if given_at > utcnow() + dt.timedelta(minutes=5):
        raise ConsentError(_("The consent cannot be given in the future."), "given_at")
    given_day = localtime.today(given_at)
    if expires_on is not None and expires_on < given_day:
        raise ConsentError(
            _("The expiry date must be on or after the day the consent was given."), "expires_on"
        )
    if method == "verbal" and not (witness_name or "").strip():
        raise ConsentError(_("A verbal consent needs the name of the witness."), "witness_name")
    if method == "signed-on-screen" and not (signature or "").strip():
        raise ConsentError(_("Ask the person to sign by typing their name."), "signature")
    consent = Consent(
        client=client,
        discloser=current_app.config["PORTAL_PROGRAM_NAME"],
        organization=organization,
        information=information.strip(),
        purpose=purpose.strip(),
        expires_on=expires_on,
        expiry_event=(expiry_event or "").strip() or None,
        method=method,
        witness_name=(witness_name or "").strip() or None,
        signature=(signature or "").strip() or None,
        given_at=given_at,
        recorded_by_id=by.id,
    )
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.recorded", record=consent, actor=by)
    return consent


def revoke(consent: Consent, *, by: User, note: str | None = None) -> None:
    if consent.revoked_at is not None:
        raise ConsentError(_("This consent was already revoked."))
    consent.revoked_at = utcnow()
    consent.revoked_by_id = by.id
    consent.revocation_note = (note or "").strip()[:500] or None
    audit.record("consent.revoked", record=consent, actor=by)


def template() -> ConsentTemplate:
    """The wording a new consent starts from: the newest saved, or the defaults (not saved)."""
    newest = db.session.scalar(select(ConsentTemplate).order_by(ConsentTemplate.id.desc()))
    return newest or ConsentTemplate(
        information=DEFAULT_INFORMATION,
        purpose=DEFAULT_PURPOSE,
        expiry_days=DEFAULT_EXPIRY_DAYS,
    )


def save_template(*, information: str, purpose: str, expiry_days: int, by: User) -> ConsentTemplate:
    """A new wording for consents (audited); raises ConsentError when an element is missing."""
    if not (information or "").strip():
        raise ConsentError(_("Say what information may be shared."), "information")
    if not (purpose or "").strip():
        raise ConsentError(_("Say why the information is shared."), "purpose")
    if not 1 <= expiry_days <= MAX_EXPIRY_DAYS:
        raise ConsentError(_("Enter from 1 to %(max)d days.", max=MAX_EXPIRY_DAYS), "expiry_days")
    row = ConsentTemplate(
        information=information.strip(),
        purpose=purpose.strip(),
        expiry_days=expiry_days,
        created_by_id=by.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("consent_template.saved", record=row, actor=by)
    return row


def proposed_expiry(given_on: dt.date | None = None) -> dt.date:
    return (given_on or localtime.today()) + dt.timedelta(days=template().expiry_days)
