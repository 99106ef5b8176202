"""A service's records as the objects its page shows (placements, locations, phones and their
languages, hours, addresses, accessibility, details, capacity, costs, documents, areas), read
for a few services at once in one plain query per kind of record and handed to the objects'
relationships as loaded.

Nested eager-loading options did the same in about twice as many queries, and building their
statements' cache keys cost more than the queries themselves. The statements here are built
once, with expanding parameters. Each collection is set as the relationship's own join would
find it (a service's own phones are those not tied to a placement, an organization's are all
of its phones), so reading any of them afterwards never asks the database again.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
)


def load(session: Session, services: Sequence[Service]) -> None:
    """Set every collection a service page reads on these services (and their organizations,
    placements and locations)."""
    if not services:
        return
    ids = [s.id for s in services]
    pairs = session.execute(_PLACEMENTS, {"ids": ids}).all()
    placements = [sal for sal, _ in pairs]
    locations = list({location.id: location for _, location in pairs}.values())
    organizations = list({s.organization.id: s.organization for s in services}.values())
    near = {
        "ids": ids,
        "placements": [p.id for p in placements],
        "locations": [location.id for location in locations],
        "organizations": [o.id for o in organizations],
    }
    phones = session.scalars(_PHONES, near).all()
    languages = session.scalars(_LANGUAGES, {"ids": ids, "phones": [p.id for p in phones]}).all()
    schedules = session.scalars(_SCHEDULES, near).all()
    addresses = session.scalars(_ADDRESSES, near).all() if locations else []
    accessibility = session.scalars(_ACCESSIBILITY, near).all() if locations else []
    attributes = session.scalars(_ATTRIBUTES, near).all()
    capacities = session.scalars(_CAPACITIES, near).all()
    costs = session.scalars(_COSTS, near).all()
    documents = session.scalars(_DOCUMENTS, near).all()
    areas = session.scalars(_AREAS, near).all()

    placements_of = grouped(placements, "service_id")
    for service in services:
        at = placements_of.get(service.id, [])
        set_committed_value(service, "service_at_locations", at)
        for placement in at:
            set_committed_value(placement, "service", service)
    for placement, location in pairs:
        set_committed_value(placement, "location", location)

    own = [p for p in phones if p.service_at_location_id is None]
    _set(services, "phones", grouped(own, "service_id"))
    _set(placements, "phones", grouped(phones, "service_at_location_id"))
    _set(locations, "phones", grouped(own, "location_id"))
    _set(organizations, "phones", grouped(phones, "organization_id"))
    _set(phones, "languages", grouped(languages, "phone_id"))
    _set(services, "languages", grouped(languages, "service_id"))

    own_hours = [s for s in schedules if s.service_at_location_id is None]
    _set(services, "schedules", grouped(own_hours, "service_id"))
    _set(placements, "schedules", grouped(schedules, "service_at_location_id"))
    _set(locations, "schedules", grouped(own_hours, "location_id"))

    _set(locations, "addresses", grouped(addresses, "location_id"))
    _set(locations, "accessibility", grouped(accessibility, "location_id"))
    _set(services, "attributes", grouped(attributes, "link_id"))
    _set(services, "capacities", grouped(capacities, "service_id"))
    _set(services, "cost_options", grouped(costs, "service_id"))
    _set(services, "required_documents", grouped(documents, "service_id"))
    _set(services, "service_areas", grouped(areas, "service_id"))


def grouped(rows, column: str) -> dict[str, list]:
    """Rows by the value of one of their columns (rows where it is NULL belong to no one)."""
    found: dict[str, list] = {}
    for row in rows:
        key = getattr(row, column)
        if key is not None:
            found.setdefault(key, []).append(row)
    return found


def _set(owners, relationship: str, children: dict[str, list]) -> None:
    for owner in owners:
        set_committed_value(owner, relationship, children.get(owner.id, []))


def _ids(name: str):
    return bindparam(name, expanding=True)


_PLACEMENTS = (
    select(ServiceAtLocation, Location)
    .join(Location, Location.id == ServiceAtLocation.location_id)
    .where(ServiceAtLocation.service_id.in_(_ids("ids")))
)
_PHONES = select(Phone).where(
    or_(
        Phone.service_id.in_(_ids("ids")),
        Phone.service_at_location_id.in_(_ids("placements")),
        Phone.location_id.in_(_ids("locations")),
        Phone.organization_id.in_(_ids("organizations")),
    )
)
_LANGUAGES = select(Language).where(
    or_(Language.service_id.in_(_ids("ids")), Language.phone_id.in_(_ids("phones")))
)
_SCHEDULES = select(Schedule).where(
    or_(
        Schedule.service_id.in_(_ids("ids")),
        Schedule.service_at_location_id.in_(_ids("placements")),
        Schedule.location_id.in_(_ids("locations")),
    )
)
_ADDRESSES = select(Address).where(Address.location_id.in_(_ids("locations")))
_ACCESSIBILITY = select(Accessibility).where(Accessibility.location_id.in_(_ids("locations")))
_ATTRIBUTES = select(Attribute).where(
    Attribute.link_entity == "service", Attribute.link_id.in_(_ids("ids"))
)
_CAPACITIES = select(ServiceCapacity).where(ServiceCapacity.service_id.in_(_ids("ids")))
_COSTS = select(CostOption).where(CostOption.service_id.in_(_ids("ids")))
_DOCUMENTS = select(RequiredDocument).where(RequiredDocument.service_id.in_(_ids("ids")))
_AREAS = select(ServiceArea).where(ServiceArea.service_id.in_(_ids("ids")))
