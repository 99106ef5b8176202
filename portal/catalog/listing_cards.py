"""What a list entry (a search result, a category's services) shows of each service, read in a
few plain queries for a page of ids instead of loading each service's records as objects.

Read afresh for every page: nothing is cached, so a card can never lag behind the catalog.
directory/presenters.py turns these facts into the card a page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.catalog import hours, vocabulary
from portal.models import (
    Address,
    Attribute,
    Language,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
    Unit,
)
from portal.models.catalog import PUBLIC_STATUSES


@dataclass(frozen=True)
class PhoneFacts:
    number: str
    extension: int | None
    type: str | None
    description: str | None


@dataclass(frozen=True)
class CapacityFacts:
    available: float
    maximum: float | None
    unit: str


@dataclass(frozen=True)
class CardFacts:
    id: str
    name: str
    status: str
    organization_name: str
    phone: PhoneFacts | None  # its own first, else a location's, else its organization's
    languages: tuple[str, ...]
    payment: tuple[str, ...]  # names of its payment terms
    address: tuple[str, str] | None  # street and city of its first location with an address
    has_locations: bool
    last_verified: dt.date | None
    accepting_new_clients: bool | None
    capacities: tuple[CapacityFacts, ...]  # by unit name
    schedules: tuple[hours.ScheduleFacts, ...]  # its own hours, else its locations'


_SCHEDULE_FIELDS = (
    Schedule.opens_at,
    Schedule.closes_at,
    Schedule.byday,
    Schedule.freq,
    Schedule.interval,
    Schedule.valid_from,
    Schedule.valid_to,
    Schedule.description,
    Schedule.notes,
)
_PHONE_FIELDS = (Phone.number, Phone.extension, Phone.type, Phone.description)


def public_cards(session: Session, service_ids: Sequence[str]) -> list[CardFacts]:
    """The public services among these ids, in the order given."""
    if not service_ids:
        return []
    services = session.execute(
        select(
            Service.id,
            Service.name,
            Service.status,
            Service.organization_id,
            Service.assured_date,
            Service.accepting_new_clients,
            Organization.name.label("organization_name"),
        )
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.id.in_(service_ids), Service.status.in_(PUBLIC_STATUSES))
    ).all()
    if not services:
        return []
    ids = [s.id for s in services]
    placements = session.execute(
        select(ServiceAtLocation.id, ServiceAtLocation.service_id, ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id.in_(ids))
        .order_by(ServiceAtLocation.service_id)
    ).all()
    placement_ids = [p.id for p in placements]
    location_ids = list({p.location_id for p in placements})
    organization_ids = list({s.organization_id for s in services})

    phones = session.execute(
        select(
            *_PHONE_FIELDS,
            Phone.service_id,
            Phone.service_at_location_id,
            Phone.location_id,
            Phone.organization_id,
        ).where(
            or_(
                Phone.service_id.in_(ids),
                Phone.service_at_location_id.in_(placement_ids),
                Phone.location_id.in_(location_ids),
                Phone.organization_id.in_(organization_ids),
            )
        )
    ).all()
    schedules = session.execute(
        select(
            *_SCHEDULE_FIELDS,
            Schedule.service_id,
            Schedule.service_at_location_id,
            Schedule.location_id,
        ).where(
            or_(
                Schedule.service_id.in_(ids),
                Schedule.service_at_location_id.in_(placement_ids),
                Schedule.location_id.in_(location_ids),
            )
        )
    ).all()
    addresses = session.execute(
        select(Address.location_id, Address.address_1, Address.city, Address.address_type).where(
            Address.location_id.in_(location_ids)
        )
    ).all()
    languages = session.execute(
        select(Language.service_id, Language.name).where(Language.service_id.in_(ids))
    ).all()
    payments = session.execute(
        select(Attribute.link_id, TaxonomyTerm.code, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "service",
            Attribute.link_type == vocabulary.DETAIL_LINK,
            Attribute.link_id.in_(ids),
        )
    ).all()
    capacities = session.execute(
        select(
            ServiceCapacity.service_id,
            ServiceCapacity.available,
            ServiceCapacity.maximum,
            Unit.name.label("unit"),
        )
        .join(Unit, Unit.id == ServiceCapacity.unit_id)
        .where(ServiceCapacity.service_id.in_(ids))
    ).all()

    by_id = {}
    for service in services:
        at = [p for p in placements if p.service_id == service.id]
        phone_rows = _own_else_at_places(phones, service.id, at) or [
            r for r in phones if r.organization_id == service.organization_id
        ]
        schedule_rows = _own_else_at_places(schedules, service.id, at)
        street = None
        for p in at:
            here = [a for a in addresses if a.location_id == p.location_id]
            physical = next((a for a in here if a.address_type == "physical"), None)
            address = physical or (here[0] if here else None)
            if address is not None:
                street = (address.address_1, address.city)
                break
        by_id[service.id] = CardFacts(
            id=service.id,
            name=service.name,
            status=service.status,
            organization_name=service.organization_name,
            phone=PhoneFacts(*phone_rows[0][:4]) if phone_rows else None,
            languages=tuple(
                sorted({r.name for r in languages if r.service_id == service.id and r.name})
            ),
            payment=tuple(
                sorted(
                    r.name
                    for r in payments
                    if r.link_id == service.id
                    and vocabulary.DETAIL_GROUP_OF_CODE.get(r.code or "") == "payment"
                )
            ),
            address=street,
            has_locations=bool(at),
            last_verified=service.assured_date,
            accepting_new_clients=service.accepting_new_clients,
            capacities=tuple(
                sorted(
                    (
                        CapacityFacts(c.available, c.maximum, c.unit)
                        for c in capacities
                        if c.service_id == service.id
                    ),
                    key=lambda c: c.unit,
                )
            ),
            schedules=tuple(hours.ScheduleFacts.of(s) for s in schedule_rows),
        )
    return [by_id[i] for i in service_ids if i in by_id]


def _own_else_at_places(rows: list, service_id: str, placements: list) -> list:
    """A service's own rows (phones, hours); else, place by place, the rows of its placement
    there or, without any, those of the location itself."""
    own = [r for r in rows if r.service_id == service_id and not r.service_at_location_id]
    if own:
        return own
    found = []
    for placement in placements:
        found += [r for r in rows if r.service_at_location_id == placement.id] or [
            r
            for r in rows
            if r.location_id == placement.location_id and not r.service_at_location_id
        ]
    return found
