"""Running a search: plain words with synonyms and typo forgiveness, filters, facets, distance."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import highlight, query as wq
from whoosh.analysis import StemmingAnalyzer
from whoosh.sorting import FieldFacet, ScoreFacet

from portal.catalog import hours
from portal.extensions import db
from portal.models import Location, Service, ServiceAtLocation
from portal.search import geo, synonyms
from portal.search.indexer import store
from portal.search.schema import SPELLING_FIELD, TEXT_FIELDS
from portal.search.store import IndexMissing, searchers

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
ALTERNATIVE_WEIGHT = 0.8
ALL_CONCEPTS_BOOST = 3.0
FUZZY_FIELDS = ("name", "categories", "description")
_stems = StemmingAnalyzer()
# Words that carry no meaning for finding a service ("I need help near me tonight").
FILLER_WORDS = frozenset("""
    i me my mine im i'm need needs want wants looking look find finding get getting help
    please where whats what's how who which some someone somebody place places tonight today
    now right just go going do does know like would could should there here near around
""".split())


@dataclass
class SearchParams:
    """A validated search; portal.directory.forms builds it from a URL's parameters."""

    q: str = ""
    categories: list[str] = field(default_factory=list)  # term ids (sub-terms included)
    languages: list[str] = field(default_factory=list)  # ISO codes
    details: list[str] = field(default_factory=list)  # payment-…, delivery-…, population-…
    age: int | None = None
    accepting: bool = False
    open_at: dt.datetime | None = None  # local wall-clock time
    near: geo.Point | None = None
    radius_miles: float | None = None
    sort: str = "relevance"  # or "distance"
    page: int = 1
    per_page: int = 20

    @property
    def filtered(self) -> bool:
        return bool(self.categories or self.languages or self.details or self.age is not None
                    or self.accepting or self.open_at or self.near)


@dataclass
class Hit:
    service_id: str
    distance_miles: float | None
    name_html: Markup
    snippet_html: Markup | None


@dataclass
class SearchPage:
    params: SearchParams
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    available: bool = True

    @property
    def service_ids(self) -> list[str]:
        return [hit.service_id for hit in self.hits]

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def per_page(self) -> int:
        return self.params.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    # The same names as a Flask-SQLAlchemy page, so one pagination macro serves both.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def search_services(params: SearchParams) -> SearchPage:
    result = SearchPage(params=params)
    words = _meaningful(synonyms.words_of(params.q[:MAX_QUERY_LENGTH]))
    if not words and not params.filtered:
        return result
    try:
        searcher = searchers.get(store())
    except IndexMissing:
        log.exception("search index unavailable")
        result.available = False
        return result
    reader = searcher.reader()
    text_query, result.suggestion = _text_query(words, searcher) if words else (wq.Every(), None)
    # Every() is left out of the And: whoosh normalizes And([Every(), x]) to Every().
    parts = [*_filters(params)] + ([] if isinstance(text_query, wq.Every) else [text_query])
    docs = set(searcher.docs_for_query(parts[0] if len(parts) == 1 else wq.And(parts)))
    if params.open_at is not None:
        docs = _open_at(searcher, docs, params.open_at)
    distances: dict[int, float | None] = {}
    if params.near is not None:
        docs, distances = _within(reader, docs, params.near, params.radius_miles)
    result.total = len(docs)
    result.facets = _facet_counts(reader, docs)
    start = (params.page - 1) * params.per_page
    if start >= len(docs):
        return result
    if params.sort == "distance" and params.near is not None:
        closed = reader.column_reader("closed_rank")
        ordered = sorted(docs, key=lambda d: (closed[d], distances[d] is None,
                                              distances[d] or 0.0, d))
        page_docs = ordered[start:start + params.per_page]
    else:
        hits = searcher.search(text_query, filter=docs, limit=start + params.per_page,
                               sortedby=[FieldFacet("closed_rank"), ScoreFacet()])
        page_docs = [hit.docnum for hit in hits][start:]
    terms = _highlight_terms(text_query, reader) if words else frozenset()
    for docnum in page_docs:
        stored = reader.stored_fields(docnum)
        result.hits.append(Hit(
            service_id=stored["id"],
            distance_miles=distances.get(docnum),
            name_html=_highlighted(stored.get("name", ""), terms, whole=True),
            snippet_html=_highlighted(stored.get("description", ""), terms) if terms else None,
        ))
    return result


# --- plain words ------------------------------------------------------------------------

def _meaningful(words: tuple[str, ...]) -> tuple[str, ...]:
    """Drop filler words, unless they are all there is or part of a synonym phrase."""
    kept = []
    for span, alternatives in synonyms.concepts(words):
        if len(span) > 1 or alternatives or span[0] not in FILLER_WORDS:
            kept.extend(span)
    return tuple(kept) or words


def _stems_of(phrase: tuple[str, ...]) -> list[str]:
    return [token.text for token in _stems(" ".join(phrase))]


def _phrase_query(phrase: tuple[str, ...], boost: float = 1.0) -> wq.Query | None:
    stems = _stems_of(phrase)
    if not stems:
        return None
    per_word = [wq.Or([wq.Term(f, stem) for f in TEXT_FIELDS]) for stem in stems]
    return (per_word[0] if len(per_word) == 1 else wq.And(per_word)).with_boost(boost)


def _known(reader, word: str) -> bool:
    """In the index as typed, or its stem is ("friend" is known when only "friends" is)."""
    if reader.doc_frequency(SPELLING_FIELD, word) > 0:
        return True
    stems = _stems_of((word,))
    return bool(stems) and any(reader.doc_frequency(f, stems[0]) > 0 for f in TEXT_FIELDS)


def _text_query(words: tuple[str, ...], searcher) -> tuple[wq.Query, str | None]:
    """Each concept (a synonym phrase or a word) becomes an OR of its ways of being written;
    documents matching more concepts score higher. Unknown words are matched fuzzily and
    corrected on the raw-word field, which gives the "Did you mean" text."""
    reader = searcher.reader()
    corrector = searcher.corrector(SPELLING_FIELD)
    concept_queries = []
    corrected_words = list(words)
    changed = False
    for span, alternatives in synonyms.concepts(words):
        variants = [_phrase_query(span)]
        variants += [_phrase_query(alt, ALTERNATIVE_WEIGHT) for alt in alternatives]
        if len(span) == 1 and not alternatives and not _known(reader, span[0]) \
                and len(span[0]) >= 4 and not span[0].isdigit():
            word = span[0]
            fix = next(iter(corrector.suggest(word, limit=1, maxdist=2)), None)
            if fix and fix != word:
                variants.append(_phrase_query((fix,), ALTERNATIVE_WEIGHT))
                for alt in synonyms.table().get((fix,), []):
                    variants.append(_phrase_query(alt, ALTERNATIVE_WEIGHT * ALTERNATIVE_WEIGHT))
                corrected_words[words.index(word)] = fix
                changed = True
            stem = _stems_of((word,))
            if stem:
                distance = 2 if len(word) >= 8 else 1
                variants += [wq.FuzzyTerm(f, stem[0], maxdist=distance, prefixlength=1,
                                          boost=0.5) for f in FUZZY_FIELDS]
        variants = [v for v in variants if v is not None]
        if variants:
            concept_queries.append(wq.Or(variants))
    if not concept_queries:
        return wq.NullQuery, None
    if len(concept_queries) == 1:
        return concept_queries[0], (" ".join(corrected_words) if changed else None)
    # Services that match every concept ("detox" and "spanish" and "medicaid") come first.
    query = wq.Or([wq.And(concept_queries).with_boost(ALL_CONCEPTS_BOOST),
                   wq.Or(concept_queries, scale=0.9)])
    return query, (" ".join(corrected_words) if changed else None)


def _highlight_terms(text_query: wq.Query, reader) -> frozenset[str]:
    """The stems the query looks for (fuzzy ones expanded), in any text field: every text
    field shares one analyzer, so a word is marked wherever it shows."""
    found: set[str] = set()
    for leaf in text_query.leaves():
        if isinstance(leaf, wq.FuzzyTerm):
            found.update(
                text.decode("utf-8") if isinstance(text, bytes) else text
                for _field, text in leaf.existing_terms(reader, expand=True)
            )
        else:
            found.update(text for _field, text in leaf.iter_all_terms(phrases=True))
    return frozenset(found)


class _MarkFormatter(highlight.Formatter):
    """<mark> around matched words; all other text is escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"<mark>{highlight.htmlescape(highlight.get_text(text, token, replace), quote=False)}</mark>"

    def _text(self, text):
        return highlight.htmlescape(text, quote=False)


def _highlighted(text: str, terms: frozenset[str], whole: bool = False) -> Markup:
    if not text:
        return Markup("")
    if not terms:
        return Markup.escape(text)
    fragmenter = highlight.WholeFragmenter() if whole else highlight.ContextFragmenter(
        maxchars=160, surround=60)
    marked = highlight.highlight(text, terms, _stems, fragmenter, _MarkFormatter(),
                                 top=2)
    # The formatter escaped everything it returns; a text with no match is escaped here.
    return Markup(marked) if marked else Markup.escape(text if whole else text[:200])


# --- filters ----------------------------------------------------------------------------

def _filters(params: SearchParams) -> list[wq.Query]:
    filters: list[wq.Query] = []
    if params.categories:
        filters.append(wq.Or([wq.Term("category", c) for c in params.categories]))
    for code in params.languages:
        filters.append(wq.Term("language", code.lower()))
    # Several values of one group widen (Medicaid or Medicare); different groups narrow.
    groups: dict[str, list[str]] = {}
    for code in params.details:
        groups.setdefault(code.split("-", 1)[0], []).append(code)
    for codes in groups.values():
        filters.append(wq.Or([wq.Term("detail", c) for c in codes]))
    if params.age is not None:
        filters.append(wq.NumericRange("min_age", None, params.age))
        filters.append(wq.NumericRange("max_age", params.age, None))
    if params.accepting:
        filters.append(wq.Term("accepting", "yes"))
    if params.open_at is not None:
        slot = params.open_at.weekday() * 24 + params.open_at.hour
        filters.append(wq.Or([wq.Term("open_hours", t) for t in ("always", f"f{slot}", f"p{slot}")]))
    if params.near is not None and params.radius_miles is not None:
        cells = geo.cells_within(params.near, params.radius_miles)
        if cells is not None:
            # Services with no location (phone lines, online) are reachable from anywhere.
            filters.append(wq.Or([wq.Term("geo", c) for c in cells] + [wq.Not(wq.Every("geo"))]))
    return filters


def _open_at(searcher, docs: set[int], moment: dt.datetime) -> set[int]:
    """Keep the services open at that moment: certain ones from the index, the rest checked
    against their schedules (opening or closing within the hour, or not the same each week)."""
    slot = moment.weekday() * 24 + moment.hour
    certain = set(searcher.docs_for_query(
        wq.Or([wq.Term("open_hours", "always"), wq.Term("open_hours", f"f{slot}")])
    )) & docs
    unsure = docs - certain
    if not unsure:
        return certain
    reader = searcher.reader()
    ids = {reader.stored_fields(d)["id"]: d for d in unsure}
    services = db.session.scalars(
        select(Service).where(Service.id.in_(list(ids))).options(
            selectinload(Service.schedules),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.schedules),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location)
            .selectinload(Location.schedules),
        )
    )
    return certain | {
        ids[s.id] for s in services if hours.is_open_at(hours.service_schedules(s), moment)
    }


def _within(reader, docs: set[int], centre: geo.Point, radius: float | None):
    coords = reader.column_reader("coords")
    kept, distances = set(), {}
    for docnum in docs:
        raw = coords[docnum]
        if not raw:
            kept.add(docnum)
            distances[docnum] = None
            continue
        nearest = min(
            geo.miles_between(centre, geo.Point(*map(float, pair.split(","))))
            for pair in raw.decode().split(";")
        )
        if radius is None or nearest <= radius:
            kept.add(docnum)
            distances[docnum] = nearest
    return kept, distances


def _facet_counts(reader, docs: set[int]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    column = reader.column_reader("facets")
    for docnum in docs:
        for token in column[docnum].decode().split():
            kind, _, value = token.partition(":")
            bucket = counts.setdefault(kind, {})
            bucket[value] = bucket.get(value, 0) + 1
    return counts

