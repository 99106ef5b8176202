"""Where services are, for the map beside a list of them: one point per physical location with
coordinates. Postal and virtual locations, locations without coordinates and confidential
places (portal.catalog.places) never get a pin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Address, Location, Service, ServiceAtLocation
from portal.models.catalog import PUBLIC_STATUSES

PINNED_LOCATION_TYPES = ("physical",)


@dataclass(frozen=True)
class MapPoint:
    service_id: str
    name: str
    place: str  # the location's name or street address, for the marker's accessible name
    latitude: float
    longitude: float


def points(session: Session, service_ids: Sequence[str]) -> list[MapPoint]:
    """The pins of these public services, in the order given."""
    if not service_ids:
        return []
    rows = [
        row
        for row in session.execute(
            select(
                Service.id,
                Service.name.label("service_name"),
                Location.id.label("location_id"),
                Location.name,
                Location.location_type,
                Location.confidential,
                Location.latitude,
                Location.longitude,
            )
            .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Service.id.in_(list(service_ids)), Service.status.in_(PUBLIC_STATUSES))
            .order_by(Location.id)
        )
        if _pinned(row)
    ]
    streets: dict[str, str] = {}
    for row in session.execute(
        select(Address.location_id, Address.address_1).where(
            Address.location_id.in_({r.location_id for r in rows}),
            Address.address_type == "physical",
        )
    ):
        streets.setdefault(row.location_id, row.address_1)
    order = {service_id: n for n, service_id in enumerate(service_ids)}
    return [
        _point(r.id, r.service_name, r, streets.get(r.location_id))
        for r in sorted(rows, key=lambda r: order[r.id])
    ]


def of_service(service: Service) -> list[MapPoint]:
    """The pins of one service whose locations and addresses are loaded (its page)."""
    if service.status not in PUBLIC_STATUSES:
        return []
    places = sorted(
        (sal.location for sal in service.service_at_locations if _pinned(sal.location)),
        key=lambda location: location.id,
    )
    return [
        _point(
            service.id,
            service.name,
            location,
            next((a.address_1 for a in location.addresses if a.address_type == "physical"), None),
        )
        for location in places
    ]


def _pinned(location) -> bool:
    """A location (or a row with its columns) that gets a pin."""
    return (
        location.location_type in PINNED_LOCATION_TYPES
        and not location.confidential
        and location.latitude is not None
        and location.longitude is not None
    )


def _point(service_id: str, name: str, location, street: str | None) -> MapPoint:
    return MapPoint(
        service_id=service_id,
        name=name,
        place=street or location.name or "",
        latitude=location.latitude,
        longitude=location.longitude,
    )
