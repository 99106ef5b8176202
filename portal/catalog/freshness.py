"""Listing freshness: when a listing was last confirmed (HSDS `assured_date`), when it counts
as possibly out of date (PORTAL_STALE_AFTER_DAYS), and the reminders to its provider staff."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import current_app
from sqlalchemy import Select, or_, select

from portal import localtime, notify
from portal.extensions import db
from portal.models import ListingReminder, Metadata, Role, Service, User, UserOrganization
from portal.models.catalog import PUBLIC_STATUSES, utcnow
from portal.translated import gettext as _


def stale_after() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["PORTAL_STALE_AFTER_DAYS"])


def is_stale(assured_date: dt.date | None, on: dt.date | None = None) -> bool:
    """A listing last confirmed on assured_date is not confirmed within the threshold (never
    confirmed counts as stale)."""
    if assured_date is None:
        return True
    return (on or localtime.today()) - assured_date > stale_after()


def stale_services(on: dt.date | None = None) -> Select:
    """Public listings that are possibly out of date, the longest unconfirmed first."""
    cutoff = (on or localtime.today()) - stale_after()
    return (
        select(Service)
        .where(
            Service.status.in_(PUBLIC_STATUSES),
            or_(Service.assured_date.is_(None), Service.assured_date < cutoff),
        )
        .order_by(Service.assured_date.is_not(None), Service.assured_date, Service.name)
    )


def confirm(service: Service, by: User) -> None:
    """ "This listing is still correct": one click sets assured_date to today (and records it)."""
    previous = service.assured_date
    service.assured_date = localtime.today()
    service.assurer_email = by.email
    db.session.add(
        Metadata(
            resource_id=service.id,
            resource_type="service",
            field_name="assured_date",
            previous_value=previous.isoformat() if previous else "",
            replacement_value=service.assured_date.isoformat(),
            updated_by=by.email,
            last_action_type="update",
        )
    )


def provider_staff(organization_id: str) -> list[User]:
    """The active provider staff who look after an organization's listings."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserOrganization, UserOrganization.user_id == User.id)
            .where(
                UserOrganization.organization_id == organization_id,
                User.role == Role.provider.value,
                User.active.is_(True),
            )
            .order_by(User.email)
        )
    )


def send_reminders(now: dt.datetime | None = None) -> int:
    """Queue one email per staff member and organization about its stale listings; a listing
    is mentioned once per threshold period. Returns how many emails were queued."""
    now = now or utcnow()
    recently = select(ListingReminder.service_id).where(
        ListingReminder.sent_at > now - stale_after()
    )
    stale = db.session.scalars(
        stale_services(localtime.today(now)).where(Service.id.not_in(recently))
    ).all()
    by_organization: dict[str, list[Service]] = defaultdict(list)
    for service in stale:
        by_organization[service.organization_id].append(service)
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    queued = 0
    for organization_id, services in by_organization.items():
        staff = provider_staff(organization_id)
        if not staff:
            continue  # nobody to ask; the admin stale queue still lists them
        lines = "\n".join(f"- {s.name}" for s in services)
        body = _(
            "These listings have not been checked for a while, so people may see them as out "
            "of date:\n\n%(lines)s\n\nPlease check each one and press “This listing is still "
            "correct”, or send the changes:\n%(link)s\n",
            lines=lines,
            link=f"{base}/provider/organizations/{organization_id}",
        )
        for person in staff:
            notify.queue(person.email, _("Please check your listings"), body)
            queued += 1
        db.session.add_all(ListingReminder(service_id=s.id, sent_at=now) for s in services)
    return queued
