"""The HSDS 3.0 API: read-only public JSON at /api, with CORS, ETags and a rate limit.

HTTP only: parameters are parsed here, portal.api.queries answers them and portal.hsds.records
shapes the HSDS objects. Errors answer in JSON (portal.errors): 400 for a bad parameter, 404
for an unknown (or unpublished) id.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    send_file,
    stream_with_context,
    url_for,
)

from portal.api import queries
from portal.api.openapi import definition
from portal.api.queries import BadParameter, Nearby, Paging, ServiceFilters, TermFilters
from portal.extensions import limiter
from portal.hsds import records
from portal.hsds.export import latest_download
from portal.hsds.tables import HSDS_VERSION

bp = Blueprint("api", __name__, url_prefix="/api")
limiter.limit(lambda: current_app.config["PORTAL_API_RATE_LIMIT"])(bp)

PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/profiles.html"
NDJSON = "application/x-ndjson"
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")


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


# --- parameters -------------------------------------------------------------------------


def _text(name: str) -> str | None:
    value = request.args.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > 200:
        raise BadParameter(name, "is longer than 200 characters")
    return value.strip()


def _boolean(name: str) -> bool:
    value = request.args.get(name)
    if value is None or value == "":
        return False
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise BadParameter(name, "must be true or false")


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadParameter(name, "must be a whole number") from None
    if number < 1 or (maximum is not None and number > maximum):
        bounds = f"between 1 and {maximum}" if maximum else "1 or more"
        raise BadParameter(name, f"must be {bounds}")
    return number


def _paging() -> Paging:
    return Paging(
        page=_positive("page", 1, 1_000_000),
        per_page=_positive("per_page", queries.DEFAULT_PER_PAGE, queries.MAX_PER_PAGE),
    )


def _format() -> str:
    value = (request.args.get("format") or "json").lower()
    if value not in ("json", "ndjson"):
        raise BadParameter("format", "must be json or ndjson")
    return value


def _moment(name: str) -> dt.datetime | None:
    value = _text(name)
    if value is None:
        return None
    try:
        moment = (
            dt.datetime.fromisoformat(value)
            if "T" in value or " " in value
            else dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        )
    except ValueError:
        raise BadParameter(
            name, "must be an ISO 8601 date or date-time, such as 2026-01-31T12:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _service_filters() -> ServiceFilters:
    return ServiceFilters(
        search=_text("search"),
        taxonomy_term_id=_text("taxonomy_term_id"),
        taxonomy_id=_text("taxonomy_id"),
        organization_id=_text("organization_id"),
        modified_after=_moment("modified_after"),
    )


def _nearby() -> Nearby:
    postcode, proximity = _text("postcode"), _text("proximity")
    if proximity is None:
        return Nearby(postcode=postcode)
    if postcode is None:
        raise BadParameter("proximity", "needs a postcode to measure from")
    try:
        metres = float(proximity)
    except ValueError:
        raise BadParameter("proximity", "must be a distance in metres") from None
    if not 0 < metres <= 1_000_000:
        raise BadParameter("proximity", "must be between 0 and 1,000,000 metres")
    return Nearby(postcode=postcode, proximity_metres=metres)


def _page_or_stream(fetch, shape):
    """One HSDS Page of `fetch(paging)`, or with format=ndjson every result without pages,
    one JSON object per line."""
    if _format() == "ndjson":

        def lines():
            paging = Paging(page=1, per_page=queries.MAX_PER_PAGE)
            while batch := fetch(paging).items:
                for item in shape(batch):
                    yield json.dumps(item, separators=(",", ":")) + "\n"
                paging = Paging(page=paging.page + 1, per_page=queries.MAX_PER_PAGE)

        return Response(stream_with_context(lines()), mimetype=NDJSON)
    page = fetch(_paging())
    return jsonify(page.as_hsds(shape(page.items)))


def _not_found():
    abort(404, "No published record has this id.")


# --- endpoints --------------------------------------------------------------------------


@bp.get("/")
def index():
    return jsonify(
        version=HSDS_VERSION,
        profile=PROFILE_URL,
        openapi_url=url_for("api.openapi", _external=True),
    )


@bp.get("/datapackage.zip")
def download():
    """The whole public catalog as an HSDS 3.0 CSV data package (linked from every page)."""
    path = latest_download(
        Path(current_app.config["PORTAL_HSDS_DOWNLOAD_PATH"]),
        current_app.config["PORTAL_HSDS_DOWNLOAD_MAX_AGE_HOURS"],
    )
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
    return jsonify(definition(url_for("api.index", _external=True).rstrip("/")))


@bp.get("/services")
def services():
    filters = _service_filters()
    minimal, full = _boolean("minimal"), _boolean("full")
    if minimal:
        options, shape = (), lambda items: [records.minimal_service(s) for s in items]
    elif full:
        options, shape = records.SERVICE_FULL_OPTIONS, records.full_services
    else:
        options = records.SERVICE_LIST_OPTIONS
        shape = lambda items: [records.service_list_item(s) for s in items]  # noqa: E731
    return _page_or_stream(lambda paging: queries.services(filters, paging, options), shape)


@bp.get("/services/<service_id>")
def service(service_id: str):
    found = queries.service(service_id, records.SERVICE_FULL_OPTIONS) or _not_found()
    return jsonify(records.full_services([found])[0])


@bp.get("/organizations")
def organizations():
    search = _text("search")
    full, full_service = _boolean("full"), _boolean("full_service")
    if full or full_service:
        options = records.ORGANIZATION_FULL_OPTIONS
        shape = lambda items: records.full_organizations(items, full_service)  # noqa: E731
    else:
        options, shape = (), lambda items: [records.row("organization", o) for o in items]
    return _page_or_stream(lambda paging: queries.organizations(search, paging, options), shape)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    full_service = _boolean("full_service")
    found = queries.organization(organization_id, records.ORGANIZATION_FULL_OPTIONS) or _not_found()
    return jsonify(records.full_organizations([found], full_service)[0])


@bp.get("/service_at_locations")
def service_at_locations():
    filters, nearby, full = _service_filters(), _nearby(), _boolean("full")
    if full:
        options, shape = records.PLACEMENT_FULL_OPTIONS, records.full_placements
    else:
        options = records.PLACEMENT_LIST_OPTIONS
        shape = lambda items: [records.placement_list_item(p) for p in items]  # noqa: E731
    return _page_or_stream(
        lambda paging: queries.service_at_locations(filters, nearby, paging, options), shape
    )


@bp.get("/service_at_locations/<placement_id>")
def service_at_location(placement_id: str):
    found = (
        queries.service_at_location(placement_id, records.PLACEMENT_FULL_OPTIONS) or _not_found()
    )
    return jsonify(records.full_placements([found])[0])


@bp.get("/taxonomies")
def taxonomies():
    search = _text("search")
    return _page_or_stream(
        lambda paging: queries.taxonomies(search, paging),
        lambda items: [records.row("taxonomy", t) for t in items],
    )


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    found = queries.taxonomy(taxonomy_id) or _not_found()
    return jsonify(records.row("taxonomy", found))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    filters = TermFilters(
        search=_text("search"),
        taxonomy_id=_text("taxonomy_id"),
        top_only=_boolean("top_only"),
        parent_id=_text("parent_id"),
    )
    return _page_or_stream(
        lambda paging: queries.taxonomy_terms(filters, paging),
        lambda items: [records.taxonomy_term(t) for t in items],
    )


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    found = queries.taxonomy_term(term_id) or _not_found()
    return jsonify(records.taxonomy_term(found))
