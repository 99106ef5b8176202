"""Where services are, for the map beside a list of them: one point per physical location with
coordinates. Postal and virtual locations, locations without coordinates and confidential
places (portal.catalog.places) never get a pin."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.models import Service
from portal.models.catalog import PUBLIC_STATUSES

PINNED_LOCATION_TYPES = ("physical",)


@dataclass(frozen=True)
class MapPoint:
    service_id: str
    name: str
    place: str  # the location's name or street address, for the marker's accessible name
    latitude: float
    longitude: float


def pins(
    service_id: str, name: str, places: Iterable[tuple[str, object]], streets: dict[str, str]
) -> list[MapPoint]:
    """The pins of one public service: `places` are (location id, the location or a row with
    its columns), `streets` the first physical street address by location id."""
    return [
        _point(service_id, name, location, streets.get(location_id))
        for location_id, location in sorted(places, key=lambda place: place[0])
        if _pinned(location)
    ]


def of_service(service: Service) -> list[MapPoint]:
    """The pins of one service whose locations and addresses are loaded (its page)."""
    if service.status not in PUBLIC_STATUSES:
        return []
    locations = [sal.location for sal in service.service_at_locations]
    streets: dict[str, str] = {}
    for location in locations:
        for address in location.addresses:
            if address.address_type == "physical":
                streets.setdefault(location.id, address.address_1)
    return pins(service.id, service.name, [(loc.id, loc) for loc in locations], streets)


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
