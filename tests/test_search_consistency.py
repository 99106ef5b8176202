"""After any sequence of catalog edits, search answers what a search built from scratch answers.

Hypothesis draws sequences of edits to every kind of record a search document or a result card
reads (search/touched.py). Each edit is committed, so the after-commit hook updates the index,
and searched, so the open view derives values and carries them over the next update. At the
end, the index, every search answer and every result card must equal those of an index
rebuilt from the database and a view with nothing carried over.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.catalog import vocabulary
from portal.extensions import db
from portal.models import (
    Address,
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
    Unit,
)
from portal.search import geo, indexer, rebuild_index
from portal.search.index_view import open_views
from tests.factories import TaxonomyFactory
from tests.test_search import answers_to

SUNDAY_NOON = dt.datetime(2026, 11, 29, 12, 0)
OLD_TOWN = geo.Point(38.8048, -77.0469)


def _catalog() -> None:
    """Three services of two organizations at two places, in a small category tree."""
    taxonomy = TaxonomyFactory()
    parent = TaxonomyTerm(name="Recovery", code="recovery", taxonomy_detail=taxonomy)
    child = TaxonomyTerm(name="Peer coaching", code="peer", parent=parent, taxonomy_detail=taxonomy)
    medicaid = TaxonomyTerm(code="payment-medicaid", name="Medicaid")
    beds = Unit(name="beds")
    db.session.add_all([parent, child, medicaid, beds])
    harbor = Organization(name="Harbor Health")
    ridge = Organization(name="Ridge Alliance")
    services = [
        Service(name=f"Program {word}", description="Counseling and support.", organization=org)
        for word, org in (("alpha", harbor), ("beta", harbor), ("gamma", ridge))
    ]
    places = [
        Location(name="East", latitude=38.80, longitude=-77.05, organization=harbor),
        Location(name="West", latitude=38.88, longitude=-77.10, organization=ridge),
    ]
    db.session.add_all([*services, *places])
    db.session.flush()
    db.session.add_all(
        [
            ServiceAtLocation(service_id=services[0].id, location_id=places[0].id),
            ServiceAtLocation(service_id=services[1].id, location_id=places[1].id),
            Address(
                location_id=places[0].id,
                address_1="1 Quay Street",
                city="Alexandria",
                state_province="VA",
                postal_code="22314",
            ),
            Attribute(
                link_id=services[0].id,
                link_entity="service",
                link_type=vocabulary.CATEGORY_LINK,
                taxonomy_term=child,
            ),
            ServiceCapacity(service_id=services[2].id, unit=beds, available=3),
        ]
    )


def _pick(model, number: int):
    rows = db.session.scalars(select(model).order_by(model.id)).all()
    return rows[number % len(rows)] if rows else None


def _link(service: Service, term: TaxonomyTerm, link_type: str) -> None:
    db.session.add(
        Attribute(
            link_id=service.id, link_entity="service", link_type=link_type, taxonomy_term=term
        )
    )


def _edit(kind: str, n: int) -> None:
    """One edit of the kind drawn; n chooses which record and which value."""
    service, organization = _pick(Service, n), _pick(Organization, n)
    location, term = _pick(Location, n), _pick(TaxonomyTerm, n)
    if location is None and kind in LOCATION_EDITS:
        return  # every location was deleted
    if kind == "service":
        service.name = f"Program {['delta', 'epsilon', 'zeta'][n % 3]} {n}"
        service.status = ["active", "temporarily closed", "inactive", "active"][n % 4]
        service.minimum_age = [None, 12, 18][n % 3]
        service.accepting_new_clients = [None, True, False][n % 3]
    elif kind == "organization":
        organization.name = f"Harbor {['North', 'South'][n % 2]} Partners {n}"
    elif kind == "organization phone":
        db.session.add(Phone(organization_id=organization.id, number=f"703-555-01{n % 90 + 10}"))
    elif kind == "location phone":
        db.session.add(Phone(location_id=location.id, number=f"571-555-01{n % 90 + 10}"))
    elif kind == "service phone":
        db.session.add(Phone(service_id=service.id, number=f"202-555-01{n % 90 + 10}"))
    elif kind == "delete phone":
        phone = _pick(Phone, n)
        if phone is not None:
            db.session.delete(phone)
    elif kind == "unit":
        _pick(Unit, n).name = ["cots", "beds", "slots"][n % 3]
    elif kind == "capacity":
        db.session.add(ServiceCapacity(service_id=service.id, unit=_pick(Unit, n), available=n % 5))
    elif kind == "term":
        term.name = f"{['Mentoring', 'Outreach', 'Housing'][n % 3]} {n}"
    elif kind == "category" and term.code != "payment-medicaid":
        _link(service, term, vocabulary.CATEGORY_LINK)
    elif kind == "payment":
        medicaid = db.session.scalar(select(TaxonomyTerm).filter_by(code="payment-medicaid"))
        _link(service, medicaid, vocabulary.DETAIL_LINK)
    elif kind == "unlink":
        attribute = _pick(Attribute, n)
        if attribute is not None:
            db.session.delete(attribute)
    elif kind == "language":
        db.session.add(Language(service_id=service.id, code="es", name="Spanish"))
    elif kind == "move location":
        location.latitude, location.longitude = [(38.80, -77.05), (37.54, -77.44)][n % 2]
    elif kind == "address":
        db.session.add(
            Address(
                location_id=location.id,
                address_1=f"{n} Main Street",
                city="Arlington",
                state_province="VA",
                postal_code="22201",
            )
        )
    elif kind == "location hours":
        db.session.add(
            Schedule(
                location_id=location.id,
                freq="WEEKLY",
                byday="SU",
                opens_at=dt.time(10 + n % 3),
                closes_at=dt.time(15),
            )
        )
    elif kind == "delete schedule":
        schedule = _pick(Schedule, n)
        if schedule is not None:
            db.session.delete(schedule)
    elif kind == "place":
        # A service is placed at a location once (a unique constraint): placing it again is no edit.
        placed = db.session.scalar(
            select(ServiceAtLocation).filter_by(service_id=service.id, location_id=location.id)
        )
        if placed is None:
            db.session.add(ServiceAtLocation(service_id=service.id, location_id=location.id))
    elif kind == "unplace":
        placement = _pick(ServiceAtLocation, n)
        if placement is not None:
            db.session.delete(placement)
    elif kind == "delete location":
        db.session.delete(location)
    elif kind == "new service":
        db.session.add(
            Service(name=f"Program eta {n}", description="Support.", organization=organization)
        )
    db.session.commit()


LOCATION_EDITS = {
    "location phone",
    "move location",
    "address",
    "location hours",
    "place",
    "delete location",
}
EDITS = [
    "service",
    "organization",
    "organization phone",
    "location phone",
    "service phone",
    "delete phone",
    "unit",
    "capacity",
    "term",
    "category",
    "payment",
    "unlink",
    "language",
    "move location",
    "address",
    "location hours",
    "delete schedule",
    "place",
    "unplace",
    "delete location",
    "new service",
]

SEARCHES = [
    dict(q="program"),
    dict(q="counseling support"),
    dict(q="programm"),
    dict(q="recovery"),
    dict(q="harbor"),
    dict(languages=["es"]),
    dict(details=["payment-medicaid"]),
    dict(age=10),
    dict(accepting=True),
    dict(open_at=SUNDAY_NOON),
    dict(q="program", near=OLD_TOWN, radius_miles=10, sort="distance"),
]


def _answers(client) -> list:
    cards = client.get("/search.json", query_string={"q": "program"}).get_json()["results"]
    return [*answers_to(SEARCHES), cards]


def _index_contents() -> dict:
    """What the index holds of each service: every term of every field but the spelling
    words (a full build keeps each word once), and its stored values."""
    view = open_views.current(indexer.store())
    reader = view.reader
    ids = {d: reader.stored_fields(d)["id"] for d in reader.all_doc_ids()}
    contents: dict[str, dict] = {i: {} for i in ids.values()}
    for fieldname, term in reader.all_terms():
        if fieldname in ("words", "id"):
            continue
        for docnum in reader.postings(fieldname, term).all_ids():
            contents[ids[docnum]].setdefault(fieldname, set()).add(term)
    for docnum, service_id in ids.items():
        contents[service_id]["stored"] = reader.stored_fields(docnum)
        for column in ("coords", "min_age", "max_age", "weekly_minutes", "schedules"):
            contents[service_id][column] = reader.column_reader(column)[docnum]
    return contents


@pytest.fixture
def empty_catalog(app):
    from portal.models import catalog

    emptied = {
        model.__table__.name
        for model in vars(catalog).values()
        if isinstance(model, type)
        and getattr(model, "__module__", "") == catalog.__name__
        and hasattr(model, "__table__")
    } | {"search_outbox"}

    def empty() -> None:
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name in emptied:
                db.session.execute(table.delete())
        db.session.commit()
        open_views.close()

    return empty


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(EDITS), st.integers(min_value=0, max_value=50)),
        min_size=1,
        max_size=8,
    )
)
def test_after_any_edits_search_answers_as_if_built_from_scratch(app, client, empty_catalog, edits):
    empty_catalog()
    _catalog()
    db.session.commit()
    rebuild_index()
    _answers(client)  # the first view derives every kind of value
    for kind, n in edits:
        _edit(kind, n)
        _answers(client)  # each view carries the previous one's values over its change
    followed = (_index_contents(), _answers(client))
    open_views.close()
    rebuild_index()
    assert followed == (_index_contents(), _answers(client)), edits
