"""Input hygiene (portal/inputs.py): a NUL byte in an API parameter, an id or a public page's id
answers 400 or 404, never 500, the same on SQLite and PostgreSQL (PostgreSQL refuses NUL in
text, so each of these URLs used to fail there)."""

from __future__ import annotations

import pytest

from portal.inputs import record_id, strip_control_characters
from tests.accounts import token_for
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)

NUL = "x\x00"

# API parameters: each answers 400 naming the parameter.
API_PARAMETERS = [
    ("/api/services", "search"),
    ("/api/services", "taxonomy_term_id"),
    ("/api/services", "taxonomy_id"),
    ("/api/services", "organization_id"),
    ("/api/services", "modified_after"),
    ("/api/services", "full"),
    ("/api/services", "minimal"),
    ("/api/services", "format"),
    ("/api/services", "page"),
    ("/api/services", "per_page"),
    ("/api/service_at_locations", "postcode"),
    ("/api/service_at_locations", "proximity"),
    ("/api/service_at_locations", "organization_id"),
    ("/api/service_at_locations", "taxonomy_term_id"),
    ("/api/service_at_locations", "search"),
    ("/api/organizations", "search"),
    ("/api/organizations", "full_service"),
    ("/api/taxonomies", "search"),
    ("/api/taxonomy_terms", "search"),
    ("/api/taxonomy_terms", "taxonomy_id"),
    ("/api/taxonomy_terms", "parent_id"),
    ("/api/taxonomy_terms", "top_only"),
]
# Ids in the path: an id with a NUL byte is no id, so 404. "{id}" is a real record's id.
ID_PATHS = [
    "/api/services/{service}%00",
    "/api/organizations/{organization}%00",
    "/api/service_at_locations/{placement}%00",
    "/api/taxonomies/{taxonomy}%00",
    "/api/taxonomy_terms/{term}%00",
    "/api/services/x%00",
    "/services/{service}%00",
    "/services/x%00",
    "/organizations/{organization}%00",
    "/locations/{location}%00",
    "/categories/{term}%00",
    "/services/{service}%00/report",
    "/l/x%00",
]
# Signed tokens: their signature check refuses them.
TOKEN_PATHS = ["/invitations/x%00", "/password/reset/x%00"]


@pytest.fixture
def records(db) -> dict[str, str]:
    organization = OrganizationFactory()
    service = ServiceFactory(organization=organization)
    location = LocationFactory(organization=organization)
    placement = ServiceAtLocationFactory(service=service, location=location)
    term = TaxonomyTermFactory(taxonomy_detail=TaxonomyFactory())
    db.session.commit()
    return {
        "organization": organization.id,
        "service": service.id,
        "location": location.id,
        "placement": placement.id,
        "taxonomy": term.taxonomy_id,
        "term": term.id,
    }


@pytest.mark.parametrize("path, parameter", API_PARAMETERS)
def test_a_nul_byte_in_an_api_parameter_answers_400_naming_it(client, records, path, parameter):
    query = {parameter: NUL}
    if parameter == "proximity":
        query["postcode"] = "22314"
    response = client.get(path, query_string=query)
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["parameter"] == parameter
    assert "control characters" in response.get_json()["error"]["detail"]


def test_a_nul_byte_in_a_single_records_parameter_answers_400(client, records):
    response = client.get(
        f"/api/organizations/{records['organization']}", query_string={"full_service": NUL}
    )
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == (
        "full_service"
    )


@pytest.mark.parametrize("template", ID_PATHS)
def test_a_nul_byte_in_an_id_answers_404(client, records, template):
    response = client.get(template.format(**records))
    assert response.status_code == 404
    assert response.is_json == template.startswith("/api/")


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_a_nul_byte_in_a_signed_token_answers_400(client, records, path):
    response = client.get(path)
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_posted_problem_reports_id_answers_404(client, records):
    token = token_for(client, f"/services/{records['service']}/report")
    response = client.post(
        f"/services/{records['service']}%00/report", data={"csrf_token": token, "kind": "closed"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("parameter", ["category", "language", "detail"])
def test_a_nul_byte_in_a_search_filter_answers_400(client, records, parameter):
    for path in ("/search", "/search.json"):
        assert client.get(path, query_string={parameter: NUL}).status_code == 400


def test_the_real_records_still_answer(client, records):
    # The guard refuses only what is malformed: the same ids without the NUL byte work.
    assert client.get(f"/api/services/{records['service']}").status_code == 200
    assert client.get(f"/services/{records['service']}").status_code == 200
    assert client.get(f"/locations/{records['location']}").status_code == 200
    assert client.get("/api/services", query_string={"search": "counseling"}).status_code == 200


def test_every_text_segment_of_every_route_refuses_control_characters(app):
    """A new route with a plain `<name>` segment gets the guard without asking for it."""
    plain = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if type(converter).__name__
        not in ("SafeStringConverter", "SignedTokenConverter", "UUIDConverter", "PathConverter")
    ]
    assert plain == []


def test_ids_from_queries_and_search_words():
    assert record_id("6f1c2a8e-5b1d-4f57-9a44-0c5e8f1a2b01") == (
        "6f1c2a8e-5b1d-4f57-9a44-0c5e8f1a2b01"
    )
    assert record_id("imported-id 7") == "imported-id 7"
    for bad in (None, "", "x\x00", "x\ty", "x" * 256):
        assert record_id(bad) is None
    assert strip_control_characters("Harbor\x00 house\x07") == "Harbor house"
    assert strip_control_characters(None) is None
