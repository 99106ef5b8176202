"""Confidential places (a domestic-violence shelter must not be found): the one rule for what
of a location may be shown outside the staff pages.

A confidential location keeps its street address and coordinates in the database for staff,
but every public output (pages, search results and snippets, the HSDS API and JSON, CSV and
data-package exports, printable lists) shows only its town and ZIP code, no map pin and no map
link; a distance to it is measured from the centre of its ZIP code and said as "about".
"""

from __future__ import annotations

from portal.models import Address, Location
from portal.translated import gettext as _


def is_confidential(location: Location | None) -> bool:
    return bool(location is not None and location.confidential)


def public_coordinates(location: Location | None) -> tuple[float, float] | None:
    """Where a map pin or a link to a map may point: None for a confidential place (and for
    a place without coordinates)."""
    if location is None or location.confidential:
        return None
    if location.latitude is None or location.longitude is None:
        return None
    return location.latitude, location.longitude


def distance_point(location: Location) -> tuple[float, float, bool] | None:
    """(latitude, longitude, approximate) to measure distances from: the place itself, or for
    a confidential place the centre of its ZIP code (approximate)."""
    exact = public_coordinates(location)
    if exact is not None:
        return (*exact, False)
    if not location.confidential:
        return None
    from portal.search.geo import zip_centre  # lazy: portal.search imports this module

    for address in location.addresses:
        centre = zip_centre((address.postal_code or "")[:5])
        if centre is not None:
            return centre.latitude, centre.longitude, True
    return None


def public_addresses(location: Location | None) -> list[Address]:
    """Addresses whose street may be shown: none of a confidential place."""
    if location is None or location.confidential:
        return []
    return list(location.addresses)


def public_area(location: Location | None) -> str | None:
    """The town, state and ZIP code of a confidential place ("Alexandria, VA 22314")."""
    if location is None or not location.confidential:
        return None
    for address in location.addresses:
        town = ", ".join(p for p in (address.city, address.state_province) if p)
        text = " ".join(p for p in (town, (address.postal_code or "")[:5]) if p)
        if text:
            return text
    return None


def public_address_line(location: Location | None) -> str | None:
    """The address a public page shows on one line."""
    if location is None:
        return None
    if location.confidential:
        area = public_area(location)
        if area:
            return _("%(area)s (the street address is given when you call)", area=area)
        return _("Address given when you call")
    address = location.physical_address
    return address.one_line if address else None
