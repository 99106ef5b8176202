"""What a list entry (a search result, a category's services) shows of each service, read in a
few plain queries for a page of ids instead of loading each service's records as objects.

Read afresh for every page: nothing is cached, so a card can never lag behind the catalog.
directory/presenters.py turns these facts into the card a page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from portal.catalog import hours, map_points, vocabulary
from portal.catalog.service_records import grouped
from portal.models import (
    Address,
    Attribute,
    Language,
    Location,
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
    languages: tuple[tuple[str | None, str], ...]  # (code, name as stored)
    payment: tuple[str, ...]  # names of its payment terms
    address: (
        tuple[str | None, str | None] | None
    )  # street and city of its first location with an address
    has_locations: bool
    last_verified: dt.date | None
    accepting_new_clients: bool | None
    capacities: tuple[CapacityFacts, ...]  # by unit name
    capacity_updated: dt.datetime | None
    approximate_distance: bool  # at a confidential place: measured from its ZIP code's centre
    schedules: tuple[hours.ScheduleFacts, ...]  # its own hours, else its locations'
    pins: tuple[map_points.MapPoint, ...] = ()  # where it is on the map beside the list


def public_cards(session: Session, service_ids: Sequence[str]) -> list[CardFacts]:
    """The public services among these ids, in the order given."""
    if not service_ids:
        return []
    services = session.execute(_SERVICES, {"ids": list(service_ids)}).all()
    if not services:
        return []
    ids = [s.id for s in services]
    placements = session.execute(_PLACEMENTS, {"ids": ids}).all()
    near = {
        "ids": ids,
        "placements": [p.id for p in placements],
        "locations": list({p.location_id for p in placements}),
        "organizations": list({s.organization_id for s in services}),
    }
    phones = session.execute(_PHONES, near).all()
    schedules = session.execute(_SCHEDULES, near).all()
    addresses = session.execute(_ADDRESSES, near).all()
    languages = session.execute(_LANGUAGES, near).all()
    payments = session.execute(_PAYMENTS, near).all()
    capacities = session.execute(_CAPACITIES, near).all()

    placements_of = grouped(placements, "service_id")
    phones_by = _Linked(phones)
    schedules_by = _Linked(schedules)
    addresses_at = grouped(addresses, "location_id")
    languages_of = grouped(languages, "service_id")
    payments_of = grouped(payments, "link_id")
    capacities_of = grouped(capacities, "service_id")
    by_id = {}
    for service in services:
        at = placements_of.get(service.id, [])
        phone_rows = phones_by.own_else_at_places(service.id, at) or phones_by.of_organization.get(
            service.organization_id, []
        )
        street = None
        approximate = False
        streets: dict[str, str] = {}
        for placement in at:
            here = addresses_at.get(placement.location_id, [])
            physical = next((a for a in here if a.address_type == "physical"), None)
            address = physical or (here[0] if here else None)
            approximate = approximate or bool(here and placement.confidential)
            if address is not None and street is None:
                # A confidential place shows its town only (portal.catalog.places).
                street = (None if placement.confidential else address.address_1, address.city)
            if physical is not None:
                streets.setdefault(placement.location_id, physical.address_1)
        by_id[service.id] = CardFacts(
            id=service.id,
            name=service.name,
            status=service.status,
            organization_name=service.organization_name,
            phone=PhoneFacts(*phone_rows[0][:4]) if phone_rows else None,
            languages=tuple(
                sorted({(r.code, r.name) for r in languages_of.get(service.id, []) if r.name})
            ),
            payment=tuple(sorted(r.name for r in payments_of.get(service.id, []))),
            address=street,
            has_locations=bool(at),
            approximate_distance=approximate,
            last_verified=service.assured_date,
            accepting_new_clients=service.accepting_new_clients,
            capacity_updated=service.capacity_updated,
            capacities=tuple(
                sorted(
                    (
                        CapacityFacts(c.available, c.maximum, c.unit)
                        for c in capacities_of.get(service.id, [])
                    ),
                    key=lambda c: c.unit,
                )
            ),
            schedules=tuple(
                hours.ScheduleFacts.of(s) for s in schedules_by.own_else_at_places(service.id, at)
            ),
            pins=tuple(
                map_points.pins(service.id, service.name, [(p.location_id, p) for p in at], streets)
            ),
        )
    return [by_id[i] for i in service_ids if i in by_id]


class _Linked:
    """Rows (phones, hours) that belong to a service, a placement, a location or an
    organization, grouped by each."""

    def __init__(self, rows) -> None:
        self.of_service: dict[str, list] = {}
        self.of_placement: dict[str, list] = {}
        self.of_location: dict[str, list] = {}
        self.of_organization: dict[str, list] = {}
        for row in rows:
            if getattr(row, "organization_id", None):
                self.of_organization.setdefault(row.organization_id, []).append(row)
            if row.service_at_location_id:
                self.of_placement.setdefault(row.service_at_location_id, []).append(row)
                continue
            if row.service_id:
                self.of_service.setdefault(row.service_id, []).append(row)
            if row.location_id:
                self.of_location.setdefault(row.location_id, []).append(row)

    def own_else_at_places(self, service_id: str, placements: list) -> list:
        """A service's own rows; else, place by place, the rows of its placement there or,
        without any, those of the location itself."""
        own = self.of_service.get(service_id)
        if own:
            return own
        found: list = []
        for placement in placements:
            found += self.of_placement.get(placement.id) or self.of_location.get(
                placement.location_id, []
            )
        return found


# The statements are built once, with expanding parameters, so a page of cards and their map
# pins costs eight small queries and little else.
def _ids(name: str):
    return bindparam(name, expanding=True)


_SERVICES = (
    select(
        Service.id,
        Service.name,
        Service.status,
        Service.organization_id,
        Service.assured_date,
        Service.accepting_new_clients,
        Service.capacity_updated,
        Organization.name.label("organization_name"),
    )
    .join(Organization, Organization.id == Service.organization_id)
    .where(Service.id.in_(_ids("ids")), Service.status.in_(PUBLIC_STATUSES))
)
# With the columns of its location that a map pin needs (portal.catalog.map_points).
_PLACEMENTS = (
    select(
        ServiceAtLocation.id,
        ServiceAtLocation.service_id,
        ServiceAtLocation.location_id,
        Location.name,
        Location.location_type,
        Location.confidential,
        Location.latitude,
        Location.longitude,
    )
    .join(Location, Location.id == ServiceAtLocation.location_id)
    .where(ServiceAtLocation.service_id.in_(_ids("ids")))
    .order_by(ServiceAtLocation.service_id)
)
_PHONES = select(
    Phone.number,
    Phone.extension,
    Phone.type,
    Phone.description,
    Phone.service_id,
    Phone.service_at_location_id,
    Phone.location_id,
    Phone.organization_id,
).where(
    or_(
        Phone.service_id.in_(_ids("ids")),
        Phone.service_at_location_id.in_(_ids("placements")),
        Phone.location_id.in_(_ids("locations")),
        Phone.organization_id.in_(_ids("organizations")),
    )
)
_SCHEDULES = select(
    Schedule.opens_at,
    Schedule.closes_at,
    Schedule.byday,
    Schedule.freq,
    Schedule.interval,
    Schedule.valid_from,
    Schedule.valid_to,
    Schedule.description,
    Schedule.notes,
    Schedule.service_id,
    Schedule.service_at_location_id,
    Schedule.location_id,
).where(
    or_(
        Schedule.service_id.in_(_ids("ids")),
        Schedule.service_at_location_id.in_(_ids("placements")),
        Schedule.location_id.in_(_ids("locations")),
    )
)
_ADDRESSES = select(
    Address.location_id, Address.address_1, Address.city, Address.address_type
).where(Address.location_id.in_(_ids("locations")))
_LANGUAGES = select(Language.service_id, Language.code, Language.name).where(
    Language.service_id.in_(_ids("ids"))
)
_PAYMENTS = (
    select(Attribute.link_id, TaxonomyTerm.name)
    .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
    .where(
        Attribute.link_entity == "service",
        Attribute.link_type == vocabulary.DETAIL_LINK,
        Attribute.link_id.in_(_ids("ids")),
        TaxonomyTerm.code.in_(
            sorted(
                code
                for code, group in vocabulary.DETAIL_GROUP_OF_CODE.items()
                if group == "payment"
            )
        ),
    )
)
_CAPACITIES = (
    select(
        ServiceCapacity.service_id,
        ServiceCapacity.available,
        ServiceCapacity.maximum,
        Unit.name.label("unit"),
    )
    .join(Unit, Unit.id == ServiceCapacity.unit_id)
    .where(ServiceCapacity.service_id.in_(_ids("ids")))
)
