"""One index document per public service, built from the database."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.catalog import capacity, hours, places, vocabulary
from portal.catalog.hours import MINUTES_PER_WEEK
from portal.models import Location, Service, ServiceAtLocation, TaxonomyTerm
from portal.models.catalog import PUBLIC_STATUSES, ServiceStatus
from portal.search import geo
from portal.search.schema import NO_AGE_LIMIT, OPEN_BLOCK_HOURS, SPELLING_ANALYZER, SPELLING_FIELD

HOURS_PER_WEEK = MINUTES_PER_WEEK // 60
_LOAD = (
    selectinload(Service.organization),
    selectinload(Service.attributes),
    selectinload(Service.languages),
    selectinload(Service.schedules),
    selectinload(Service.capacities),
    selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),
    selectinload(Service.service_at_locations)
    .selectinload(ServiceAtLocation.location)
    .selectinload(Location.schedules),
)


@dataclass(frozen=True)
class Terms:
    """Category terms by id, to add ancestors and their names to each service."""

    parents: dict[str, str | None]
    names: dict[str, str]

    @classmethod
    def load(cls, session: Session) -> Terms:
        rows = session.execute(
            select(TaxonomyTerm.id, TaxonomyTerm.parent_id, TaxonomyTerm.name)
        ).all()
        return cls({r.id: r.parent_id for r in rows}, {r.id: r.name for r in rows})

    def lineage(self, term_id: str) -> list[str]:
        found: list[str] = []
        current: str | None = term_id
        while current and current not in found:
            found.append(current)
            current = self.parents.get(current)
        return found


def public_services(
    session: Session, ids: list[str] | None = None, after: str = "", limit: int | None = None
) -> list[Service]:
    query = select(Service).where(Service.status.in_(PUBLIC_STATUSES)).options(*_LOAD)
    if ids is not None:
        query = query.where(Service.id.in_(ids))
    query = query.where(Service.id > after).order_by(Service.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def open_tokens_at(minute_of_week: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The open-hours terms of services certainly open at a minute of the week (0 = Monday
    0:00), and of those that may be (open part of that hour: checked exactly)."""
    hour = minute_of_week // 60
    certain = ("always", f"b{hour // OPEN_BLOCK_HOURS}", f"f{hour}")
    return certain, (*certain, f"p{hour}")


def open_hours_tokens(service: Service) -> list[str]:
    """When in the week the service is open: "always"; b<block> for a block of hours open
    throughout; otherwise, within a block, f<hour> for an hour open throughout and p<hour>
    for part of one (hours of the week from Monday 0:00).

    Schedules that are not the same every week (monthly, dated) mark their hours as partial,
    so the search checks them exactly against the schedules.
    """
    schedules = hours.service_schedules(service)
    if any(hours.is_closure(s) for s in schedules):
        # Closed dates: every open hour is checked exactly against the schedules.
        return sorted(f"p{hour}" for hour in _minutes_covered(hours.weekly_intervals(schedules)))
    regular = [s for s in schedules if hours.is_regular(s)]
    irregular = [s for s in schedules if not hours.is_regular(s)]
    covered = _minutes_covered(hours.weekly_intervals(regular))
    full = {hour for hour, minutes in covered.items() if minutes == 60}
    if len(full) == HOURS_PER_WEEK:
        return ["always"]
    tokens: set[str] = set()
    # Only the blocks with an open hour: a full rebuild asks this of every service.
    for block in {hour // OPEN_BLOCK_HOURS for hour in covered}:
        block_hours = range(block * OPEN_BLOCK_HOURS, (block + 1) * OPEN_BLOCK_HOURS)
        if full.issuperset(block_hours):
            tokens.add(f"b{block}")
            continue
        tokens.update(
            f"{'f' if hour in full else 'p'}{hour}" for hour in block_hours if hour in covered
        )
    for hour in _minutes_covered(hours.weekly_intervals(irregular)):
        if f"f{hour}" not in tokens and f"b{hour // OPEN_BLOCK_HOURS}" not in tokens:
            tokens.add(f"p{hour}")
    return sorted(tokens)


def hours_columns(service: Service) -> dict[str, bytes]:
    """What the open-at filter checks exactly, without the database: "start-end;…" minutes
    from Monday 0:00 when every schedule is the same each week, or else the schedules."""
    schedules = hours.service_schedules(service)
    timed = [s for s in schedules if hours.interval_of(s) is not None]
    if not timed:
        return {"weekly_minutes": b"", "schedules": b""}
    closures = [s for s in schedules if hours.is_closure(s)]
    if all(hours.is_regular(s) for s in timed) and not closures:
        intervals = hours.merge(hours.weekly_intervals(timed))
        return {
            "weekly_minutes": ";".join(f"{i.start}-{i.end}" for i in intervals).encode(),
            "schedules": b"",
        }
    facts = [hours.ScheduleFacts.of(s).as_strings() for s in (*timed, *closures)]
    return {"weekly_minutes": b"", "schedules": json.dumps(facts).encode()}


def _minutes_covered(intervals) -> dict[int, int]:
    """Open minutes in each hour of the week (intervals wrap from Sunday into Monday)."""
    pieces = []
    for interval in intervals:
        start, end = interval.start, min(interval.end, interval.start + MINUTES_PER_WEEK)
        if end > MINUTES_PER_WEEK:
            pieces += [(start, MINUTES_PER_WEEK), (0, end - MINUTES_PER_WEEK)]
        else:
            pieces.append((start, end))
    covered: dict[int, int] = {}
    for start, end in hours.merge(hours.Interval(s, e) for s, e in pieces):
        for hour in range(start // 60, (end - 1) // 60 + 1):
            overlap = min(end, (hour + 1) * 60) - max(start, hour * 60)
            covered[hour] = covered.get(hour, 0) + overlap
    return covered


def _age(value: int | None, default: int) -> int:
    return default if value is None else max(0, min(value, NO_AGE_LIMIT))


def document(service: Service, terms: Terms) -> dict:
    category_ids: set[str] = set()
    category_names: list[str] = []
    details: list[str] = []
    detail_names: list[str] = []
    for attribute in service.attributes:
        term = attribute.taxonomy_term
        if attribute.link_type == vocabulary.CATEGORY_LINK:
            for term_id in terms.lineage(term.id):
                category_ids.add(term_id)
                category_names.append(terms.names.get(term_id, ""))
        elif attribute.link_type == vocabulary.DETAIL_LINK and term.code:
            details.append(term.code)
            detail_names.append(term.name)
    languages = [lang for lang in service.languages if lang.code or lang.name]
    # A confidential place is found from the centre of its ZIP code (portal.catalog.places).
    points = [
        geo.Point(point[0], point[1])
        for sal in service.service_at_locations
        if (point := places.distance_point(sal.location)) is not None
    ]
    text = {
        "name": " ".join(filter(None, (service.name, service.alternate_name))),
        "categories": " ".join(dict.fromkeys(category_names)),
        "facts": " ".join([lang.name or "" for lang in languages] + detail_names),
        "organization": service.organization.name,
        "description": service.description or "",
        "eligibility": service.eligibility_description or "",
    }
    accepting = {True: "yes", False: "no", None: "unknown"}[service.accepting_new_clients]
    language_codes = sorted(
        {
            (lang.code or lang.name or "").lower().replace(" ", "-")
            for lang in languages
            if lang.code or lang.name
        }
    )
    return {
        "id": service.id,
        **text,
        "words": " ".join(text.values()),
        "category": ",".join(sorted(category_ids)),
        "language": ",".join(language_codes),
        "detail": ",".join(sorted(details)),
        "accepting": accepting,
        "room": capacity.room_now(
            service.accepting_new_clients, [c.available for c in service.capacities]
        ),
        "open_times": ",".join(open_hours_tokens(service)),
        "geo": ",".join(sorted({cell for p in points for cell in geo.cells_of(p)})) or geo.NOWHERE,
        "min_age": _age(service.minimum_age, 0),
        "max_age": _age(service.maximum_age, NO_AGE_LIMIT),
        "temporarily_closed": "yes"
        if service.status == ServiceStatus.temporarily_closed.value
        else "no",
        "name_key": service.name.lower(),
        "coords": ";".join(f"{p.latitude:.6f},{p.longitude:.6f}" for p in points).encode(),
        **hours_columns(service),
        "location_count": len(service.service_at_locations),
    }


class SpellingWords:
    """Keeps each spelling word to its first document during a full build. The corrector
    reads only which words the field has, and a word repeated across every document would
    cost a posting in each (much of the build). Updates index a document's words
    in full, so the words of changed services stay known."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def first_seen(self, doc: dict) -> dict:
        words = dict.fromkeys(token.text for token in SPELLING_ANALYZER(doc[SPELLING_FIELD]))
        new = [word for word in words if word not in self._seen]
        self._seen.update(new)
        return {**doc, SPELLING_FIELD: " ".join(new)}
