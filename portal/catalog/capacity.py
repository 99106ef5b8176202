"""Capacity: openings (beds, slots), "accepting new clients" and the waitlist.

Capacity is operational data, not a listing edit: provider staff of any organization publish it
at once (portal.catalog.change_requests), and it is logged in the listing history and the
audit log. This module holds the rule of what counts as "has room now".
"""

from __future__ import annotations

from collections.abc import Iterable

# The service fields that are capacity, published without review for every organization.
CAPACITY_FIELDS = frozenset({"accepting_new_clients", "waitlist_length", "capacity"})


def has_room(accepting: bool | None, available: Iterable[float]) -> bool:
    """Room now: an opening in any unit, or the provider says it takes new clients."""
    return accepting is True or any(count > 0 for count in available)


def room_now(accepting: bool | None, available: Iterable[float]) -> str:
    """ "yes" (has room), "no" (known to have none: not accepting, or every unit counted and
    full) or "unknown" (the provider gives neither)."""
    counts = list(available)
    if has_room(accepting, counts):
        return "yes"
    return "no" if accepting is False or counts else "unknown"
