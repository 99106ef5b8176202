"""The API's questions about the public catalog: parameters in, HSDS pages out.

Plain functions (no HTTP), so the rules about what a parameter means live in one place.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.catalog import places
from portal.catalog.queries import term_and_descendant_ids
from portal.extensions import db
from portal.hsds import records
from portal.models import (
    Address,
    Attribute,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from portal.search import SearchParams, geo, search_services

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# How many best matches a `search` considers; the other filters then narrow those.
SEARCH_LIMIT = 1000
METRES_PER_MILE = 1609.344


class BadParameter(ValueError):
    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


@dataclass
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


@dataclass
class Page:
    items: list
    total: int
    paging: Paging

    def as_hsds(self, contents: list[dict]) -> dict:
        pages = max(1, math.ceil(self.total / self.paging.per_page))
        return {
            "total_items": self.total,
            "total_pages": pages,
            "page_number": self.paging.page,
            "size": len(contents),
            "first_page": self.paging.page == 1,
            "last_page": self.paging.page >= pages,
            "empty": self.total == 0,
            "contents": contents,
        }


@dataclass
class ServiceFilters:
    search: str | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: dt.datetime | None = None


def _page(query: Select, paging: Paging, order) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(
        db.session.scalars(
            query.order_by(*order)
            .limit(paging.per_page)
            .offset((paging.page - 1) * paging.per_page)
        ).unique()
    )
    return Page(items=items, total=total or 0, paging=paging)


def _matching_ids(search: str) -> list[str]:
    found = search_services(SearchParams(q=search, page=1, per_page=SEARCH_LIMIT))
    return found.service_ids


def _service_ids_with_terms(term_ids: Select | list[str]) -> Select:
    return select(Attribute.link_id).where(
        Attribute.link_entity == "service", Attribute.taxonomy_term_id.in_(term_ids)
    )


def _filtered_services(filters: ServiceFilters) -> tuple[Select, list[str] | None]:
    query = records.public_services()
    if filters.taxonomy_term_id:
        term = db.session.get(TaxonomyTerm, filters.taxonomy_term_id)
        term_ids = term_and_descendant_ids(term) if term else [filters.taxonomy_term_id]
        query = query.where(Service.id.in_(_service_ids_with_terms(term_ids)))
    if filters.taxonomy_id:
        query = query.where(
            Service.id.in_(
                _service_ids_with_terms(
                    select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == filters.taxonomy_id)
                )
            )
        )
    if filters.organization_id:
        query = query.where(Service.organization_id == filters.organization_id)
    if filters.modified_after:
        query = query.where(Service.last_modified >= filters.modified_after)
    ranked = None
    if filters.search:
        ranked = _matching_ids(filters.search)
        query = query.where(Service.id.in_(ranked))
    return query, ranked


def _in_rank_order(query: Select, paging: Paging, ranked: list[str], key) -> Page:
    """Page through rows whose key is in `ranked`, in the search engine's order."""
    found = set(db.session.scalars(query.with_only_columns(key)))
    ordered = [i for i in ranked if i in found]
    start = (paging.page - 1) * paging.per_page
    wanted = ordered[start : start + paging.per_page]
    rows = {
        getattr(r, "service_id", r.id): r
        for r in db.session.scalars(query.where(key.in_(wanted))).unique()
    }
    return Page(items=[rows[i] for i in wanted if i in rows], total=len(ordered), paging=paging)


def services(filters: ServiceFilters, paging: Paging, options=()) -> Page:
    query, ranked = _filtered_services(filters)
    query = query.options(*options)
    if ranked is not None:
        return _in_rank_order(query, paging, ranked, Service.id)
    return _page(query, paging, (Service.name, Service.id))


def service(service_id: str, options=()) -> Service | None:
    return db.session.scalars(
        records.public_services().where(Service.id == service_id).options(*options)
    ).first()


def organizations(search: str | None, paging: Paging, options=()) -> Page:
    query = select(Organization).options(*options)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(Organization.name).like(pattern)
            | func.lower(Organization.description).like(pattern)
        )
    return _page(query, paging, (Organization.name, Organization.id))


def organization(organization_id: str, options=()) -> Organization | None:
    return db.session.scalars(
        select(Organization).where(Organization.id == organization_id).options(*options)
    ).first()


@dataclass
class Nearby:
    postcode: str | None = None
    proximity_metres: float | None = None


def _placements_near(query: Select, nearby: Nearby) -> Select:
    if nearby.proximity_metres is None:
        return query.where(
            ServiceAtLocation.location_id.in_(
                select(Address.location_id).where(Address.postal_code == nearby.postcode)
            )
        )
    centre = geo.zip_centre(nearby.postcode) if nearby.postcode else None
    if centre is None:
        raise BadParameter("postcode", "unknown postcode, so no distance can be measured")
    radius_miles = nearby.proximity_metres / METRES_PER_MILE
    dlat = radius_miles / 69.0
    dlng = radius_miles / max(1e-6, 69.172 * math.cos(math.radians(centre.latitude)))
    box = select(Location.id, Location.latitude, Location.longitude).where(
        Location.latitude.between(centre.latitude - dlat, centre.latitude + dlat),
        Location.longitude.between(centre.longitude - dlng, centre.longitude + dlng),
        Location.confidential.is_(False),
    )
    candidates = [(c.id, c.latitude, c.longitude) for c in db.session.execute(box)]
    # Confidential places are measured from their ZIP code's centre (portal.catalog.places):
    # their own coordinates would give them away to a few searches from around them.
    for place in db.session.scalars(
        select(Location).where(Location.confidential).options(selectinload(Location.addresses))
    ):
        point = places.distance_point(place)
        if point is not None:
            candidates.append((place.id, point[0], point[1]))
    within = [
        location_id
        for location_id, latitude, longitude in candidates
        if geo.miles_between(centre, geo.Point(latitude, longitude)) <= radius_miles
    ]
    return query.where(ServiceAtLocation.location_id.in_(within))


def service_at_locations(
    filters: ServiceFilters, nearby: Nearby, paging: Paging, options=()
) -> Page:
    services_query, ranked = _filtered_services(filters)
    query = (
        select(ServiceAtLocation)
        .where(ServiceAtLocation.service_id.in_(services_query.with_only_columns(Service.id)))
        .options(*options)
    )
    if nearby.postcode:
        query = _placements_near(query, nearby)
    if ranked is not None:
        rank = {service_id: n for n, service_id in enumerate(ranked)}
        placements = list(db.session.scalars(query))
        placements.sort(key=lambda p: (rank.get(p.service_id, len(rank)), p.id))
        start = (paging.page - 1) * paging.per_page
        return Page(
            items=placements[start : start + paging.per_page], total=len(placements), paging=paging
        )
    return _page(query, paging, (ServiceAtLocation.id,))


def service_at_location(placement_id: str, options=()) -> ServiceAtLocation | None:
    return db.session.scalars(
        records.public_service_at_locations()
        .where(ServiceAtLocation.id == placement_id)
        .options(*options)
    ).first()


def taxonomies(search: str | None, paging: Paging) -> Page:
    query = select(Taxonomy)
    if search:
        query = query.where(func.lower(Taxonomy.name).like(f"%{search.lower()}%"))
    return _page(query, paging, (Taxonomy.name, Taxonomy.id))


@dataclass
class TermFilters:
    search: str | None = None
    taxonomy_id: str | None = None
    top_only: bool = False
    parent_id: str | None = None


def taxonomy_terms(filters: TermFilters, paging: Paging) -> Page:
    query = select(TaxonomyTerm)
    if filters.search:
        pattern = f"%{filters.search.lower()}%"
        query = query.where(
            func.lower(TaxonomyTerm.name).like(pattern)
            | func.lower(TaxonomyTerm.code).like(pattern)
        )
    if filters.taxonomy_id:
        query = query.where(TaxonomyTerm.taxonomy_id == filters.taxonomy_id)
    if filters.top_only:
        query = query.where(TaxonomyTerm.parent_id.is_(None))
    if filters.parent_id:
        query = query.where(TaxonomyTerm.parent_id == filters.parent_id)
    return _page(query, paging, (TaxonomyTerm.name, TaxonomyTerm.id))


def taxonomy(taxonomy_id: str) -> Taxonomy | None:
    return db.session.get(Taxonomy, taxonomy_id)


def taxonomy_term(term_id: str) -> TaxonomyTerm | None:
    return db.session.get(TaxonomyTerm, term_id)
