"""The HSDS 3.0 API: every endpoint and parameter, Page objects, errors, CORS, ETags, public
data only, and every kind of response validated against the official HSDS schemas."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from portal.catalog import vocabulary
from portal.catalog.seed import load_sample_catalog
from portal.extensions import db as _db
from portal.models import (
    Attribute,
    Contact,
    Funding,
    Metadata,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from portal.search import rebuild_index
from tests.database import built_once
from tests.factories import (
    AddressFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from tests.hsds_validation import errors, page_errors

NOWHERE = "00000000-0000-4000-8000-000000000000"


@built_once
def catalog(app, db):
    """The sample catalog, plus an inactive and a defunct service (never published) with a
    placement, a phone and a contact of their own."""
    load_sample_catalog(db.session)
    organization = OrganizationFactory(name="Riverside Recovery Collective")
    place = LocationFactory(organization=organization, name="Riverside Hall")
    AddressFactory(location=place, postal_code="22314")
    hidden = {}
    for status in ("inactive", "defunct"):
        service = ServiceFactory(
            organization=organization,
            name=f"Closed detox program {status}",
            description="Detox help that ended.",
            status=status,
        )
        placement = ServiceAtLocationFactory(service=service, location=place)
        PhoneFactory(service_id=service.id, number="703-555-0177")
        db.session.add(Contact(service_id=service.id, name="Former intake desk"))
        hidden[status] = (service.id, placement.id)
    db.session.add(Funding(organization_id=organization.id, source="A fictional county grant"))
    db.session.commit()
    rebuild_index()
    return hidden


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def first_public_service(db) -> Service:
    return db.session.scalars(
        _db.select(Service).where(Service.status == "active").order_by(Service.name)
    ).first()


# --- shapes and schemas ---------------------------------------------------------------------


def test_index_says_version_profile_and_openapi_url(client):
    body = get_json(client, "/api/")
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"].endswith("/api/openapi.json")
    assert get_json(client, "/api/openapi.json")["paths"].keys() >= {
        "/",
        "/services",
        "/services/{id}",
        "/organizations",
        "/organizations/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
    }


def test_own_openapi_definition_is_valid_and_describes_errors(client):
    definition = get_json(client, "/api/openapi.json")
    assert definition["openapi"] == "3.1.0"
    operations = [
        op for path in definition["paths"].values() for key, op in path.items() if key == "get"
    ]
    assert len({op["operationId"] for op in operations}) == len(operations) == 11
    assert "404" in definition["paths"]["/services/{id}"]["get"]["responses"]
    assert "400" in definition["paths"]["/services"]["get"]["responses"]
    assert definition["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"].endswith("compiled/service_at_location.json")


@pytest.mark.parametrize(
    "url, item_schema",
    [
        ("/api/services", "compiled/service_list.json"),
        ("/api/services?full=true", "compiled/service.json"),
        ("/api/services?minimal=true", "compiled/service_list.json"),
        ("/api/organizations", "compiled/organization_list.json"),
        ("/api/organizations?full=true", "compiled/organization.json"),
        ("/api/organizations?full_service=true", "compiled/organization.json"),
        ("/api/service_at_locations", "compiled/service_at_location_list.json"),
        ("/api/service_at_locations?full=true", "compiled/service_at_location.json"),
        ("/api/taxonomies", "taxonomy.json"),
        ("/api/taxonomy_terms", "taxonomy_term.json"),
    ],
)
def test_every_list_is_a_valid_page_of_valid_items(catalog, client, url, item_schema):
    page = get_json(client, url + ("&" if "?" in url else "?") + "per_page=25")
    assert page["contents"], "the sample catalog fills every list"
    assert page_errors(item_schema, page) == []


def test_every_single_record_validates(catalog, client, db):
    service = first_public_service(db)
    placement = db.session.scalars(
        _db.select(ServiceAtLocation).where(
            ServiceAtLocation.service_id.in_(
                _db.select(Service.id).where(Service.status == "active")
            )
        )
    ).first()
    term = db.session.scalars(
        _db.select(TaxonomyTerm).where(TaxonomyTerm.parent_id.is_not(None))
    ).first()
    db.session.add(
        Metadata(
            resource_id=service.id,
            resource_type="service",
            last_action_type="update",
            field_name="name",
            previous_value="Old name",
            replacement_value=service.name,
            updated_by="Listings team",
        )
    )
    db.session.commit()
    checks = {
        f"/api/services/{service.id}": "compiled/service.json",
        f"/api/organizations/{service.organization_id}": "compiled/organization.json",
        f"/api/organizations/{service.organization_id}?full_service=true": (
            "compiled/organization.json"
        ),
        f"/api/service_at_locations/{placement.id}": "compiled/service_at_location.json",
        f"/api/taxonomies/{term.taxonomy_id}": "taxonomy.json",
        f"/api/taxonomy_terms/{term.id}": "taxonomy_term.json",
    }
    for url, schema in checks.items():
        body = get_json(client, url)
        assert errors(schema, body) == [], url
    full = get_json(client, f"/api/services/{service.id}")
    assert full["organization"]["id"] == service.organization_id
    assert full["metadata"][0]["field_name"] == "name"
    assert all("taxonomy_term" in a for a in full["attributes"])
    assert full["service_at_locations"] and "location" in full["service_at_locations"][0]


def test_the_official_examples_pass_the_same_validation():
    """The validator itself: the official examples pass, a broken document does not."""
    from tests.hsds_spec import spec_dir

    example = json.loads((spec_dir() / "examples" / "service_full.json").read_text())
    assert errors("compiled/service.json", example) == []
    del example["name"]
    example["status"] = "closed forever"
    assert len(errors("compiled/service.json", example)) == 2


def test_empty_fields_are_left_out_not_null(catalog, client):
    body = json.dumps(get_json(client, "/api/services?full=true&per_page=50"))
    assert "null" not in body


# --- Page -----------------------------------------------------------------------------------


def test_page_objects_count_and_move_through_pages(catalog, client, db):
    total = db.session.scalar(
        _db.select(_db.func.count())
        .select_from(Service)
        .where(Service.status.in_(["active", "temporarily closed"]))
    )
    first = get_json(client, "/api/services?per_page=10")
    assert (first["total_items"], first["size"], first["page_number"]) == (total, 10, 1)
    assert first["total_pages"] == -(-total // 10)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    last = get_json(client, f"/api/services?per_page=10&page={first['total_pages']}")
    assert last["last_page"] and not last["first_page"]
    assert last["size"] == total - 10 * (first["total_pages"] - 1)
    beyond = get_json(client, f"/api/services?per_page=10&page={first['total_pages'] + 1}")
    assert beyond["contents"] == [] and beyond["size"] == 0
    seen = {
        s["id"]
        for n in range(1, first["total_pages"] + 1)
        for s in get_json(client, f"/api/services?per_page=10&page={n}")["contents"]
    }
    assert len(seen) == total


def test_an_empty_result_is_an_empty_page(catalog, client):
    page = get_json(client, f"/api/services?organization_id={NOWHERE}")
    assert page["empty"] and page["total_items"] == 0 and page["contents"] == []
    assert page["first_page"] and page["last_page"] and page["total_pages"] == 1


# --- only public data -----------------------------------------------------------------------


def test_inactive_and_defunct_services_are_never_served(catalog, client):
    listed = json.dumps(
        [
            get_json(client, "/api/services?per_page=100&full=true"),
            get_json(client, "/api/service_at_locations?per_page=100"),
            get_json(client, "/api/organizations?full_service=true&per_page=100"),
        ]
    )
    for service_id, placement_id in catalog.values():
        assert service_id not in listed and placement_id not in listed
        get_json(client, f"/api/services/{service_id}", status=404)
        get_json(client, f"/api/service_at_locations/{placement_id}", status=404)
    assert "Closed detox program" not in listed
    assert "Former intake desk" not in listed
    searched = get_json(client, "/api/services?search=closed%20detox%20program")
    assert all("Closed detox" not in s["name"] for s in searched["contents"])


def test_temporarily_closed_services_are_published_with_their_status(catalog, client, db):
    service = first_public_service(db)
    service.status = "temporarily closed"
    db.session.commit()
    assert get_json(client, f"/api/services/{service.id}")["status"] == "temporarily closed"


# --- parameters -----------------------------------------------------------------------------


def test_search_uses_the_portal_search_engine(catalog, client):
    # "withdrawal" finds detox services through the search engine's synonyms and stems.
    page = get_json(client, "/api/services?search=withdrawl")
    assert page["total_items"] > 0
    assert any("detox" in (s["name"] + s.get("description", "")).lower() for s in page["contents"])
    nothing = get_json(client, "/api/services?search=zzqxv")
    assert nothing["empty"]


def test_taxonomy_filters_include_sub_terms(catalog, client, db):
    detox = db.session.scalars(_db.select(TaxonomyTerm).where(TaxonomyTerm.code == "detox")).one()
    linked = set(
        db.session.scalars(
            _db.select(Attribute.link_id).where(Attribute.taxonomy_term_id == detox.id)
        )
    )
    by_term = get_json(client, f"/api/services?per_page=100&taxonomy_term_id={detox.id}")
    assert {s["id"] for s in by_term["contents"]} == linked
    by_parent = get_json(client, f"/api/services?per_page=100&taxonomy_term_id={detox.parent_id}")
    assert linked < {s["id"] for s in by_parent["contents"]}
    by_taxonomy = get_json(
        client, "/api/services?per_page=1&taxonomy_id=" + vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID
    )
    assert by_taxonomy["total_items"] >= by_parent["total_items"]
    assert get_json(client, f"/api/services?taxonomy_id={NOWHERE}")["empty"]


def test_organization_and_modified_after_filters(catalog, client, db):
    service = first_public_service(db)
    page = get_json(client, f"/api/services?per_page=100&organization_id={service.organization_id}")
    assert {s["organization_id"] for s in page["contents"]} == {service.organization_id}
    service.description = "Updated just now."
    db.session.commit()
    since = (service.last_modified - dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    recent = get_json(client, f"/api/services?per_page=100&modified_after={since}")
    assert service.id in {s["id"] for s in recent["contents"]}
    future = get_json(client, "/api/services?modified_after=2999-01-01")
    assert future["empty"]


def test_minimal_services_carry_only_id_status_and_modification(catalog, client):
    item = get_json(client, "/api/services?minimal=true")["contents"][0]
    assert set(item) == {"id", "name", "status", "last_modified"}


def test_ndjson_streams_every_result_without_pages(catalog, client):
    response = client.get("/api/services?format=ndjson&minimal=true")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(lines) == get_json(client, "/api/services")["total_items"]
    assert len({line["id"] for line in lines}) == len(lines)
    terms = client.get("/api/taxonomy_terms?format=ndjson").get_data(as_text=True).splitlines()
    assert len(terms) == get_json(client, "/api/taxonomy_terms")["total_items"]


def test_service_at_locations_by_postcode_and_proximity(catalog, client, db):
    in_22314 = get_json(client, "/api/service_at_locations?per_page=100&postcode=22314&full=true")
    assert in_22314["contents"]
    assert all(
        any(a["postal_code"] == "22314" for a in p["location"]["addresses"])
        for p in in_22314["contents"]
    )
    near = get_json(client, "/api/service_at_locations?per_page=100&postcode=22314&proximity=3000")
    wide = get_json(client, "/api/service_at_locations?per_page=100&postcode=22314&proximity=60000")
    assert 0 < near["total_items"] < wide["total_items"]
    far = get_json(client, "/api/service_at_locations?postcode=99501&proximity=1000")
    assert far["empty"]  # Anchorage, Alaska


def test_service_at_locations_filters_by_search_and_organization(catalog, client, db):
    service = first_public_service(db)
    page = get_json(client, f"/api/service_at_locations?organization_id={service.organization_id}")
    assert page["contents"] and all(
        p["service"]["organization_id"] == service.organization_id for p in page["contents"]
    )
    searched = get_json(client, "/api/service_at_locations?search=detox")
    assert searched["contents"]


def test_taxonomy_terms_top_only_parent_and_taxonomy(catalog, client, db):
    top = get_json(client, "/api/taxonomy_terms?top_only=true&per_page=100")
    assert top["contents"] and all("parent_id" not in t for t in top["contents"])
    parent = top["contents"][0]["id"]
    children = get_json(client, f"/api/taxonomy_terms?parent_id={parent}&per_page=100")
    assert children["contents"] and {t["parent_id"] for t in children["contents"]} == {parent}
    in_taxonomy = get_json(
        client,
        "/api/taxonomy_terms?per_page=100&taxonomy_id=" + vocabulary.SERVICE_DETAILS_TAXONOMY_ID,
    )
    assert {t["taxonomy_id"] for t in in_taxonomy["contents"]} == {
        vocabulary.SERVICE_DETAILS_TAXONOMY_ID
    }
    found = get_json(client, "/api/taxonomy_terms?search=detox")
    assert any("detox" in t["name"].lower() for t in found["contents"])


def test_organizations_and_taxonomies_search(catalog, client):
    found = get_json(client, "/api/organizations?search=riverside%20recovery")
    assert [o["name"] for o in found["contents"]] == ["Riverside Recovery Collective"]
    full = get_json(client, "/api/organizations?search=riverside&full=true")["contents"][0]
    assert full["services"] == []  # its only services are inactive and defunct
    assert full["funding"][0]["source"] == "A fictional county grant"
    assert get_json(client, "/api/taxonomies?search=details")["total_items"] == 1


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=1000", "per_page"),
        ("per_page=-1", "per_page"),
        ("full=maybe", "full"),
        ("minimal=2", "minimal"),
        ("format=xml", "format"),
        ("modified_after=yesterday", "modified_after"),
        ("search=" + "x" * 201, "search"),
    ],
)
def test_bad_parameters_get_a_clear_400(catalog, client, query, parameter):
    body = get_json(client, f"/api/services?{query}", status=400)
    assert body["error"]["parameter"] == parameter and body["error"]["detail"]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("proximity=500", "proximity"),
        ("postcode=22314&proximity=far", "proximity"),
        ("postcode=22314&proximity=-3", "proximity"),
        ("postcode=00000&proximity=100", "postcode"),
    ],
)
def test_bad_location_parameters_get_a_clear_400(catalog, client, query, parameter):
    body = get_json(client, f"/api/service_at_locations?{query}", status=400)
    assert body["error"]["parameter"] == parameter


def test_top_only_must_be_a_boolean(client):
    assert (
        get_json(client, "/api/taxonomy_terms?top_only=perhaps", status=400)["error"]["parameter"]
        == "top_only"
    )


@pytest.mark.parametrize(
    "path", ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"]
)
def test_unknown_ids_get_a_json_404(client, path):
    body = get_json(client, f"/api/{path}/{NOWHERE}", status=404)
    assert body["error"]["status"] == 404
    get_json(client, f"/api/{path}/not%20an%20id", status=404)


def test_the_api_is_read_only(client):
    response = client.post("/api/services")
    assert response.status_code == 405 and response.is_json


# --- HTTP: CORS, conditional requests, rate limit -------------------------------------------


def test_cors_is_allowed_for_everyone(catalog, client):
    assert client.get("/api/services").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(f"/api/services/{NOWHERE}").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/services",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_etag_gives_304_until_the_data_changes(catalog, client, db):
    service = first_public_service(db)
    url = f"/api/services/{service.id}"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    service.name = "Renamed Counseling Program"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_api_is_rate_limited(app, client):
    app.config["PORTAL_API_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get("/api/taxonomies").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = client.get("/api/taxonomies").get_json()
    assert body["error"]["status"] == 429
