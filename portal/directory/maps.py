"""The map beside a list of services (issue 12, point 7): the pins as data for
static/js/map.js. The list stays complete and first; the map only adds to it."""

from __future__ import annotations

from flask import current_app, url_for

from portal.catalog import map_points
from portal.directory import presenters
from portal.models import Service


def of_listings(listings: list[presenters.ServiceListing]) -> dict | None:
    """The map of these list entries, in their order (their cards carry their pins)."""
    return map_data([pin for item in listings for pin in item.card.pins])


def of_service(service: Service) -> dict | None:
    """The map of a service whose records are loaded (queries.service_detail)."""
    return map_data(map_points.of_service(service))


def map_data(pins: list[map_points.MapPoint]) -> dict | None:
    """What the map needs (None: nothing to pin, no map)."""
    if not pins:
        return None
    config = current_app.config
    return {
        "tiles": config["PORTAL_MAP_TILE_URL"],
        "attribution": config["PORTAL_MAP_ATTRIBUTION"],
        "attribution_url": config["PORTAL_MAP_ATTRIBUTION_URL"],
        "points": [
            {
                "name": p.name,
                "place": p.place,
                "lat": round(p.latitude, 6),
                "lng": round(p.longitude, 6),
                "url": url_for("directory.service", service_id=p.service_id),
            }
            for p in pins
        ],
    }
