"""Public directory pages: home, categories, services, organizations, locations."""

from __future__ import annotations

from flask import abort, current_app, jsonify, render_template, request
from werkzeug.datastructures import MultiDict

from portal.catalog import queries
from portal.directory import bp, maps, presenters, searching, sharing
from portal.page_cache import cached_page, do_not_keep, slot_filler


def _page_number() -> int:
    return request.args.get("page", 1, type=lambda v: max(1, min(int(v), 10_000)))


@bp.get("/")
@cached_page()
def home():
    return render_template("directory/home.html", categories=queries.top_categories())


@bp.get("/search")
@cached_page(search=True)
def search():
    outcome = searching.run(request.args)
    if not outcome.may_be_kept:
        do_not_keep()
    pins = maps.of_listings(outcome.listings)
    return render_template("directory/search.html", outcome=outcome, map=pins), outcome.status


@bp.get("/search.json")
def search_json():
    outcome = searching.run(request.args)
    return jsonify(searching.as_json(outcome)), outcome.status


@bp.get("/categories/<term_id>")
@cached_page(search=True)  # its quick filters count search results
def category(term_id: str):
    term = queries.category(term_id) or abort(404)
    page = queries.services_in_category(
        term, _page_number(), current_app.config["PORTAL_PAGE_SIZE"]
    )
    # The quick filters: links to the search of this category with one more filter.
    in_category = searching.run(MultiDict([("category", term.id)]), listings=False)
    return render_template(
        "directory/category.html",
        term=term,
        page=page,
        listings=presenters.listings([s.id for s in page.items]),
        chips=in_category.chips,
    )


@bp.get("/services/<service_id>")
@cached_page()
def service(service_id: str):
    service = queries.service_detail(service_id) or abort(404)
    view = presenters.service_page(service)
    shared = sharing.of_page(view)
    return render_template(
        "directory/service.html",
        view=view,
        share=sharing.share_links(service.name, [shared], shared.link),
        map=maps.of_service(service),
    )


@slot_filler("save-to-list")
def save_to_list(service_id: str) -> str:
    """The reader's own part of a service page: on their list, or a form to save it."""
    return render_template(
        "_partials/save_to_list.html",
        save_id=service_id,
        saved=service_id in sharing.saved_ids(request.cookies.get(sharing.COOKIE)),
    )


@bp.get("/organizations/<organization_id>")
@cached_page()
def organization(organization_id: str):
    organization = queries.organization_detail(organization_id) or abort(404)
    services = queries.public_services_of(organization)
    return render_template(
        "directory/organization.html",
        organization=organization,
        phone_views=[presenters.phone_view(p) for p in organization.phones],
        listings=presenters.listings([s.id for s in services]),
    )


@bp.get("/locations/<location_id>")
@cached_page()
def location(location_id: str):
    location = queries.location_detail(location_id) or abort(404)
    services = queries.public_services_at(location)
    return render_template(
        "directory/location.html",
        view=presenters.location_page(location),
        listings=presenters.listings([s.id for s in services]),
    )
