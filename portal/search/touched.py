"""Which services a catalog change touches: the one rule that the ORM hook (search/outbox.py)
and the HSDS import share, so that the index and result cards never miss a change.

A service's search document (documents.document) and its result card (what a list of services
shows) read its own row and these related rows; a change to any of them touches the service:

    service                  itself
    organization             its services (name; its phones are a card's last resort)
    phone                    its service, placement, location or organization
    schedule                 its service, placement or location
    language                 its service (a phone's or location's languages are not shown)
    attribute                the service it links (categories, payment, who it is for)
    taxonomy_term            services linked to it or to a term below it (names of ancestors
                             are indexed with a category)
    service_at_location      its service
    location, address        the services offered there (coordinates, the card's place)
    service_capacity, unit   the services counting capacity in it ("3 cots open")

Two ways in, one table of links (LINKS):

    services_touched(session, rows)            rows as (table name, column values): the ORM
                                               hook passes each changed object's new and old
                                               values (orm_rows turns objects into rows)
    services_touched_by_ids(session, written)  {table name: ids of rows written}: the HSDS
                                               import, after its bulk writes

A row moved from one service to another touches both when its old values are given (the ORM
hook gives them); services_touched_by_ids reads the rows as they are now, so only the new one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from portal.extensions import db

CHUNK = 500


class Scope(enum.Enum):
    """What an id in a linking column names, and so how it leads to services."""

    service = "service"
    placement = "service_at_location"
    location = "location"
    organization = "organization"
    term = "taxonomy_term"
    unit = "unit"


@dataclass(frozen=True)
class Link:
    column: str
    scope: Scope
    # Only rows whose column has this value link (an attribute links a service only when
    # its link_entity says "service").
    only_when: tuple[str, str] | None = None


LINKS: dict[str, tuple[Link, ...]] = {
    "service": (Link("id", Scope.service),),
    "organization": (Link("id", Scope.organization),),
    "phone": (
        Link("service_id", Scope.service),
        Link("service_at_location_id", Scope.placement),
        Link("location_id", Scope.location),
        Link("organization_id", Scope.organization),
    ),
    "schedule": (
        Link("service_id", Scope.service),
        Link("service_at_location_id", Scope.placement),
        Link("location_id", Scope.location),
    ),
    "language": (Link("service_id", Scope.service),),
    "attribute": (Link("link_id", Scope.service, only_when=("link_entity", "service")),),
    "taxonomy_term": (Link("id", Scope.term),),
    "service_at_location": (Link("service_id", Scope.service),),
    "location": (Link("id", Scope.location),),
    "address": (Link("location_id", Scope.location),),
    "service_capacity": (Link("service_id", Scope.service),),
    "unit": (Link("id", Scope.unit),),
}


def _columns(table: str) -> list[str]:
    links = LINKS.get(table, ())
    wanted = {link.column for link in links}
    wanted.update(link.only_when[0] for link in links if link.only_when)
    return sorted(wanted)


def _keys(table: str, values: Mapping[str, object]) -> Iterator[tuple[Scope, str]]:
    for link in LINKS.get(table, ()):
        if link.only_when and values.get(link.only_when[0]) != link.only_when[1]:
            continue
        value = values.get(link.column)
        if value:
            yield link.scope, str(value)


def services_touched(
    session: Session, rows: Iterable[tuple[str, Mapping[str, object]]]
) -> set[str]:
    """The services that rows of these tables, with these column values, touch."""
    wanted: dict[Scope, set[str]] = {}
    for table, values in rows:
        for scope, value in _keys(table, values):
            wanted.setdefault(scope, set()).add(value)
    return _resolve(session, wanted)


def services_touched_by_ids(session: Session, written: Mapping[str, Iterable[str]]) -> set[str]:
    """The services that these rows (by table name, as stored now) touch."""
    tables = db.metadata.tables

    def rows() -> Iterator[tuple[str, Mapping[str, object]]]:
        for table_name, ids in written.items():
            if table_name not in LINKS:
                continue
            table = tables[table_name]
            columns = [table.c[name] for name in _columns(table_name)]
            for chunk in _chunks(ids):
                for row in session.execute(select(*columns).where(table.c.id.in_(chunk))):
                    yield table_name, dict(row._mapping)

    return services_touched(session, rows())


def orm_rows(objects: Iterable[object]) -> Iterator[tuple[str, dict[str, object]]]:
    """ORM objects as rows for services_touched: their values now and, for changed columns,
    their values before (a phone moved to another service touches both)."""
    for obj in objects:
        table = getattr(obj, "__tablename__", None)
        if table not in LINKS:
            continue
        state = inspect(obj)
        assert state is not None  # every row here is a mapped object
        now = {name: getattr(obj, name) for name in _columns(table)}
        yield table, now
        before = dict(now)
        for name in now:
            history = state.attrs[name].history
            if history.deleted:
                before[name] = history.deleted[0]
        if before != now:
            yield table, before


def _resolve(session: Session, wanted: dict[Scope, set[str]]) -> set[str]:
    tables = db.metadata.tables
    service, placement = tables["service"], tables["service_at_location"]
    found = set(wanted.get(Scope.service, ()))
    lookups = [
        (Scope.placement, placement.c.service_id, placement.c.id),
        (Scope.location, placement.c.service_id, placement.c.location_id),
        (Scope.organization, service.c.id, service.c.organization_id),
        (Scope.unit, tables["service_capacity"].c.service_id, tables["service_capacity"].c.unit_id),
    ]
    with session.no_autoflush:
        for scope, target, key in lookups:
            for chunk in _chunks(wanted.get(scope, ())):
                found.update(session.scalars(select(target).where(key.in_(chunk))))
        if wanted.get(Scope.term):
            attribute = tables["attribute"]
            for chunk in _chunks(_with_descendants(session, wanted[Scope.term])):
                found.update(
                    session.scalars(
                        select(attribute.c.link_id).where(
                            attribute.c.link_entity == "service",
                            attribute.c.taxonomy_term_id.in_(chunk),
                        )
                    )
                )
    found.discard(None)
    return found


def _with_descendants(session: Session, term_ids: set[str]) -> set[str]:
    term = db.metadata.tables["taxonomy_term"]
    children: dict[str, list[str]] = {}
    for term_id, parent_id in session.execute(select(term.c.id, term.c.parent_id)):
        if parent_id:
            children.setdefault(parent_id, []).append(term_id)
    found, frontier = set(term_ids), list(term_ids)
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
