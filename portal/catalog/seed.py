"""Load the two taxonomies and the fictional sample catalog (sample_catalog.json).

These functions only add rows to the session; the caller commits once (the `flask seed`
command does), so a failure part-way leaves the database unchanged.

Rows go in with bulk `insert()` statements in foreign-key order rather than as ORM objects:
the same path serves the 100,000-service synthetic catalog (portal.catalog.synthetic).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portal.catalog import vocabulary
from portal.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from portal.models.catalog import new_id

SAMPLE_CATALOG_PATH = Path(__file__).with_name("sample_catalog.json")

# Fixed forever: detail-term and attribute ids are derived from them, so URLs stay stable.
DETAIL_TERM_NAMESPACE = uuid.UUID("0b6f4a52-3c1e-4d8a-9f0e-5a7d2c9b8e11")
ATTRIBUTE_NAMESPACE = uuid.UUID("7d2e9c14-8a3b-4f61-b5c0-1e9f6a2d4c37")

DETAILS_TAXONOMY = {
    "id": vocabulary.SERVICE_DETAILS_TAXONOMY_ID,
    "name": "Service details",
    "description": (
        "Facts people filter on: payment accepted, how to get the service, and who it is for."
    ),
    "version": "2026.11",
}
DETAIL_GROUP_DESCRIPTIONS = {
    "payment": "Ways to pay that the service accepts.",
    "delivery": "How you can get the service.",
    "population": "Who the service is made for.",
}

# Parents before the rows that point at them.
INSERT_ORDER: tuple[type[Any], ...] = (
    Taxonomy,
    TaxonomyTerm,
    Unit,
    Organization,
    Location,
    Address,
    Service,
    ServiceAtLocation,
    Contact,
    Phone,
    Language,
    Schedule,
    Accessibility,
    CostOption,
    RequiredDocument,
    ServiceArea,
    ServiceCapacity,
    Attribute,
)


class RowBatch:
    """Rows collected per model, inserted in foreign-key order with one statement per model."""

    def __init__(self) -> None:
        self.rows: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type[Any], **values: Any) -> str:
        """Queue a row; returns its id (made here when not given, as the column would)."""
        values.setdefault("id", new_id())
        self.rows[model].append(values)
        return values["id"]

    def insert_into(self, session: Session) -> Counter:
        counts: Counter = Counter()
        for model in INSERT_ORDER:
            rows = self.rows.get(model, [])
            # A Core executemany needs the same keys in every row; columns left out of a group
            # still get their defaults. (Core is much faster here than ORM bulk inserts.)
            for group in _group_by_keys(rows):
                session.execute(insert(model.__table__), group)
            if rows:
                counts[model.__tablename__] += len(rows)
        return counts


def _group_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[frozenset, list] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return list(groups.values())


def detail_term_id(code: str) -> str:
    return str(uuid.uuid5(DETAIL_TERM_NAMESPACE, code))


def attribute_id(service_id: str, term_code: str) -> str:
    return str(uuid.uuid5(ATTRIBUTE_NAMESPACE, f"{service_id}/{term_code}"))


def read_sample_catalog(path: Path = SAMPLE_CATALOG_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def catalog_is_empty(session: Session) -> bool:
    has_org = session.scalar(select(Organization.id).limit(1)) is not None
    has_service = session.scalar(select(Service.id).limit(1)) is not None
    return not (has_org or has_service)


def count_services(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Service)) or 0


# ---- taxonomies and units ----------------------------------------------------------------


def ensure_vocabulary(session: Session, catalog: dict | None = None) -> int:
    """Create both taxonomies and any missing terms; returns how many terms were added.

    Existing rows are left as they are: an administrator may have renamed a term.
    """
    catalog = catalog or read_sample_catalog()
    categories = catalog["taxonomy"]
    batch = RowBatch()
    for taxonomy in (categories, DETAILS_TAXONOMY):
        if session.get(Taxonomy, taxonomy["id"]) is None:
            batch.add(
                Taxonomy,
                id=taxonomy["id"],
                name=taxonomy["name"],
                description=taxonomy["description"],
                version=taxonomy.get("version"),
            )
    batch.insert_into(session)

    existing = set(session.scalars(select(TaxonomyTerm.id)))
    parents, children = _category_term_rows(categories)
    detail_parents, detail_children = _detail_term_rows()
    added = 0
    # Parents in a statement of their own, so children never reference a row not yet there.
    for rows in (parents + detail_parents, children + detail_children):
        missing = [row for row in rows if row["id"] not in existing]
        if missing:
            session.execute(insert(TaxonomyTerm), missing)
            added += len(missing)
    return added


def _term_row(term: dict, taxonomy_id: str, parent_id: str | None) -> dict:
    return {
        "id": term["id"],
        "code": term["code"],
        "name": term["name"],
        "description": term.get("description", ""),
        "parent_id": parent_id,
        "taxonomy_id": taxonomy_id,
        "language": "en",
    }


def _category_term_rows(taxonomy: dict) -> tuple[list[dict], list[dict]]:
    parents, children = [], []
    for term in taxonomy["terms"]:
        parents.append(_term_row(term, taxonomy["id"], None))
        children += [
            _term_row(child, taxonomy["id"], term["id"]) for child in term.get("children", [])
        ]
    return parents, children


def _detail_term_rows() -> tuple[list[dict], list[dict]]:
    taxonomy_id = vocabulary.SERVICE_DETAILS_TAXONOMY_ID
    parents, children = [], []
    for group_code, group_name, terms in vocabulary.DETAIL_GROUPS:
        group = {
            "id": detail_term_id(group_code),
            "code": group_code,
            "name": group_name,
            "description": DETAIL_GROUP_DESCRIPTIONS.get(group_code, group_name + "."),
        }
        parents.append(_term_row(group, taxonomy_id, None))
        for code, name in terms:
            term = {
                "id": detail_term_id(code),
                "code": code,
                "name": name,
                "description": f"{group_name}: {name}.",
            }
            children.append(_term_row(term, taxonomy_id, group["id"]))
    return parents, children


def ensure_units(session: Session, catalog: dict | None = None) -> dict[str, str]:
    """Capacity units (beds, appointment slots, group seats); returns unit key -> id."""
    catalog = catalog or read_sample_catalog()
    ids = {}
    for unit in catalog["units"]:
        if session.get(Unit, unit["id"]) is None:
            session.execute(
                insert(Unit),
                [
                    {
                        "id": unit["id"],
                        "name": unit["name"],
                        "scheme": unit.get("scheme"),
                        "identifier": unit["key"],
                    }
                ],
            )
        ids[unit["key"]] = unit["id"]
    return ids


def term_ids_by_code(session: Session) -> dict[str, str]:
    """Codes of both portal taxonomies -> term id (the codes do not overlap)."""
    rows = session.execute(
        select(TaxonomyTerm.code, TaxonomyTerm.id).where(
            TaxonomyTerm.taxonomy_id.in_(
                [vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID, vocabulary.SERVICE_DETAILS_TAXONOMY_ID]
            )
        )
    )
    return {code: term_id for code, term_id in rows if code}


# ---- the sample catalog ------------------------------------------------------------------


def load_sample_catalog(session: Session, path: Path = SAMPLE_CATALOG_PATH) -> dict[str, int]:
    """Add every record of the sample catalog; returns row counts per table."""
    catalog = read_sample_catalog(path)
    counts = Counter(taxonomy_term=ensure_vocabulary(session, catalog))
    loader = _SampleLoader(ensure_units(session, catalog), term_ids_by_code(session))
    for organization in catalog["organizations"]:
        loader.organization(organization)
    counts.update(loader.batch.insert_into(session))
    return dict(counts)


class _SampleLoader:
    """Turns the nested JSON into rows; each method handles one kind of record."""

    def __init__(self, unit_ids: dict[str, str], term_ids: dict[str, str]) -> None:
        self.batch = RowBatch()
        self.unit_ids = unit_ids
        self.term_ids = term_ids

    def organization(self, org: dict) -> None:
        org_id = self.batch.add(
            Organization,
            **_pick(
                org,
                "id",
                "name",
                "alternate_name",
                "email",
                "website",
                "year_incorporated",
                "legal_status",
            ),
            description=org.get("description", ""),
        )
        self.phones(org.get("phones", ()), organization_id=org_id)
        for location in org.get("locations", ()):
            self.location(location, org_id)
        for service in org.get("services", ()):
            self.service(service, org_id)

    def location(self, loc: dict, org_id: str) -> None:
        loc_id = self.batch.add(
            Location,
            organization_id=org_id,
            **_pick(
                loc,
                "id",
                "name",
                "location_type",
                "url",
                "description",
                "transportation",
                "latitude",
                "longitude",
            ),
        )
        if loc.get("address"):
            self.batch.add(Address, location_id=loc_id, **loc["address"])
        self.phones(loc.get("phones", ()), location_id=loc_id)
        self.schedules(loc.get("schedules", ()), location_id=loc_id)
        self.languages(loc.get("languages", ()), location_id=loc_id)
        for item in loc.get("accessibility", ()):
            self.batch.add(Accessibility, location_id=loc_id, **item)

    def service(self, svc: dict, org_id: str) -> None:
        service_id = self.batch.add(
            Service,
            organization_id=org_id,
            **_pick(
                svc,
                "id",
                "name",
                "alternate_name",
                "description",
                "url",
                "email",
                "status",
                "alert",
                "eligibility_description",
                "minimum_age",
                "maximum_age",
                "application_process",
                "fees_description",
                "interpretation_services",
                "accreditations",
                "accepting_new_clients",
                "waitlist_length",
            ),
            assured_date=_date(svc.get("assured_date")),
        )
        self.phones(svc.get("phones", ()), service_id=service_id)
        self.schedules(svc.get("schedules", ()), service_id=service_id)
        self.languages(svc.get("languages", ()), service_id=service_id)
        self.attributes(service_id, svc.get("categories", ()), vocabulary.CATEGORY_LINK)
        self.attributes(service_id, svc.get("details", ()), vocabulary.DETAIL_LINK)
        for cost in svc.get("cost_options", ()):
            self.batch.add(
                CostOption, service_id=service_id, **_dates(cost, "valid_from", "valid_to")
            )
        for model, key in (
            (RequiredDocument, "required_documents"),
            (ServiceArea, "service_areas"),
            (Contact, "contacts"),
        ):
            for item in svc.get(key, ()):
                self.batch.add(model, service_id=service_id, **item)
        for capacity in svc.get("capacities", ()):
            self.capacity(capacity, service_id)
        for at in svc.get("locations", ()):
            self.service_at_location(at, service_id)

    def service_at_location(self, at: dict, service_id: str) -> None:
        sal_id = self.batch.add(
            ServiceAtLocation,
            service_id=service_id,
            **_pick(at, "id", "location_id", "description"),
        )
        self.phones(at.get("phones", ()), service_at_location_id=sal_id)
        self.schedules(at.get("schedules", ()), service_at_location_id=sal_id)

    def phones(self, phones: Iterable[dict], **owner: str) -> None:
        for phone in phones:
            phone_id = self.batch.add(
                Phone, **owner, **_pick(phone, "id", "number", "extension", "type", "description")
            )
            self.languages(phone.get("languages", ()), phone_id=phone_id)

    def schedules(self, schedules: Iterable[dict], **owner: str) -> None:
        for schedule in schedules:
            row = _dates(schedule, "valid_from", "valid_to", "dtstart", "until")
            for key in ("opens_at", "closes_at"):
                if row.get(key):
                    row[key] = dt.time.fromisoformat(row[key])
            self.batch.add(Schedule, **owner, **row)

    def languages(self, languages: Iterable[dict], **owner: str) -> None:
        for language in languages:
            self.batch.add(Language, **owner, **language)

    def capacity(self, capacity: dict, service_id: str) -> None:
        unit_id = self.unit_ids[capacity["unit"]]
        self.batch.add(
            ServiceCapacity,
            service_id=service_id,
            unit_id=unit_id,
            updated=_aware_datetime(capacity["updated"]),
            **_pick(capacity, "id", "available", "maximum", "description"),
        )

    def attributes(self, service_id: str, codes: Iterable[str], link_type: str) -> None:
        for code in codes:
            if code not in self.term_ids:
                raise ValueError(f"service {service_id} uses unknown taxonomy term code {code!r}")
            self.batch.add(
                Attribute,
                id=attribute_id(service_id, code),
                link_id=service_id,
                link_entity="service",
                link_type=link_type,
                taxonomy_term_id=self.term_ids[code],
            )


def _pick(record: dict, *keys: str) -> dict:
    return {key: record[key] for key in keys if key in record}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _dates(record: dict, *keys: str) -> dict:
    row = dict(record)
    for key in keys:
        if row.get(key):
            row[key] = _date(row[key])
    return row


def _aware_datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone; write it in UTC with a Z")
    return moment.astimezone(dt.UTC)
