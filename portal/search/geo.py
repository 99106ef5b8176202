"""Distances, ZIP code centres (offline, from the zipcodes package) and grid cells.

Services are indexed with the grid cells of their locations at two sizes, so a distance
search first narrows to the cells its radius touches and then measures exact distances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import zipcodes

EARTH_RADIUS_MILES = 3958.8
CELL_SIZES = (0.1, 1.0)  # degrees; about 7 and 70 miles across here
MAX_CELLS = 150
NOWHERE = "none"  # the cell of services with no location (phone lines, online)


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def zip_centre(zip_code: str) -> Point | None:
    """The centre of a US ZIP code, or None when it is unknown."""
    try:
        matches = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        return None
    for match in matches:
        if match.get("lat") and match.get("long"):
            return Point(float(match["lat"]), float(match["long"]))
    return None


class Radians(NamedTuple):
    """A point made ready for distance measurements: radians and the cosine of its latitude."""

    latitude: float
    longitude: float
    cos_latitude: float


def radians(point: Point) -> Radians:
    latitude = math.radians(point.latitude)
    return Radians(latitude, math.radians(point.longitude), math.cos(latitude))


def miles_between_radians(a: Radians, b: Radians) -> float:
    """Great-circle distance (haversine); search/distance.py does the same for many at once."""
    h = (
        math.sin((b.latitude - a.latitude) / 2) ** 2
        + a.cos_latitude * b.cos_latitude * math.sin((b.longitude - a.longitude) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def miles_between(a: Point, b: Point) -> float:
    return miles_between_radians(radians(a), radians(b))


def _cell(size: float, lat: float, lng: float) -> str:
    return f"{size:g}:{math.floor(lat / size)}:{math.floor(lng / size)}"


def cells_of(point: Point) -> list[str]:
    return [_cell(size, point.latitude, point.longitude) for size in CELL_SIZES]


def cells_within(centre: Point, radius_miles: float) -> list[str] | None:
    """Cells that a circle touches, at the finest size that needs few; None: too wide to narrow."""
    dlat = radius_miles / 69.0
    dlng = radius_miles / max(1e-6, 69.172 * math.cos(math.radians(centre.latitude)))
    for size in CELL_SIZES:
        rows = range(
            math.floor((centre.latitude - dlat) / size),
            math.floor((centre.latitude + dlat) / size) + 1,
        )
        cols = range(
            math.floor((centre.longitude - dlng) / size),
            math.floor((centre.longitude + dlng) / size) + 1,
        )
        if len(rows) * len(cols) <= MAX_CELLS:
            return [f"{size:g}:{r}:{c}" for r in rows for c in cols]
    return None
