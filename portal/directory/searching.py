"""The /search page and /search.json: form → search → what the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app
from werkzeug.datastructures import MultiDict

from portal.catalog import queries, vocabulary
from portal.directory import chips, presenters
from portal.directory.forms import SearchForm
from portal.reports import gaps
from portal.search import MAX_QUERY_LENGTH, SearchPage, crisis, search_services
from portal.translated import gettext as _

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
    chips: list[chips.Chip] = field(default_factory=list)
    status: int = 200
    crisis: crisis.CrisisAnswer | None = None

    suggestion_url: str | None = None
    counted_miss: bool = False  # a search that found nothing, counted as a service gap

    @property
    def errors(self) -> list[str]:
        return [message for messages in self.form.errors.values() for message in messages]

    @property
    def may_be_kept(self) -> bool:
        """Whether the page may be served again from the page cache: not when the index was
        away, nor when it found nothing, since each such search is counted (reports/gaps.py)."""
        return self.page is not None and self.page.available and not self.counted_miss


def run(args: MultiDict, path: str = "/search", *, listings: bool = True) -> SearchOutcome:
    """Validate and run the search in these URL parameters; `path` is the page the quick
    filter chips link back to (a category page runs its own search this way, for the chips
    only: `listings=False` leaves out reading the results' cards)."""
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
    # Each label is looked up once: the form, the facets and the applied filters share them.
    category_labels = {t.id: vocabulary.label(t.name) for t in categories}
    form = SearchForm(
        formdata=args,
        categories=list(category_labels.items()),
        languages=languages,
        details=details,
    )
    # Read from the words as typed, before anything else can fail or come back empty.
    answer = crisis.detect(args.get("q", "")[: MAX_QUERY_LENGTH * 2])
    outcome = SearchOutcome(form=form, crisis=answer)
    if not form.validate():
        outcome.status = 400
        return outcome
    now = presenters.local_now()
    params = form.params(now, current_app.config["PORTAL_PAGE_SIZE"])
    params.count_open_at, params.count_any = now, dict(chips.COUNT_ANY)
    if answer is not None:
        params.first_categories = queries.category_ids_with_codes(answer.categories)
        params.also_words = answer.search
    page = search_services(params)
    if answer is not None:
        page.suggestion = None  # a person in crisis is never told they misspelled it
    outcome.page = page
    outcome.listings = _listings(page) if listings else []
    if answer is not None:
        # In a crisis, a line confirmed lately comes before one that may be out of date.
        first = {hit.service_id for hit in page.hits if hit.put_first}
        outcome.listings.sort(key=lambda item: (item.card.id not in first, item.stale))
    labels = {
        "category": category_labels,
        "language": dict(languages),
        "detail": dict(details),
    }
    outcome.facets = _facet_groups(form, page, categories, labels)
    outcome.applied = _applied_filters(args, form, labels)
    if page.available:
        outcome.chips = chips.chips(args, page, path)
    if page.total == 0 and page.available and not outcome.applied and page.page == 1:
        gaps.count_miss(form.q.data or "")  # the words only: a service gap (issue 15)
        outcome.counted_miss = True
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
                    labels["category"][t.id],
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
                        labels["detail"][code],
                        counts.get("detail", {}).get(code, 0),
                        code in chosen,
                    )
                    for code, _name in terms
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
    if form.room.data:
        applied.append(AppliedFilter(_("Has room now"), _without(args, "room")))
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
    elif form.zip.data and form.text_without_zip is not None:
        # The ZIP code came from the words: removing it searches the words without it.
        kept = [
            (k, form.text_without_zip if k == "q" else v)
            for k, v in args.items(multi=True)
            if k not in ("page", "radius", "sort")
        ]
        applied.append(
            AppliedFilter(_("Near %(zip)s", zip=form.zip.data), "/search?" + urlencode(kept))
        )
    elif form.lat.data is not None:
        applied.append(AppliedFilter(_("Near your location"), _without(args, "lat")))
    return applied


def as_json(outcome: SearchOutcome) -> dict:
    """The same search as data; the results carry what a list of services shows."""
    if outcome.page is None:
        return {
            "errors": outcome.form.errors,
            "crisis": outcome.crisis.as_json() if outcome.crisis else None,
        }
    page = outcome.page
    return {
        "query": page.params.q,
        "crisis": outcome.crisis.as_json() if outcome.crisis else None,
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
