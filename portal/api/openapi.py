"""The portal's own OpenAPI 3.1 definition of its HSDS API, served at /api/openapi.json.

It follows the HSDS 3.0 API (same paths, parameters and HSDS schemas) and says what the
official file leaves out: the 400 and 404 answers, ndjson, and the right schema for
/service_at_locations/{id}.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.api.queries import MAX_PER_PAGE

SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


PARAMETERS = {
    "search": _query(
        "search",
        "Words to look for, matched by the portal's search engine "
        "(synonyms and small typos allowed).",
        {"type": "string", "maxLength": 200},
    ),
    "page": _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
    "per_page": _query(
        "per_page",
        f"Results per page (1 to {MAX_PER_PAGE}, 20 by default).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    ),
    "format": _query(
        "format",
        "json (an HSDS Page, the default) or ndjson (every result, one "
        "JSON object per line, no pages).",
        {"type": "string", "enum": ["json", "ndjson"]},
    ),
    "taxonomy_term_id": _query(
        "taxonomy_term_id",
        "Services filed under this term or any of its sub-terms.",
        {"type": "string"},
    ),
    "taxonomy_id": _query(
        "taxonomy_id", "Services with any term of this taxonomy.", {"type": "string"}
    ),
    "organization_id": _query(
        "organization_id", "Services of this organization.", {"type": "string"}
    ),
    "modified_after": _query(
        "modified_after",
        "Services changed on or after this ISO 8601 date or date-time (UTC unless it says).",
        {"type": "string", "format": "date-time"},
    ),
    "minimal": _query(
        "minimal", "Only id, name, status and last_modified of each service.", {"type": "boolean"}
    ),
    "full": _query("full", "Fully nested records.", {"type": "boolean"}),
    "full_service": _query(
        "full_service", "Organizations with fully nested services.", {"type": "boolean"}
    ),
    "postcode": _query(
        "postcode",
        "Places with an address in this postcode, or with "
        "proximity, within that distance of its centre.",
        {"type": "string"},
    ),
    "proximity": _query(
        "proximity", "Distance in metres from the centre of postcode.", {"type": "string"}
    ),
    "top_only": _query(
        "top_only", "Only top-level terms (terms without a parent).", {"type": "boolean"}
    ),
    "parent_id": _query("parent_id", "Only the direct sub-terms of this term.", {"type": "string"}),
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(schema_file: str, description: str) -> dict:
    page = {
        "allOf": [{"$ref": "#/components/schemas/Page"}],
        "properties": {"contents": {"type": "array", "items": {"$ref": SCHEMAS + schema_file}}},
    }
    response = _json(page, description)
    response["content"]["application/x-ndjson"] = {"schema": {"$ref": SCHEMAS + schema_file}}
    return response


ERRORS = {
    "400": {"$ref": "#/components/responses/BadParameter"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _list(operation: str, summary: str, parameters: list[str], schema_file: str) -> dict:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "parameters": [_ref(p) for p in parameters],
            "responses": {"200": _page_of(schema_file, summary), **ERRORS},
        }
    }


def _one(operation: str, summary: str, schema_file: str, parameters: Sequence[str] = ()) -> dict:
    return {
        "parameters": ID,
        "get": {
            "operationId": operation,
            "summary": summary,
            "parameters": [_ref(p) for p in parameters],
            "responses": {
                "200": _json({"$ref": SCHEMAS + schema_file}, summary),
                **ERRORS,
                **NOT_FOUND,
            },
        },
    }


SERVICE_FILTERS = [
    "search",
    "page",
    "per_page",
    "format",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
]


def definition(server_url: str) -> dict:
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "title"],
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "parameter": {"type": "string"},
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Community Help Finder HSDS API",
            "version": "1.0.0",
            "summary": "The public catalog of behavioral health and community services, in "
            "Open Referral HSDS 3.0.",
            "description": "Read-only and public. Only published listings are served: services "
            "that are inactive or defunct are left out, as on the public pages. "
            "Anyone may call it from a browser (CORS); answers carry an ETag "
            "for conditional requests; calls are rate limited per address.",
            "license": {
                "name": "CC BY-SA 4.0",
                "url": "https://creativecommons.org/licenses/by-sa/4.0/",
            },
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "getAPIMetaInformation",
                    "summary": "About this API",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "version": {"type": "string"},
                                    "profile": {"type": "string", "format": "uri"},
                                    "openapi_url": {"type": "string", "format": "uri"},
                                },
                            },
                            "HSDS version, profile and this definition's address.",
                        )
                    },
                }
            },
            "/services": _list(
                "getPaginatedListOfServices",
                "Services",
                [*SERVICE_FILTERS, "minimal", "full"],
                "compiled/service_list.json",
            ),
            "/services/{id}": _one(
                "getFullyNestedServiceById", "A fully nested service", "compiled/service.json"
            ),
            "/organizations": _list(
                "getPaginatedListOfOrganizations",
                "Organizations",
                ["search", "full_service", "full", "page", "per_page", "format"],
                "compiled/organization_list.json",
            ),
            "/organizations/{id}": _one(
                "getOrganizationById",
                "A fully nested organization",
                "compiled/organization.json",
                ["full_service"],
            ),
            "/service_at_locations": _list(
                "getPaginatedListOfServiceAtLocation",
                "Services at locations",
                [*SERVICE_FILTERS, "full", "postcode", "proximity"],
                "compiled/service_at_location_list.json",
            ),
            "/service_at_locations/{id}": _one(
                "getServiceAtLocationWithNestedDataById",
                "A fully nested service at a location",
                "compiled/service_at_location.json",
            ),
            "/taxonomies": _list(
                "getPaginatedListOfTaxonomies",
                "Taxonomies",
                ["search", "page", "per_page", "format"],
                "taxonomy.json",
            ),
            "/taxonomies/{id}": _one("getTaxonomyById", "A taxonomy", "taxonomy.json"),
            "/taxonomy_terms": _list(
                "getPaginatedListOfTaxonomyTerms",
                "Taxonomy terms",
                ["search", "page", "per_page", "format", "taxonomy_id", "top_only", "parent_id"],
                "taxonomy_term.json",
            ),
            "/taxonomy_terms/{id}": _one(
                "getTaxonomyTermById", "A taxonomy term", "taxonomy_term.json"
            ),
        },
        "components": {
            "parameters": PARAMETERS,
            "schemas": {
                "Page": {
                    "type": "object",
                    "required": [
                        "total_items",
                        "total_pages",
                        "page_number",
                        "size",
                        "first_page",
                        "last_page",
                        "empty",
                        "contents",
                    ],
                    "properties": {
                        "total_items": {"type": "integer"},
                        "total_pages": {"type": "integer"},
                        "page_number": {"type": "integer"},
                        "size": {"type": "integer"},
                        "first_page": {"type": "boolean"},
                        "last_page": {"type": "boolean"},
                        "empty": {"type": "boolean"},
                        "contents": {"type": "array"},
                    },
                },
                "Error": error,
            },
            "responses": {
                "BadParameter": _json(
                    {"$ref": "#/components/schemas/Error"},
                    "A parameter is not valid; the error names it.",
                ),
                "NotFound": _json(
                    {"$ref": "#/components/schemas/Error"}, "No published record has this id."
                ),
                "TooManyRequests": _json(
                    {"$ref": "#/components/schemas/Error"},
                    "Too many calls from this address; wait a minute.",
                ),
            },
        },
    }
