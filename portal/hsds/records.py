"""The public catalog as HSDS 3.0 objects: which records are public, and their nested shapes.

One place for both the API and the JSON export. Public means what the public directory lists:
services that are active or temporarily closed (inactive and defunct ones are kept for history
and never published), everything they hang on, all organizations, locations and taxonomies.
Empty fields are left out: the HSDS schemas do not allow null.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from portal.catalog import places
from portal.extensions import db
from portal.hsds.tables import BY_NAME, row_dict, to_json_value
from portal.models import (
    Address,
    Attribute,
    Contact,
    Location,
    Metadata,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from portal.models.catalog import PUBLIC_STATUSES


def _by_id(records_: list) -> list:
    """Nested lists in id order, so the same data always gives the same document."""
    return sorted(records_, key=lambda r: r.id)


def row(table: str, obj) -> dict:
    values = row_dict(BY_NAME[table], obj)
    if table == "location" and places.is_confidential(obj):
        values.pop("latitude", None)
        values.pop("longitude", None)
    return values


def _addresses(place: Location) -> list[dict]:
    """A confidential place's addresses are left out (HSDS requires address_1 in each)."""
    return [row("address", address) for address in _by_id(places.public_addresses(place))]


# --- what is public ---------------------------------------------------------------------


def public_service_ids() -> Select:
    return select(Service.id).where(Service.status.in_(PUBLIC_STATUSES))


def public_services() -> Select:
    return select(Service).where(Service.status.in_(PUBLIC_STATUSES))


def public_service_at_locations() -> Select:
    return select(ServiceAtLocation).where(ServiceAtLocation.service_id.in_(public_service_ids()))


def public_filter(table: str):
    """A WHERE clause that keeps the table's public rows (None: every row is public)."""
    model = BY_NAME[table].model
    public_ids = public_service_ids()
    if table == "service":
        return Service.status.in_(PUBLIC_STATUSES)
    public_placements = select(ServiceAtLocation.id).where(
        ServiceAtLocation.service_id.in_(public_ids)
    )
    conditions = []
    if "service_id" in model.__table__.columns:
        conditions.append(or_(model.service_id.is_(None), model.service_id.in_(public_ids)))
    if "service_at_location_id" in model.__table__.columns:
        conditions.append(
            or_(
                model.service_at_location_id.is_(None),
                model.service_at_location_id.in_(public_placements),
            )
        )
    if table == "phone":  # a phone of a contact of a hidden service
        conditions.append(
            or_(
                Phone.contact_id.is_(None),
                Phone.contact_id.in_(select(Contact.id).where(public_filter("contact"))),
            )
        )
    if table == "language":
        conditions.append(
            or_(
                model.phone_id.is_(None),
                model.phone_id.in_(select(Phone.id).where(public_filter("phone"))),
            )
        )
    if table == "address":
        conditions.append(
            or_(
                Address.location_id.is_(None),
                Address.location_id.not_in(select(Location.id).where(Location.confidential)),
            )
        )
    if table == "attribute":
        conditions.append(
            or_(Attribute.link_entity != "service", Attribute.link_id.in_(public_ids))
        )
    if table == "metadata":
        conditions.append(
            or_(Metadata.resource_type != "service", Metadata.resource_id.in_(public_ids))
        )
    return and_(*conditions) if conditions else None


# --- nested shapes ----------------------------------------------------------------------


def _attributes(link_entity: str, link_ids: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    if not link_ids:
        return found
    for attribute in db.session.scalars(
        select(Attribute)
        .where(Attribute.link_entity == link_entity, Attribute.link_id.in_(link_ids))
        .order_by(Attribute.id)
    ).unique():
        item = row("attribute", attribute)
        item["taxonomy_term"] = taxonomy_term(attribute.taxonomy_term)
        found.setdefault(attribute.link_id, []).append(item)
    return found


def _metadata(resource_ids: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    if not resource_ids:
        return found
    for entry in db.session.scalars(
        select(Metadata).where(Metadata.resource_id.in_(resource_ids)).order_by(Metadata.id)
    ):
        found.setdefault(entry.resource_id, []).append(row("metadata", entry))
    return found


def _phone(phone: Phone) -> dict:
    item = row("phone", phone)
    item["languages"] = [row("language", language) for language in _by_id(phone.languages)]
    return item


def _contact(contact: Contact) -> dict:
    item = row("contact", contact)
    item["phones"] = [_phone(phone) for phone in _by_id(contact.phones)]
    return item


def taxonomy_term(term: TaxonomyTerm) -> dict:
    item = row("taxonomy_term", term)
    if term.taxonomy_detail is not None:
        item["taxonomy_detail"] = row("taxonomy", term.taxonomy_detail)
    return item


def location(place: Location, attributes: list[dict] | None = None) -> dict:
    item = row("location", place)
    item.update(
        languages=[row("language", language) for language in _by_id(place.languages)],
        addresses=_addresses(place),
        contacts=[_contact(contact) for contact in _by_id(place.contacts)],
        accessibility=[row("accessibility", entry) for entry in _by_id(place.accessibility)],
        phones=[_phone(phone) for phone in _by_id(place.phones)],
        schedules=[row("schedule", schedule) for schedule in _by_id(place.schedules)],
        attributes=attributes if attributes is not None else [],
    )
    return item


LOCATION_OPTIONS = (
    selectinload(Location.languages),
    selectinload(Location.addresses),
    selectinload(Location.contacts).selectinload(Contact.phones),
    selectinload(Location.accessibility),
    selectinload(Location.phones).selectinload(Phone.languages),
    selectinload(Location.schedules),
)


def _placement_options():
    placement = selectinload(Service.service_at_locations)
    return (
        placement.selectinload(ServiceAtLocation.phones).selectinload(Phone.languages),
        placement.selectinload(ServiceAtLocation.schedules),
        placement.selectinload(ServiceAtLocation.contacts).selectinload(Contact.phones),
        *(placement.selectinload(ServiceAtLocation.location).options(o) for o in LOCATION_OPTIONS),
    )


SERVICE_LIST_OPTIONS = (selectinload(Service.organization), selectinload(Service.program))
SERVICE_FULL_OPTIONS = (
    *SERVICE_LIST_OPTIONS,
    selectinload(Service.phones).selectinload(Phone.languages),
    selectinload(Service.schedules),
    selectinload(Service.capacities),
    selectinload(Service.service_areas),
    selectinload(Service.languages),
    selectinload(Service.fundings),
    selectinload(Service.cost_options),
    selectinload(Service.required_documents),
    selectinload(Service.contacts).selectinload(Contact.phones),
    selectinload(Service.capacities),
    *_placement_options(),
)


def service_list_item(service: Service) -> dict:
    item = row("service", service)
    item["organization"] = row("organization", service.organization)
    if service.program is not None:
        item["program"] = row("program", service.program)
    return item


def minimal_service(service: Service) -> dict:
    """Just enough to tell what changed: the id, the required name and status, last_modified."""
    return {
        "id": service.id,
        "name": service.name,
        "status": service.status,
        "last_modified": row("service", service)["last_modified"],
    }


def _placement(placement: ServiceAtLocation, attributes: dict[str, list[dict]]) -> dict:
    item = row("service_at_location", placement)
    item.update(
        contacts=[_contact(contact) for contact in _by_id(placement.contacts)],
        phones=[_phone(phone) for phone in _by_id(placement.phones)],
        schedules=[row("schedule", schedule) for schedule in _by_id(placement.schedules)],
        location=location(placement.location, attributes.get(placement.location_id, [])),
        attributes=attributes.get(placement.id, []),
    )
    return item


def _capacity(capacity: ServiceCapacity) -> dict:
    """HSDS 3.1 service_capacity with its unit (3.0 has none; the figures the site shows)."""
    unit = {"id": capacity.unit.id, "name": capacity.unit.name}
    item = {
        "id": capacity.id,
        "service_id": capacity.service_id,
        "unit": unit,
        "available": capacity.available,
        "maximum": capacity.maximum,
        "description": capacity.description,
        "updated": to_json_value(capacity.updated),
    }
    return {k: v for k, v in item.items() if v is not None}


def full_services(services: list[Service], *, capacities: bool = False) -> list[dict]:
    """Fully nested services (load them with SERVICE_FULL_OPTIONS); the API adds their
    capacities (HSDS 3.1), which the 3.0 export and import leave out."""
    ids = [s.id for s in services]
    placements = [p for s in services for p in s.service_at_locations]
    attributes = _attributes("service", ids)
    attributes.update(_attributes("service_at_location", [p.id for p in placements]))
    attributes.update(_attributes("location", [p.location_id for p in placements]))
    metadata = _metadata(ids)
    result = []
    for service in services:
        item = service_list_item(service)
        item.update(
            phones=[_phone(phone) for phone in _by_id(service.phones)],
            schedules=[row("schedule", schedule) for schedule in _by_id(service.schedules)],
            service_areas=[row("service_area", area) for area in _by_id(service.service_areas)],
            service_at_locations=[
                _placement(p, attributes) for p in _by_id(service.service_at_locations)
            ],
            languages=[row("language", language) for language in _by_id(service.languages)],
            funding=[row("funding", funding) for funding in _by_id(service.fundings)],
            cost_options=[row("cost_option", option) for option in _by_id(service.cost_options)],
            required_documents=[
                row("required_document", d) for d in _by_id(service.required_documents)
            ],
            contacts=[_contact(contact) for contact in _by_id(service.contacts)],
            # HSDS 3.1 (the 3.0 schema allows more fields): capacity survives a round trip.
            capacities=[
                {**row("service_capacity", c), "unit": row("unit", c.unit)}
                for c in _by_id(service.capacities)
            ],
            attributes=attributes.get(service.id, []),
            metadata=metadata.get(service.id, []),
        )
        if capacities:
            item["capacities"] = [_capacity(c) for c in _by_id(service.capacities)]
        result.append(item)
    return result


PLACEMENT_LIST_OPTIONS = (
    selectinload(ServiceAtLocation.service),
    selectinload(ServiceAtLocation.location).selectinload(Location.addresses),
)
PLACEMENT_FULL_OPTIONS = (
    selectinload(ServiceAtLocation.service).options(*SERVICE_LIST_OPTIONS),
    selectinload(ServiceAtLocation.phones).selectinload(Phone.languages),
    selectinload(ServiceAtLocation.schedules),
    selectinload(ServiceAtLocation.contacts).selectinload(Contact.phones),
    *(selectinload(ServiceAtLocation.location).options(o) for o in LOCATION_OPTIONS),
)


def placement_list_item(placement: ServiceAtLocation) -> dict:
    item = row("service_at_location", placement)
    place = row("location", placement.location)
    place["addresses"] = _addresses(placement.location)
    item.update(location=place, service=row("service", placement.service))
    return item


def full_placements(placements: list[ServiceAtLocation]) -> list[dict]:
    attributes = _attributes("service_at_location", [p.id for p in placements])
    attributes.update(_attributes("location", [p.location_id for p in placements]))
    result = []
    for placement in placements:
        item = _placement(placement, attributes)
        item["service"] = service_list_item(placement.service)
        result.append(item)
    return result


ORGANIZATION_FULL_OPTIONS = (
    selectinload(Organization.fundings),
    selectinload(Organization.contacts).selectinload(Contact.phones),
    selectinload(Organization.phones).selectinload(Phone.languages),
    *(selectinload(Organization.locations).options(o) for o in LOCATION_OPTIONS),
    selectinload(Organization.programs),
    selectinload(Organization.organization_identifiers),
)


def full_organizations(organizations: list[Organization], full_service: bool) -> list[dict]:
    """Fully nested organizations with their public services (fully nested when asked)."""
    ids = [o.id for o in organizations]
    services_query = (
        public_services().where(Service.organization_id.in_(ids)).order_by(Service.name, Service.id)
    )
    services = list(
        db.session.scalars(
            services_query.options(
                *(SERVICE_FULL_OPTIONS if full_service else SERVICE_LIST_OPTIONS)
            )
        )
    )
    shaped = full_services(services) if full_service else [row("service", s) for s in services]
    by_organization: dict[str, list[dict]] = {}
    for service, item in zip(services, shaped, strict=True):
        by_organization.setdefault(service.organization_id, []).append(item)
    attributes = _attributes("organization", ids)
    attributes.update(_attributes("location", [p.id for o in organizations for p in o.locations]))
    metadata = _metadata(ids)
    result = []
    for organization in organizations:
        item = row("organization", organization)
        item.update(
            funding=[row("funding", funding) for funding in _by_id(organization.fundings)],
            contacts=[_contact(contact) for contact in _by_id(organization.contacts)],
            phones=[_phone(phone) for phone in _by_id(organization.phones)],
            locations=[
                location(p, attributes.get(p.id, [])) for p in _by_id(organization.locations)
            ],
            programs=[row("program", program) for program in _by_id(organization.programs)],
            organization_identifiers=[
                row("organization_identifier", i)
                for i in _by_id(organization.organization_identifiers)
            ],
            attributes=attributes.get(organization.id, []),
            metadata=metadata.get(organization.id, []),
            services=by_organization.get(organization.id, []),
        )
        result.append(item)
    return result
