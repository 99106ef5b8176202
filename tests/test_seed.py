"""The sample catalog, the seed command and the synthetic catalog generator."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.catalog import hours, vocabulary
from portal.catalog.seed import (
    SAMPLE_CATALOG_PATH,
    catalog_is_empty,
    ensure_vocabulary,
    load_sample_catalog,
)
from portal.catalog.synthetic import generate_catalog
from portal.models import (
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from portal.models.catalog import PUBLIC_STATUSES
from tests.database import built_once

FICTIONAL_PHONE = re.compile(r"^(703|571)-555-01\d\d$")
REAL_NUMBERS_ALLOWED = {"988", "911"}
STIGMATIZING = ["addict", "abuser", "junkie", "the mentally ill", "alcoholic"]

# Category codes residents and clinicians filter on, and how many public services each needs.
REQUIRED_COVERAGE = {
    "crisis-lines": 3,
    "mobile-crisis": 2,
    "crisis-stabilization": 3,
    "emergency-psychiatric": 3,
    "detox": 2,
    "buprenorphine": 3,
    "methadone": 2,
    "naltrexone": 2,
    "intensive-outpatient": 3,
    "outpatient-substance-use": 3,
    "counseling": 5,
    "psychiatry": 3,
    "peer-recovery": 3,
    "recovery-housing": 2,
    "youth-crisis": 3,
    "youth-counseling": 3,
    "veteran-counseling": 2,
    "veteran-peer-support": 1,
    "veteran-benefits": 1,
    "emergency-shelter": 3,
    "hypothermia-shelter": 2,
    "food-pantries": 3,
    "free-meals": 2,
    "legal-housing": 2,
    "legal-immigration": 1,
    "medicaid-snap": 3,
    "naloxone": 2,
    "syringe-services": 1,
    "eating-disorders": 2,
    "domestic-violence": 3,
    "lgbtq-support": 2,
    "older-adults": 3,
    "deaf-asl": 2,
}


@built_once
def seeded(db):
    counts = load_sample_catalog(db.session)
    db.session.commit()
    return counts


def scalar_count(db, statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def public_services(db) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.status.in_(PUBLIC_STATUSES))
            .options(
                selectinload(Service.phones),
                selectinload(Service.schedules),
                selectinload(Service.attributes),
                selectinload(Service.organization).selectinload(Organization.phones),
                selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.phones),
                selectinload(Service.service_at_locations).selectinload(
                    ServiceAtLocation.schedules
                ),
                selectinload(Service.service_at_locations)
                .selectinload(ServiceAtLocation.location)
                .selectinload(Location.phones),
            )
        )
    )


def services_with_term(db, code: str) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .join(
                Attribute, (Attribute.link_id == Service.id) & (Attribute.link_entity == "service")
            )
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(TaxonomyTerm.code == code, Service.status.in_(PUBLIC_STATUSES))
        )
    )


def service_named(db, name: str) -> Service:
    return db.session.scalars(select(Service).where(Service.name == name)).one()


def all_schedules_of(service: Service) -> list[Schedule]:
    return list(service.schedules) + [
        schedule for at in service.service_at_locations for schedule in at.schedules
    ]


# ---- size and shape -------------------------------------------------------------------------


def test_sample_catalog_size(seeded, db):
    assert 100 <= scalar_count(db, select(Service.id)) <= 150
    assert scalar_count(db, select(Organization.id)) >= 45
    assert seeded["service"] == scalar_count(db, select(Service.id))


def test_categories_taxonomy_has_exactly_two_levels(seeded, db):
    terms = list(
        db.session.scalars(
            select(TaxonomyTerm).where(
                TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
            )
        )
    )
    assert 40 <= len(terms) <= 80
    by_id = {term.id: term for term in terms}
    tops = [term for term in terms if term.parent_id is None]
    assert 10 <= len(tops) <= 20
    for term in terms:
        assert term.code and term.name and term.description
        if term.parent_id is not None:
            assert by_id[term.parent_id].parent_id is None, f"{term.code} is three levels deep"
    for top in tops:
        assert top.children, f"top-level category {top.code} has no children"
    assert len({term.code for term in terms}) == len(terms)


def test_details_taxonomy_follows_vocabulary(seeded, db):
    codes = set(
        db.session.scalars(
            select(TaxonomyTerm.code).where(
                TaxonomyTerm.taxonomy_id == vocabulary.SERVICE_DETAILS_TAXONOMY_ID
            )
        )
    )
    groups = {group for group, _name, _terms in vocabulary.DETAIL_GROUPS}
    assert codes == vocabulary.DETAIL_CODES | groups


def test_every_public_service_is_complete(seeded, db):
    services = public_services(db)
    assert services
    for service in services:
        categories = [a for a in service.attributes if a.link_type == vocabulary.CATEGORY_LINK]
        assert 1 <= len(categories) <= 3, service.name
        phones = list(service.phones) + [
            phone
            for at in service.service_at_locations
            for phone in list(at.phones) + list(at.location.phones)
        ]
        assert phones, f"{service.name} has no phone"
        schedules = all_schedules_of(service)
        assert any(s.opens_at or s.description for s in schedules), f"{service.name} has no hours"
        assert service.description and len(service.description) < 400


def test_phone_numbers_are_fictional_or_988_or_911(seeded, db):
    numbers = set(db.session.scalars(select(Phone.number)))
    assert "988" in numbers
    for number in numbers - REAL_NUMBERS_ALLOWED:
        assert FICTIONAL_PHONE.match(number), number


def test_988_listing_has_voice_and_text(seeded, db):
    lifeline = service_named(db, "988 Suicide & Crisis Lifeline")
    kinds = {(phone.number, phone.type) for phone in lifeline.phones}
    assert {("988", "voice"), ("988", "text")} <= kinds


def test_required_coverage(seeded, db):
    short = {code: len(services_with_term(db, code)) for code in REQUIRED_COVERAGE}
    short = {code: n for code, n in short.items() if n < REQUIRED_COVERAGE[code]}
    assert not short, f"too few public services in these categories: {short}"


def test_languages_include_communities_served(seeded, db):
    codes = set(db.session.scalars(select(Language.code).where(Language.service_id.is_not(None))))
    assert {"es", "am", "ar", "vi", "ko", "ti", "prs", "ase"} <= codes


def test_schedule_variety(seeded, db):
    schedules = list(db.session.scalars(select(Schedule)))
    all_week = "MO,TU,WE,TH,FR,SA,SU"
    assert any(s.byday == all_week and s.opens_at == s.closes_at == dt.time(0) for s in schedules)
    assert any(s.opens_at and s.closes_at and s.closes_at < s.opens_at for s in schedules)
    assert any(
        s.opens_at is None and "appointment" in (s.description or "").lower() for s in schedules
    )
    assert any(s.freq == "MONTHLY" and s.byday == "2TU" for s in schedules)
    assert any(s.byday == "SA" for s in schedules)
    assert any(s.service_at_location_id for s in schedules)


def test_statuses_and_intake_fields(seeded, db):
    statuses = list(db.session.scalars(select(Service.status)))
    assert statuses.count("inactive") >= 2
    assert statuses.count("defunct") >= 1
    assert statuses.count("temporarily closed") >= 2
    closed = db.session.scalars(select(Service).where(Service.status == "temporarily closed"))
    assert all(service.alert for service in closed)
    accepting = set(db.session.scalars(select(Service.accepting_new_clients)))
    assert {True, False, None} <= accepting
    capacity = db.session.scalars(select(ServiceCapacity)).first()
    assert capacity.updated.tzinfo is not None and capacity.unit.name


def test_assured_dates_spread_over_months(seeded, db):
    dates = list(db.session.scalars(select(Service.assured_date)))
    as_of = dt.date(2026, 11, 26)
    assert all(d is not None and d <= as_of for d in dates)
    assert any((as_of - d).days > 180 for d in dates)
    assert sum((as_of - d).days <= 90 for d in dates) > len(dates) / 3


def test_ids_come_from_the_file(seeded, db):
    catalog = json.loads(SAMPLE_CATALOG_PATH.read_text(encoding="utf-8"))
    organization = catalog["organizations"][0]
    service = organization["services"][0]
    assert db.session.get(Organization, organization["id"]).name == organization["name"]
    assert db.session.get(Service, service["id"]).name == service["name"]


def test_locations_are_in_northern_virginia(seeded, db):
    rows = db.session.execute(
        select(Location.latitude, Location.longitude).where(Location.latitude.is_not(None))
    ).all()
    assert rows
    for latitude, longitude in rows:
        assert 38.55 < latitude < 39.0 and -77.55 < longitude < -76.95


# ---- the file itself --------------------------------------------------------------------------


def sample_text() -> str:
    return SAMPLE_CATALOG_PATH.read_text(encoding="utf-8")


def test_sample_file_uses_no_stigmatizing_words():
    text = sample_text().lower()
    for word in STIGMATIZING:
        assert not re.search(rf"\b{re.escape(word)}", text), word


def test_sample_file_ids_are_unique_uuid4():
    ids = re.findall(r'"(?:id|location_id)": "([^"]+)"', sample_text())
    definitions = re.findall(r'"id": "([^"]+)"', sample_text())
    assert len(definitions) == len(set(definitions))
    for value in ids:
        assert uuid.UUID(value).version == 4 or value in (
            vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID,
            vocabulary.SERVICE_DETAILS_TAXONOMY_ID,
        )


def test_sample_file_web_addresses_are_examples():
    text = sample_text()
    for domain in re.findall(r"[\w.-]+@([\w.-]+)", text) + re.findall(r"https?://([\w.-]+)", text):
        assert domain.endswith(("example.org", "example.com")), domain


# ---- hours on real sample schedules ----------------------------------------------------------


def test_hours_of_sample_services(seeded, db):
    lifeline = service_named(db, "988 Suicide & Crisis Lifeline")
    for moment in (
        dt.datetime(2026, 11, 26, 3, 15),
        dt.datetime(2026, 11, 29, 23, 59),
        dt.datetime(2026, 12, 1, 0, 0),
        dt.datetime(2026, 12, 5, 12, 30),
    ):
        assert hours.is_open_at(lifeline.schedules, moment) is True

    warmline = service_named(db, "Riverbend Peer Warmline")  # 5 pm to 1 am
    assert hours.is_open_at(warmline.schedules, dt.datetime(2026, 12, 1, 0, 30)) is True
    assert hours.is_open_at(warmline.schedules, dt.datetime(2026, 12, 1, 3, 0)) is False

    by_appointment = service_named(db, "Family Therapy")
    assert hours.is_open_at(by_appointment.schedules, dt.datetime(2026, 12, 1, 10, 0)) is None

    parent_circle = service_named(db, "Parent Support Circle")  # 2nd Tuesday, 6:30 to 8 pm
    assert hours.is_open_at(parent_circle.schedules, dt.datetime(2026, 12, 8, 19, 0)) is True
    assert hours.is_open_at(parent_circle.schedules, dt.datetime(2026, 12, 1, 19, 0)) is False

    methadone = service_named(db, "Methadone Treatment Program")  # split hours, per location
    old_town = all_schedules_of(methadone)
    assert hours.is_open_at(old_town, dt.datetime(2026, 12, 2, 6, 0)) is True
    assert hours.is_open_at(old_town, dt.datetime(2026, 12, 2, 11, 30)) is False


# ---- commands ---------------------------------------------------------------------------------


def test_seed_command_loads_once(app, db):
    runner = app.test_cli_runner()
    assert catalog_is_empty(db.session)
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Loaded the sample catalog" in first.output
    services = scalar_count(db, select(Service.id))
    terms = scalar_count(db, select(TaxonomyTerm.id))
    attributes = scalar_count(db, select(Attribute.id))

    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "not loaded" in second.output
    assert scalar_count(db, select(Service.id)) == services
    assert scalar_count(db, select(TaxonomyTerm.id)) == terms
    assert scalar_count(db, select(Attribute.id)) == attributes


def test_ensure_vocabulary_is_idempotent(db):
    first = ensure_vocabulary(db.session)
    assert first > 40
    assert ensure_vocabulary(db.session) == 0


def test_generate_catalog_command_adds_consistent_services(seeded, app, db):
    before = scalar_count(db, select(Service.id))
    result = app.test_cli_runner().invoke(
        args=["generate-catalog", "--services", "200", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "200 services" in result.output
    assert scalar_count(db, select(Service.id)) == before + 200

    orphans = {
        "service without organization": select(Service.id)
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(Organization.id.is_(None)),
        "attribute without service": select(Attribute.id)
        .outerjoin(Service, Service.id == Attribute.link_id)
        .where(Service.id.is_(None)),
        "attribute without term": select(Attribute.id)
        .outerjoin(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(TaxonomyTerm.id.is_(None)),
        "service at unknown location": select(ServiceAtLocation.id)
        .outerjoin(Location, Location.id == ServiceAtLocation.location_id)
        .where(Location.id.is_(None)),
    }
    for what, statement in orphans.items():
        assert scalar_count(db, statement) == 0, what

    synthetic = (
        select(Service.id)
        .join(Organization)
        .where(Organization.legal_status == "Synthetic test data")
    )
    assert scalar_count(db, synthetic) == 200
    without_category = synthetic.where(
        ~Service.id.in_(
            select(Attribute.link_id).where(Attribute.link_type == vocabulary.CATEGORY_LINK)
        )
    )
    assert scalar_count(db, without_category) == 0


def test_generate_catalog_is_deterministic(db):
    def names_and_ids():
        generate_catalog(db.session, 40, seed=5, batch_size=15)
        rows = db.session.execute(select(Service.id, Service.name).order_by(Service.id)).all()
        db.session.rollback()
        return rows

    first = names_and_ids()
    assert len(first) == 40
    assert names_and_ids() == first
