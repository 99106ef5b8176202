"""Distance from a point: every located document's nearest location, within a radius.

Coordinates are kept as a stored column rather than indexed as numbers (they would be most of
the index's terms); a view reads them once into arrays and carries them over updates.
"""

from __future__ import annotations

import numpy as np

from portal.search import geo
from portal.search.index_view import IndexChange, IndexView


class Coordinates:
    """Every location of every document, in radians, as parallel arrays."""

    def __init__(self, docs: np.ndarray, latitudes: np.ndarray, longitudes: np.ndarray) -> None:
        self.docs, self.latitudes, self.longitudes = docs, latitudes, longitudes
        self.cos_latitudes = np.cos(latitudes)

    @classmethod
    def read(cls, parts) -> Coordinates:
        docs: list[int] = []
        points: list[float] = []
        for part, offset in parts:
            column = part.column_reader("coords")
            for docnum in range(part.doc_count_all()):
                raw = column[docnum]
                if not raw:
                    continue
                for pair in raw.decode().split(";"):
                    latitude, longitude = pair.split(",")
                    docs.append(offset + docnum)
                    points += (float(latitude), float(longitude))
        radians = np.radians(np.array(points, dtype=np.float64).reshape(-1, 2))
        return cls(np.array(docs, dtype=np.int64), radians[:, 0], radians[:, 1])

    def carried(self, change: IndexChange, added: Coordinates) -> Coordinates:
        keep = self.docs < change.kept
        if change.removed:
            keep &= ~np.isin(self.docs, np.fromiter(change.removed, dtype=np.int64))
        return Coordinates(
            np.concatenate([self.docs[keep], added.docs]),
            np.concatenate([self.latitudes[keep], added.latitudes]),
            np.concatenate([self.longitudes[keep], added.longitudes]),
        )


def _coordinates(view: IndexView) -> Coordinates:
    return view.derived(
        "coordinates",
        None,
        lambda: Coordinates.read([(view.reader, 0)]),
        lambda old, change: old.carried(change, Coordinates.read(change.added)),
    )


def within(
    view: IndexView, docs: np.ndarray, centre: geo.Point, radius: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The documents within the radius (all of them without one), and each document's
    distance in miles to its nearest location (NaN for those with no location: phone lines
    and online services, which stay)."""
    points = _coordinates(view)
    wanted = docs[points.docs]
    origin = geo.radians(centre)
    latitudes, longitudes = points.latitudes[wanted], points.longitudes[wanted]
    # Haversine, as geo.miles_between_radians, for every location at once.
    h = (
        np.sin((latitudes - origin.latitude) / 2) ** 2
        + origin.cos_latitude
        * points.cos_latitudes[wanted]
        * np.sin((longitudes - origin.longitude) / 2) ** 2
    )
    miles = 2 * geo.EARTH_RADIUS_MILES * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    nearest = np.full(view.doc_count, np.inf)
    np.minimum.at(nearest, points.docs[wanted], miles)
    located = np.zeros(view.doc_count, dtype=bool)
    located[points.docs] = True
    distances = np.where(located, nearest, np.nan)
    kept = docs & ~located if radius is not None else docs.copy()
    if radius is not None:
        kept |= docs & (nearest <= radius)
    return kept, distances
