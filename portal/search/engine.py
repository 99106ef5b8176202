"""A search, stage by stage, over one explicit view of the index.

    1. interpret   the words: meaningful words and concepts (synonym phrases)  interpretation
    2. match       the concepts in the index, unknown words corrected          scoring, spelling
    3. filter      categories, languages, payment, age, accepting              filters
                   open at a moment, then within a distance                    filters, distance
    4. count       the total, each filter value's count, the quick chips'     facets
    5. rank        closed last; relevance, distance or name                    ranking
    6. present     the page's hits, matched words marked                       highlighting

Each stage is a function of the view (index_view.IndexView) and what the stages before it
found; document sets and scores are arrays over the view's document numbers. What comes next
belongs to one stage each: an answer read from the words alone (a crisis phrase) to stage 1,
before anything can come back empty; more ways of writing a word (another language's
synonyms) to the synonym data stage 1 reads; boosts for what a person needs (free or sliding
scale, room now) to stage 5, as document sets that raise a score.
"""

from __future__ import annotations

import logging

import numpy as np

from portal.search import distance, facets, filters, highlighting, ranking, scoring
from portal.search.index_view import IndexView, open_views
from portal.search.indexer import store
from portal.search.interpretation import interpret
from portal.search.results import Hit, SearchPage, SearchParams
from portal.search.store import IndexMissing

log = logging.getLogger(__name__)


def search_services(params: SearchParams, view: IndexView | None = None) -> SearchPage:
    """Run a search on the given view, or on this thread's view of the current index."""
    result = SearchPage(params=params)
    interpretation = interpret(f"{params.q} {params.also_words}" if params.also_words else params.q)
    if not interpretation.words and not params.filtered:
        return result
    if view is None:
        try:
            view = open_views.current(store())
        except IndexMissing as exc:
            log.warning("search unavailable: %s", exc)
            result.available = False
            return result
    if view.reader.doc_count() == 0:  # an empty index has no columns to read
        return result

    match = scoring.match_words(view, interpretation) if interpretation.words else None
    put_first = (
        view.any_of("category", params.first_categories) & view.live_docs()
        if params.first_categories
        else None
    )
    found = match.found if match is not None else None
    if found is not None and put_first is not None:
        found = found | put_first
    docs = filters.allowed(view, params)
    if docs is None:
        docs = found.copy() if found is not None else view.live_docs().copy()
    elif found is not None:
        docs &= found
    if match is not None:
        result.suggestion = match.suggestion
    if params.open_at is not None:
        docs = filters.open_at(view, docs, params.open_at)
    distances = None
    if params.near is not None:
        docs, distances = distance.within(view, docs, params.near, params.radius_miles)

    result.total = int(np.count_nonzero(docs))
    result.facets = facets.counts(view, docs)
    if params.count_open_at is not None:
        result.open_count = int(np.count_nonzero(filters.open_at(view, docs, params.count_open_at)))
    result.any_counts = {
        name: int(np.count_nonzero(docs & view.any_of(fieldname, list(values))))
        for name, (fieldname, values) in params.count_any.items()
    }

    first = (params.page - 1) * params.per_page
    if first >= result.total:
        return result
    tiers = [put_first] if put_first is not None else []
    tiers += ranking.room_tiers(view, interpretation.needs)
    page = ranking.page_of(
        view,
        docs,
        first,
        params.per_page,
        scores=ranking.need_scores(view, match.scores, interpretation.needs)
        if match is not None
        else None,
        distances=distances if params.sort == "distance" else None,
        tiers=tiers,
    )

    stems = match.stems if match is not None else frozenset()
    for docnum in page:
        stored = view.reader.stored_fields(docnum)
        nearest = float(distances[docnum]) if distances is not None else None
        result.hits.append(
            Hit(
                service_id=stored["id"],
                distance_miles=None if nearest is None or np.isnan(nearest) else nearest,
                name_html=highlighting.name_html(stored.get("name", ""), stems),
                snippet_html=highlighting.snippet_html(stored.get("description", ""), stems)
                if stems
                else None,
                put_first=put_first is not None and bool(put_first[docnum]),
            )
        )
    return result
