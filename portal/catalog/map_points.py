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
    rows = session.execute(
        select(
            Service.id,
            Service.name,
            Location.id.label("location_id"),
            Location.name.label("location_name"),
            Location.latitude,
            Location.longitude,
        )
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(
            Service.id.in_(list(service_ids)),
            Service.status.in_(PUBLIC_STATUSES),
            Location.location_type.in_(PINNED_LOCATION_TYPES),
            Location.confidential.is_(False),
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
        )
        .order_by(Location.id)
    ).all()
    streets: dict[str, str] = {
        row.location_id: row.address_1
        for row in session.execute(
            select(Address.location_id, Address.address_1).where(
                Address.location_id.in_({r.location_id for r in rows}),
                Address.address_type == "physical",
            )
        )
    }
    order = {service_id: n for n, service_id in enumerate(service_ids)}
    return [
        MapPoint(
            service_id=r.id,
            name=r.name,
            place=streets.get(r.location_id) or r.location_name or "",
            latitude=r.latitude,
            longitude=r.longitude,
        )
        for r in sorted(rows, key=lambda r: order[r.id])
    ]
