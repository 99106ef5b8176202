"""The /search page and /search.json: form → search → what the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.catalog import queries, vocabulary
from portal.directory import presenters
from portal.directory.forms import SearchForm
from portal.search import SearchPage, search_services

# Parameters a removable-filter link drops together.
_LINKED = {
    "open": ("open", "day", "time"),
    "zip": ("zip", "radius", "sort"),
    "lat": ("lat", "lng", "radius", "sort"),
}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetGroup:
    name: str  # the GET parameter
    legend: str
    options: list[FacetOption]


@dataclass
class AppliedFilter:
    label: str
    remove_url: str


@dataclass
class SearchOutcome:
    form: SearchForm
    page: SearchPage | None = None
    listings: list = field(default_factory=list)
    facets: list[FacetGroup] = field(default_factory=list)
    applied: list[AppliedFilter] = field(default_factory=list)
    status: int = 200

    suggestion_url: str | None = None

    @property
    def errors(self) -> list[str]:
        return [message for messages in self.form.errors.values() for message in messages]


def run(args: MultiDict) -> SearchOutcome:
    categories = queries.category_terms(wanted=args.getlist("category"))
    languages = [
        (c.id, vocabulary.language_name(c.id, c.name))
        for c in queries.service_languages(wanted=args.getlist("language"))
    ]
    details = [
        (code, vocabulary.label(name))
        for _group, _gname, terms in vocabulary.DETAIL_GROUPS
        for code, name in terms
    ]
    form = SearchForm(
        formdata=args,
        categories=[(t.id, vocabulary.label(t.name)) for t in categories],
        languages=languages,
        details=details,
    )
    outcome = SearchOutcome(form=form)
    if not form.validate():
        outcome.status = 400
        return outcome
    params = form.params(presenters.local_now(), current_app.config["PORTAL_PAGE_SIZE"])
    page = search_services(params)
    outcome.page = page
    outcome.listings = _listings(page)
    labels = {
        "category": {t.id: vocabulary.label(t.name) for t in categories},
        "language": dict(languages),
        "detail": dict(details),
    }
    outcome.facets = _facet_groups(form, page, categories, labels)
    outcome.applied = _applied_filters(args, form, labels)
    if page.suggestion:
        kept = [(k, v) for k, v in args.items(multi=True) if k not in ("q", "page")]
        outcome.suggestion_url = "/search?" + urlencode([("q", page.suggestion), *kept])
    return outcome


def _listings(page: SearchPage) -> list[presenters.ServiceListing]:
    """The results as list entries, read afresh for each search (no cache to go stale)."""
    return presenters.listings(page.service_ids, {hit.service_id: hit for hit in page.hits})


def _facet_groups(form, page, categories, labels) -> list[FacetGroup]:
    counts = page.facets
    selected_categories = set(form.category.data or [])
    shown_terms = [
        t
        for t in categories
        if t.parent_id is None or t.parent_id in selected_categories or t.id in selected_categories
    ]
    groups = [
        FacetGroup(
            "category",
            _("Category"),
            [
                FacetOption(
                    t.id,
                    vocabulary.label(t.name),
                    counts.get("category", {}).get(t.id, 0),
                    t.id in selected_categories,
                )
                for t in shown_terms
            ],
        )
    ]
    groups.append(
        FacetGroup(
            "language",
            _("Language"),
            [
                FacetOption(
                    code,
                    name,
                    counts.get("language", {}).get(code, 0),
                    code in (form.language.data or []),
                )
                for code, name in labels["language"].items()
            ],
        )
    )
    chosen = set(form.detail.data or [])
    for group_code, _name, terms in vocabulary.DETAIL_GROUPS:
        legend = {
            "payment": _("Payment accepted"),
            "delivery": _("How to get it"),
            "population": _("Who it is for"),
        }[group_code]
        groups.append(
            FacetGroup(
                "detail",
                legend,
                [
                    FacetOption(
                        code,
                        vocabulary.label(name),
                        counts.get("detail", {}).get(code, 0),
                        code in chosen,
                    )
                    for code, name in terms
                ],
            )
        )
    for group in groups:
        # Options with no results are hidden unless chosen, so nobody filters into nothing.
        group.options = [o for o in group.options if o.count or o.selected]
    return [g for g in groups if g.options]


def _without(args: MultiDict, name: str, value: str | None = None) -> str:
    kept = [
        (k, v)
        for k, v in args.items(multi=True)
        if k != "page" and not (k in _LINKED.get(name, (name,)) and (value is None or v == value))
    ]
    return "/search" + ("?" + urlencode(kept) if kept else "")


def _applied_filters(args: MultiDict, form: SearchForm, labels) -> list[AppliedFilter]:
    applied = []
    for name in ("category", "language", "detail"):
        for value in args.getlist(name):
            label = labels[name].get(value)
            if label:
                applied.append(AppliedFilter(label, _without(args, name, value)))
    if form.age.data is not None:
        applied.append(AppliedFilter(_("Age %(age)s", age=form.age.data), _without(args, "age")))
    if form.accepting.data:
        applied.append(AppliedFilter(_("Accepting new clients"), _without(args, "accepting")))
    if form.open.data == "now":
        applied.append(AppliedFilter(_("Open now"), _without(args, "open")))
    elif form.open.data == "at":
        day = next((c.label for c in form.day.choices if c.value == form.day.data), "")
        applied.append(
            AppliedFilter(
                _("Open %(day)s at %(time)s", day=day, time=form.time.data), _without(args, "open")
            )
        )
    if form.zip.data and args.get("zip"):
        applied.append(AppliedFilter(_("Near %(zip)s", zip=form.zip.data), _without(args, "zip")))
    elif form.lat.data is not None:
        applied.append(AppliedFilter(_("Near your location"), _without(args, "lat")))
    return applied


def as_json(outcome: SearchOutcome) -> dict:
    """The same search as data; the results carry what a list of services shows."""
    if outcome.page is None:
        return {"errors": outcome.form.errors}
    page = outcome.page
    return {
        "query": page.params.q,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "suggestion": page.suggestion,
        "search_available": page.available,
        "facets": page.facets,
        # The words the page shows, in the reader's language, for a client that draws its own.
        "filters": [
            {
                "name": group.name,
                "label": group.legend,
                "options": [
                    {"value": o.value, "label": o.label, "count": o.count, "selected": o.selected}
                    for o in group.options
                ],
            }
            for group in outcome.facets
        ],
        "applied": [{"label": a.label, "remove_url": a.remove_url} for a in outcome.applied],
        "results": [presenters.listing_json(item) for item in outcome.listings],
    }
