"""Refer in one step, as a clinician in the field does: the person (on file, or new), the
consent to share with the service's organization when none is in force yet, and the referral,
sent or kept as a draft. All of it is added to one session; the caller commits it, or rolls it
all back on a WorkflowError, so a refusal never leaves a client without its referral or a
consent without its client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.models import Client, Location, Referral, Service, User
from portal.models.catalog import utcnow
from portal.referrals import clients, workflow
from portal.referrals import consent as consents
from portal.translated import gettext as _


@dataclass(frozen=True)
class NewClient:
    name: str
    phone: str | None = None
    contact_preference: str | None = None


@dataclass(frozen=True)
class GivenConsent:
    """The consent as typed on the referral page; § 2.31's elements are checked by
    consent.record. The recipient is always the service's organization."""

    method: str
    information: str
    purpose: str
    given_at: dt.datetime | None = None
    expires_on: dt.date | None = None
    expiry_event: str | None = None
    witness_name: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class Outcome:
    referral: Referral
    sent: bool
    consent_recorded: bool


def refer(
    service: Service,
    *,
    by: User,
    client: Client | None,
    new_client: NewClient | None,
    consent: GivenConsent | None,
    send: bool,
    urgency: str,
    need: str,
    note: str | None = None,
    location: Location | None = None,
    follow_up_on: dt.date | None = None,
) -> Outcome:
    """Add the client (when new), the consent (when given and none is in force) and the
    referral to the session, and send it when asked and a consent is in force; otherwise it
    stays a draft waiting for consent. Raises WorkflowError naming the field at fault:
    `client_id`, `new_name`, or `consent_<element>` for the consent's elements."""
    if client is None:
        if new_client is None or not new_client.name.strip():
            raise workflow.WorkflowError(
                _("Choose the person, or give a new person's name or alias."), "client_id"
            )
        client = clients.create(
            {
                "name": new_client.name,
                "phone": new_client.phone,
                "contact_preference": new_client.contact_preference,
            },
            by=by,
        )
    recorded = False
    if consent is not None and consents.valid_consent(client, service.organization_id) is None:
        try:
            consents.record(
                client,
                service.organization,
                information=consent.information,
                purpose=consent.purpose,
                method=consent.method,
                given_at=consent.given_at or utcnow(),
                by=by,
                expires_on=consent.expires_on,
                expiry_event=consent.expiry_event,
                witness_name=consent.witness_name,
                signature=consent.signature,
            )
        except consents.ConsentError as error:
            raise workflow.WorkflowError(
                str(error), f"consent_{error.field or 'information'}"
            ) from None
        recorded = True
    referral = workflow.create(
        client,
        service,
        by=by,
        urgency=urgency,
        need=need,
        note=note,
        location=location,
        follow_up_on=follow_up_on,
    )
    sent = False
    if send and consents.valid_consent(client, service.organization_id) is not None:
        workflow.change_status(
            referral, workflow.REQUESTED, by=by, expected_version=referral.version
        )
        sent = True
    return Outcome(referral, sent, recorded)
