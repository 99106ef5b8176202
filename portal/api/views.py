"""The HSDS 3.0 API: read-only public JSON at /api, with CORS, ETags and a rate limit.

HTTP only: portal.api.parameters parses the parameters, portal.api.queries answers them and
portal.hsds.records shapes the HSDS objects. Errors answer in JSON (portal.errors): 400 for a
bad parameter, 404 for an unknown (or unpublished) id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    request,
    send_file,
    stream_with_context,
)

from portal.api import bp, parameters, queries
from portal.api.openapi import definition
from portal.api.queries import BadParameter, Nearby, Paging, ServiceFilters, TermFilters
from portal.hsds import records
from portal.hsds.export import latest_download
from portal.hsds.tables import HSDS_VERSION
from portal.links import external_url

# Turns a page of records into HSDS objects.
Shape = Callable[[list[Any]], list[dict]]

PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/profiles.html"
NDJSON = "application/x-ndjson"


@bp.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter):
    return jsonify(
        error={
            "status": 400,
            "title": "Bad parameter",
            "parameter": error.name,
            "detail": error.reason,
        }
    ), 400


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
    ):
        response.headers["Cache-Control"] = "public, max-age=60"
        response.add_etag()
        response.make_conditional(request)
    return response


# --- answers ----------------------------------------------------------------------------


def _service_filters(params: parameters.ServiceFilterParameters) -> ServiceFilters:
    return ServiceFilters(
        search=params.search.data,
        taxonomy_term_id=params.taxonomy_term_id.data,
        taxonomy_id=params.taxonomy_id.data,
        organization_id=params.organization_id.data,
        modified_after=params.modified_after.data,
    )


def _page_or_stream(params: parameters.ListParameters, fetch, shape):
    """One HSDS Page of `fetch(paging)`, or with format=ndjson every result without pages,
    one JSON object per line."""
    if params.format.data == "ndjson":

        def lines():
            paging = Paging(page=1, per_page=queries.MAX_PER_PAGE)
            while batch := fetch(paging).items:
                for item in shape(batch):
                    yield json.dumps(item, separators=(",", ":")) + "\n"
                paging = Paging(page=paging.page + 1, per_page=queries.MAX_PER_PAGE)

        return Response(stream_with_context(lines()), mimetype=NDJSON)
    page = fetch(params.paging())
    return jsonify(page.as_hsds(shape(page.items)))


def _not_found():
    abort(404, "No published record has this id.")


# --- endpoints --------------------------------------------------------------------------


@bp.get("/")
def index():
    return jsonify(
        version=HSDS_VERSION,
        profile=PROFILE_URL,
        openapi_url=external_url("api.openapi"),
    )


@bp.get("/datapackage.zip")
def download():
    """The whole public catalog as an HSDS 3.0 CSV data package (linked from every page)."""
    path = latest_download(Path(current_app.config["PORTAL_HSDS_DOWNLOAD_PATH"]))
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name="community-help-finder-hsds.zip",
        conditional=True,
        max_age=3600,
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(definition(external_url("api.index").rstrip("/")))


@bp.get("/services")
def services():
    params = parameters.parse(parameters.ServiceListParameters)
    filters = _service_filters(params)
    options: tuple[Any, ...]
    shape: Shape
    if params.minimal.data:
        options, shape = (), lambda items: [records.minimal_service(s) for s in items]
    elif params.full.data:
        options = records.SERVICE_FULL_OPTIONS
        shape = lambda items: records.full_services(items, capacities=True)  # noqa: E731
    else:
        options = records.SERVICE_LIST_OPTIONS
        shape = lambda items: [records.service_list_item(s) for s in items]  # noqa: E731
    return _page_or_stream(params, lambda paging: queries.services(filters, paging, options), shape)


@bp.get("/services/<service_id>")
def service(service_id: str):
    found = queries.service(service_id, records.SERVICE_FULL_OPTIONS) or _not_found()
    return jsonify(records.full_services([found], capacities=True)[0])


@bp.get("/organizations")
def organizations():
    params = parameters.parse(parameters.OrganizationListParameters)
    full_service = params.full_service.data
    if params.full.data or full_service:
        options = records.ORGANIZATION_FULL_OPTIONS
        shape = lambda items: records.full_organizations(items, full_service)  # noqa: E731
    else:
        options, shape = (), lambda items: [records.row("organization", o) for o in items]
    return _page_or_stream(
        params,
        lambda paging: queries.organizations(params.search.data, paging, options),
        shape,
    )


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    full_service = parameters.parse(parameters.OrganizationParameters).full_service.data
    found = queries.organization(organization_id, records.ORGANIZATION_FULL_OPTIONS) or _not_found()
    return jsonify(records.full_organizations([found], full_service)[0])


@bp.get("/service_at_locations")
def service_at_locations():
    params = parameters.parse(parameters.PlacementListParameters)
    filters = _service_filters(params)
    nearby = Nearby(postcode=params.postcode.data, proximity_metres=params.proximity.data)
    options: tuple[Any, ...]
    shape: Shape
    if params.full.data:
        options, shape = records.PLACEMENT_FULL_OPTIONS, records.full_placements
    else:
        options = records.PLACEMENT_LIST_OPTIONS
        shape = lambda items: [records.placement_list_item(p) for p in items]  # noqa: E731
    return _page_or_stream(
        params, lambda paging: queries.service_at_locations(filters, nearby, paging, options), shape
    )


@bp.get("/service_at_locations/<placement_id>")
def service_at_location(placement_id: str):
    found = (
        queries.service_at_location(placement_id, records.PLACEMENT_FULL_OPTIONS) or _not_found()
    )
    return jsonify(records.full_placements([found])[0])


@bp.get("/taxonomies")
def taxonomies():
    params = parameters.parse(parameters.TaxonomyListParameters)
    return _page_or_stream(
        params,
        lambda paging: queries.taxonomies(params.search.data, paging),
        lambda items: [records.row("taxonomy", t) for t in items],
    )


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    found = queries.taxonomy(taxonomy_id) or _not_found()
    return jsonify(records.row("taxonomy", found))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    params = parameters.parse(parameters.TermListParameters)
    filters = TermFilters(
        search=params.search.data,
        taxonomy_id=params.taxonomy_id.data,
        top_only=params.top_only.data,
        parent_id=params.parent_id.data,
    )
    return _page_or_stream(
        params,
        lambda paging: queries.taxonomy_terms(filters, paging),
        lambda items: [records.taxonomy_term(t) for t in items],
    )


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    found = queries.taxonomy_term(term_id) or _not_found()
    return jsonify(records.taxonomy_term(found))
