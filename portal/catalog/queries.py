"""Reads of the public catalog that the directory pages (and later the API) share."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.catalog import service_records, vocabulary
from portal.extensions import db
from portal.models import (
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    Unit,
)
from portal.models.catalog import PUBLIC_STATUSES, ServiceStatus

# Temporarily closed services are listed after the open ones.
_OPEN_FIRST = (Service.status == ServiceStatus.temporarily_closed.value, Service.name)


def top_categories() -> list[TaxonomyTerm]:
    return list(
        db.session.scalars(
            select(TaxonomyTerm)
            .where(
                TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID,
                TaxonomyTerm.parent_id.is_(None),
            )
            .options(selectinload(TaxonomyTerm.children))
            .order_by(TaxonomyTerm.name)
        )
    )


def category(term_id: str) -> TaxonomyTerm | None:
    term = db.session.get(TaxonomyTerm, term_id)
    if term is None or term.taxonomy_id != vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID:
        return None
    return term


def category_ids_with_codes(codes: Iterable[str]) -> list[str]:
    """The ids of the category terms with these codes (the index files services by id)."""
    codes = list(codes)
    if not codes:
        return []
    return list(
        db.session.scalars(
            select(TaxonomyTerm.id).where(
                TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID,
                TaxonomyTerm.code.in_(codes),
            )
        )
    )


def term_and_descendant_ids(term: TaxonomyTerm) -> list[str]:
    ids, frontier = [term.id], [term.id]
    while frontier:
        frontier = list(
            db.session.scalars(select(TaxonomyTerm.id).where(TaxonomyTerm.parent_id.in_(frontier)))
        )
        frontier = [i for i in frontier if i not in ids]
        ids.extend(frontier)
    return ids


def services_in_category(term: TaxonomyTerm, page: int, per_page: int):
    """Public services filed under the term or any of its sub-terms, open ones first."""
    in_term = select(Attribute.link_id).where(
        Attribute.link_entity == "service",
        Attribute.taxonomy_term_id.in_(term_and_descendant_ids(term)),
    )
    query = (
        select(Service)
        .where(Service.id.in_(in_term), Service.status.in_(PUBLIC_STATUSES))
        .order_by(*_OPEN_FIRST)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def service_detail(service_id: str) -> Service | None:
    """Any service by id, with everything its page shows (closed ones say so on the page)."""
    return next(iter(_with_records(select(Service).where(Service.id == service_id))), None)


def organization_detail(organization_id: str) -> Organization | None:
    return db.session.scalars(
        select(Organization)
        .where(Organization.id == organization_id)
        .options(
            selectinload(Organization.phones).selectinload(Phone.languages),
            selectinload(Organization.locations).selectinload(Location.addresses),
        )
    ).first()


def public_services_of(organization: Organization) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.organization_id == organization.id, Service.status.in_(PUBLIC_STATUSES))
            .order_by(*_OPEN_FIRST)
        )
    )


def location_detail(location_id: str) -> Location | None:
    return db.session.scalars(
        select(Location)
        .where(Location.id == location_id)
        .options(
            selectinload(Location.addresses),
            selectinload(Location.phones).selectinload(Phone.languages),
            selectinload(Location.schedules),
            selectinload(Location.accessibility),
            selectinload(Location.languages),
            selectinload(Location.organization),
        )
    ).first()


def public_services_at(location: Location) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .join(ServiceAtLocation)
            .where(
                ServiceAtLocation.location_id == location.id, Service.status.in_(PUBLIC_STATUSES)
            )
            .order_by(*_OPEN_FIRST)
        )
    )


def is_public_service(service_id: str) -> bool:
    """Whether a service with this id is listed publicly (its records are not read)."""
    return (
        db.session.scalar(
            select(Service.id).where(Service.id == service_id, Service.status.in_(PUBLIC_STATUSES))
        )
        is not None
    )


def services_by_ids(service_ids: list[str]) -> list[Service]:
    """Public services in the order given, with what their pages show."""
    if not service_ids:
        return []
    found = {
        s.id: s
        for s in _with_records(
            select(Service).where(Service.id.in_(service_ids), Service.status.in_(PUBLIC_STATUSES))
        )
    }
    return [found[i] for i in service_ids if i in found]


def _with_records(query) -> list[Service]:
    """The services the query finds, their organizations and the records their pages show
    (portal.catalog.service_records)."""
    services = list(db.session.scalars(query.options(joinedload(Service.organization))))
    service_records.load(db.session(), services)
    return services


@dataclass(frozen=True)
class Choice:
    """A filter value and its label (category terms also name their parent)."""

    id: str
    name: str
    parent_id: str | None = None


CHOICES_SECONDS = 60.0
_choices: dict[tuple[str, str], tuple[float, list[Choice]]] = {}


def _cached_choices(kind: str, wanted: Iterable[str], load) -> list[Choice]:
    """Every search page needs the filter choices; they change rarely, so each process reads
    them at most once a minute per database, or at once when a wanted value is new."""
    key = (kind, str(db.engine.url))
    cached = _choices.get(key)
    if (
        cached is not None
        and time.monotonic() - cached[0] < CHOICES_SECONDS
        and set(wanted) <= {choice.id for choice in cached[1]}
    ):
        return cached[1]
    choices = load()
    _choices[key] = (time.monotonic(), choices)
    return choices


def category_terms(wanted: Iterable[str] = ()) -> list[Choice]:
    """Every category term, top-level ones first, for filters and their labels."""
    return _cached_choices(
        "category",
        wanted,
        lambda: [
            Choice(row.id, row.name, row.parent_id)
            for row in db.session.execute(
                select(TaxonomyTerm.id, TaxonomyTerm.name, TaxonomyTerm.parent_id)
                .where(TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID)
                .order_by(TaxonomyTerm.parent_id.is_not(None), TaxonomyTerm.name)
            )
        ],
    )


def service_languages(wanted: Iterable[str] = ()) -> list[Choice]:
    """The languages services are offered in (ISO code and name), by name."""

    def load() -> list[Choice]:
        rows = db.session.execute(
            select(Language.code, func.min(Language.name))
            .where(Language.code.is_not(None), Language.service_id.is_not(None))
            .group_by(Language.code)
        ).all()
        names: dict[str, str] = {}
        for code, name in rows:
            names.setdefault(code.lower(), name or code)
        return [Choice(code, name) for code, name in sorted(names.items(), key=lambda i: i[1])]

    return _cached_choices("language", wanted, load)


def units() -> list[Unit]:
    """The units capacity is counted in (beds, appointment slots …), by name."""
    return list(db.session.scalars(select(Unit).order_by(Unit.name)))
