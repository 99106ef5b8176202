"""Turn catalog records into what a directory page shows: plain data, no queries of its own
beyond what the records already loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from markupsafe import Markup

from portal import localtime
from portal.catalog import (
    capacity,
    cleaning,
    freshness,
    hours,
    listing_cards,
    map_points,
    phones,
    places,
    vocabulary,
)
from portal.directory.templating import nice_number
from portal.extensions import db
from portal.models import Location, Phone, Schedule, Service
from portal.models.catalog import ServiceStatus
from portal.translated import gettext as _


def local_now() -> dt.datetime:
    """Now, as a naive wall-clock time in the program's time zone (schedules use wall time)."""
    return localtime.wall_now()


@dataclass
class PhoneView:
    number: str
    display: str
    tel: str | None
    sms: str | None
    type: str | None
    description: str | None
    languages: list[str]

    @property
    def type_label(self) -> str:
        return str(phones.TYPE_LABELS.get(self.type or "", self.type or ""))


@dataclass
class HoursView:
    open_now: bool | None
    today: hours.DayHours | None
    week: list[hours.DayHours]
    notes: list[str]
    closed_until: dt.date | None = None  # a temporarily closed service's last closed day

    @property
    def known(self) -> bool:
        return bool(self.week) or bool(self.notes)


@dataclass
class LocationView:
    location: Location
    address: str | None
    directions_url: str | None
    phones: list[PhoneView]
    hours: HoursView
    accessibility: list[str]
    note: str | None = None


@dataclass(frozen=True)
class ListingCard:
    """What a list entry shows that does not change with the clock (catalog/listing_cards.py
    reads it for a page of services at once)."""

    id: str
    name: str
    status: str
    organization_name: str
    phone: PhoneView | None
    languages: list[str]
    payment: list[str]
    place: str | None
    last_verified: dt.date | None
    accepting_new_clients: bool | None
    capacity: list[str]
    openings: tuple[listing_cards.CapacityFacts, ...]
    capacity_updated: dt.datetime | None
    has_room: bool
    schedules: tuple[hours.ScheduleFacts, ...]
    approximate_distance: bool = False
    pins: tuple[map_points.MapPoint, ...] = ()


@dataclass
class ServiceListing:
    """A list entry at a moment: its card, whether it is open now, and for a search result
    the distance and the highlighted words."""

    card: ListingCard
    open_now: bool | None
    today_label: str | None
    stale: bool
    closed_until: dt.date | None = None  # a temporarily closed service's last closed day
    distance_miles: float | None = None
    name_html: Markup | None = None
    snippet_html: Markup | None = None


@dataclass
class ServicePage:
    service: Service
    status: str
    hours: HoursView
    phones: list[PhoneView]
    locations: list[LocationView]
    categories: list
    details: dict[str, list[str]]
    languages: list[str]
    stale: bool
    capacities: list = field(default_factory=list)


def phone_view(
    phone: Phone | listing_cards.PhoneFacts, *, with_languages: bool = True
) -> PhoneView:
    """A dialable phone; lists (with_languages=False) skip the phone's languages."""
    return PhoneView(
        number=phone.number,
        display=phones.display(phone.number)
        + (f" ext. {phone.extension}" if phone.extension else ""),
        tel=phones.tel_uri(phone.number, phone.extension),
        sms=phones.sms_uri(phone.number) if phone.type in ("text", "cell") else None,
        type=phone.type,
        description=phone.description,
        languages=[
            vocabulary.language_name(lang.code, lang.name) for lang in phone.languages if lang.name
        ]
        if with_languages and isinstance(phone, Phone)
        else [],
    )


def hours_view(
    schedules: list[Schedule], now: dt.datetime, status: str = ServiceStatus.active.value
) -> HoursView:
    """Hours at a moment; a place's hours (no service status) count as an active service's."""
    closed_until = (
        hours.closed_until(schedules, now.date())
        if status == ServiceStatus.temporarily_closed.value
        else None
    )
    if not schedules:
        return HoursView(open_now=None, today=None, week=[], notes=[])
    week = hours.week(schedules, now.date()) if hours.has_regular_hours(schedules) else []
    return HoursView(
        open_now=hours.service_open_at(status, schedules, now),
        closed_until=closed_until,
        today=week[now.weekday()] if week else None,
        week=week,
        notes=hours.notes(schedules),
    )


def _languages(service: Service) -> list[str]:
    return sorted(
        {vocabulary.language_name(lang.code, lang.name) for lang in service.languages if lang.name}
    )


def _details(service: Service) -> dict[str, list[str]]:
    """Detail term names by group code: payment, delivery, population."""
    grouped: dict[str, list[str]] = {}
    for attribute in service.attributes:
        term = attribute.taxonomy_term
        group = vocabulary.DETAIL_GROUP_OF_CODE.get(term.code or "")
        if group and attribute.link_type == vocabulary.DETAIL_LINK:
            grouped.setdefault(group, []).append(vocabulary.label(term.name))
    return {group: sorted(names) for group, names in grouped.items()}


def _categories(service: Service) -> list:
    return sorted(
        (a.taxonomy_term for a in service.attributes if a.link_type == vocabulary.CATEGORY_LINK),
        key=lambda t: t.name,
    )


def status_label(service: Service) -> str:
    return {
        ServiceStatus.active: _("Open"),
        ServiceStatus.temporarily_closed: _("Temporarily closed"),
        ServiceStatus.inactive: _("No longer offered"),
        ServiceStatus.defunct: _("No longer offered"),
    }[service.status_enum]


def directions_url(location: Location) -> str | None:
    if places.is_confidential(location):
        return None
    address = location.physical_address
    if address is not None:
        return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(address.one_line)
    if location.latitude is not None and location.longitude is not None:
        return (
            "https://www.google.com/maps/dir/?api=1&destination="
            f"{location.latitude:.6f},{location.longitude:.6f}"
        )
    return None


def location_view(
    location: Location,
    now: dt.datetime,
    *,
    schedules=None,
    phone_list=None,
    note: str | None = None,
) -> LocationView:
    return LocationView(
        location=location,
        address=places.public_address_line(location),
        directions_url=directions_url(location),
        phones=[phone_view(p) for p in (phone_list if phone_list is not None else location.phones)],
        hours=hours_view(list(schedules if schedules is not None else location.schedules), now),
        accessibility=[
            " — ".join(part for part in (a.description, a.details) if part)
            for a in location.accessibility
        ],
        note=note,
    )


def card(facts: listing_cards.CardFacts) -> ListingCard:
    place = None
    if facts.address is not None:
        place = ", ".join(part for part in facts.address if part)
    elif facts.has_locations:
        place = _("Online or by phone")
    return ListingCard(
        id=facts.id,
        name=cleaning.display_name(facts.name) or facts.name,
        status=facts.status,
        organization_name=facts.organization_name,
        phone=phone_view(facts.phone, with_languages=False) if facts.phone else None,
        languages=sorted({vocabulary.language_name(code, name) for code, name in facts.languages}),
        payment=[vocabulary.label(name) for name in facts.payment],
        place=place,
        last_verified=facts.last_verified,
        accepting_new_clients=facts.accepting_new_clients,
        capacity=[
            capacity_label(c.available, c.maximum, vocabulary.label(c.unit))
            for c in facts.capacities
        ],
        openings=facts.capacities,
        capacity_updated=facts.capacity_updated,
        has_room=capacity.has_room(
            facts.accepting_new_clients, (c.available for c in facts.capacities)
        ),
        schedules=facts.schedules,
        approximate_distance=facts.approximate_distance,
        pins=facts.pins,
    )


def listings(service_ids: list[str], hits: dict | None = None) -> list[ServiceListing]:
    """List entries for these public services, in this order (search results pass their
    hits by service id: distance and marked words)."""
    now = local_now()
    return [
        listing_at(card(facts), now, (hits or {}).get(facts.id))
        for facts in listing_cards.public_cards(db.session(), service_ids)
    ]


def listing_at(entry: ListingCard, now: dt.datetime, hit=None) -> ServiceListing:
    regular = hours.has_regular_hours(entry.schedules)
    closed = entry.status == ServiceStatus.temporarily_closed.value
    return ServiceListing(
        card=entry,
        open_now=hours.service_open_at(entry.status, entry.schedules, now),
        # A temporarily closed card says until when instead of today's usual hours.
        today_label=hours.day(entry.schedules, now.date()).label()
        if regular and not closed
        else None,
        closed_until=hours.closed_until(entry.schedules, now.date()) if closed else None,
        stale=freshness.is_stale(entry.last_verified, now.date()),
        distance_miles=hit.distance_miles if hit else None,
        name_html=hit.name_html if hit else None,
        snippet_html=hit.snippet_html if hit else None,
    )


def capacity_label(available: float, maximum: float | None, unit: str) -> str:
    if maximum:
        return _(
            "%(available)s of %(maximum)s %(unit)s open",
            available=nice_number(available),
            maximum=nice_number(maximum),
            unit=unit,
        )
    return _(
        "%(available)s %(unit)s open",
        available=nice_number(available),
        unit=unit,
    )


def listing_json(item: ServiceListing) -> dict:
    entry = item.card
    return {
        "id": entry.id,
        "name": entry.name,
        "organization": entry.organization_name,
        "status": entry.status,
        "open_now": item.open_now,
        "open_label": open_label(item.open_now, entry.status),
        "today": item.today_label,
        "closed_until": item.closed_until.isoformat() if item.closed_until else None,
        "phone": entry.phone.display if entry.phone else None,
        "phone_uri": entry.phone.tel if entry.phone else None,
        "place": entry.place,
        "distance_miles": round(item.distance_miles, 1)
        if item.distance_miles is not None
        else None,
        # Measured from a confidential place's ZIP code: say "about" (portal.catalog.places).
        "distance_approximate": entry.approximate_distance,
        # The card's snippet: plain text, and as HTML with the matched words in <mark>.
        "snippet": item.snippet_html.striptags() if item.snippet_html else None,
        "snippet_html": str(item.snippet_html) if item.snippet_html else None,
        "name_html": str(item.name_html) if item.name_html else None,
        "languages": entry.languages,
        "payment": entry.payment,
        "accepting_new_clients": entry.accepting_new_clients,
        "capacity": entry.capacity,
        "openings": [
            {"unit": c.unit, "available": c.available, "maximum": c.maximum} for c in entry.openings
        ],
        "has_room": entry.has_room,
        "capacity_updated": entry.capacity_updated.isoformat() if entry.capacity_updated else None,
        "last_verified": entry.last_verified.isoformat() if entry.last_verified else None,
        "possibly_out_of_date": item.stale,
        "url": f"/services/{entry.id}",
    }


def open_label(open_now: bool | None, status: str) -> str | None:
    """The badge a list shows: open now, closed now or temporarily closed."""
    if status == ServiceStatus.temporarily_closed.value:
        return _("Temporarily closed")
    if open_now is None:
        return None
    return _("Open now") if open_now else _("Closed now")


def service_page(service: Service) -> ServicePage:
    now = local_now()
    locations = [
        location_view(
            sal.location,
            now,
            schedules=sal.schedules or sal.location.schedules,
            phone_list=sal.phones or sal.location.phones,
            note=sal.description,
        )
        for sal in service.service_at_locations
    ]
    return ServicePage(
        service=service,
        status=status_label(service),
        hours=hours_view(hours.service_schedules(service), now, service.status),
        phones=[phone_view(p) for p in (service.phones or service.organization.phones)],
        locations=locations,
        categories=_categories(service),
        details=_details(service),
        languages=_languages(service),
        stale=freshness.is_stale(service.assured_date, now.date()),
        capacities=sorted(service.capacities, key=lambda c: c.unit.name),
    )


def location_page(location: Location) -> LocationView:
    return location_view(location, local_now())
