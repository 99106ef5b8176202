"""Running a search: plain words with synonyms and typo forgiveness, filters, facets, distance."""
from __future__ import annotations

import datetime as dt
import heapq
import logging
import math
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import highlight, query as wq
from whoosh.analysis import StemmingAnalyzer

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
FUZZY_WEIGHT = 0.5
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
    except IndexMissing as exc:
        log.warning("search unavailable: %s", exc)
        result.available = False
        return result
    reader = searcher.reader()
    match = _match_words(words, searcher) if words else None
    filters = _filters(params)
    # Every() is never put inside an And: whoosh normalizes And([Every(), x]) to Every().
    filtered = wq.And(filters) if len(filters) > 1 else (filters[0] if filters else wq.Every())
    if match is not None:
        docs = set(match.scores)
        if filters:
            docs &= set(searcher.docs_for_query(filtered))
        result.suggestion = match.suggestion
    else:
        docs = set(searcher.docs_for_query(filtered))
    if params.open_at is not None:
        docs = _open_at(searcher, docs, params.open_at)
    distances: dict[int, float | None] = {}
    if params.near is not None:
        docs, distances = _within(reader, docs, params.near, params.radius_miles)
    result.total = len(docs)
    result.facets = _facet_counts(searcher, docs)
    start = (params.page - 1) * params.per_page
    if start >= len(docs):
        return result
    closed = _memoized("closed", lambda: set(searcher.docs_for_query(
        wq.NumericRange("closed_rank", 1, 1))))
    if params.sort == "distance" and params.near is not None:
        key = lambda d: (d in closed, distances[d] is None, distances[d] or 0.0, d)  # noqa: E731
    elif match is not None:
        key = lambda d: (d in closed, -match.scores[d], d)  # noqa: E731
    else:
        names = reader.column_reader("name_key")
        key = lambda d: (d in closed, names[d], d)  # noqa: E731
    page_docs = heapq.nsmallest(start + params.per_page, docs, key=key)[start:]
    stems = match.stems if match is not None else frozenset()
    for docnum in page_docs:
        stored = reader.stored_fields(docnum)
        result.hits.append(Hit(
            service_id=stored["id"],
            distance_miles=distances.get(docnum),
            name_html=_highlighted(stored.get("name", ""), stems, whole=True),
            snippet_html=_highlighted(stored.get("description", ""), stems) if stems else None,
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


def _known(reader, word: str) -> bool:
    """In the index as typed, or its stem is ("friend" is known when only "friends" is)."""
    if reader.doc_frequency(SPELLING_FIELD, word) > 0:
        return True
    stems = _stems_of((word,))
    return bool(stems) and any(reader.doc_frequency(f, stems[0]) > 0 for f in TEXT_FIELDS)


@dataclass
class _TextMatch:
    scores: dict[int, float]  # docnum -> relevance, only documents that match
    stems: frozenset[str]  # what to highlight
    suggestion: str | None


def _term_scores(reader, stem: str, weight: float, doc_count: int) -> dict[int, float]:
    """A stem's score in every document that has it, summed over the text fields.

    BM25-like without length normalisation: idf × saturating term frequency × field boost.
    Postings are read directly: far cheaper than Whoosh's matcher trees for these queries.
    """
    scores: dict[int, float] = {}
    for fieldname, boost in TEXT_FIELDS.items():
        frequency = reader.doc_frequency(fieldname, stem)
        if not frequency:
            continue
        idf = math.log(1 + (doc_count - frequency + 0.5) / (frequency + 0.5))
        factor = weight * boost * idf
        for docnum, stored_weight in reader.postings(fieldname, stem).items_as("weight"):
            tf = stored_weight / boost  # the index multiplied it by the field boost
            scores[docnum] = scores.get(docnum, 0.0) + factor * tf / (tf + 1.2)
    return scores


TERM_CACHE_SIZE = 512


def _cached_term_scores(reader, stem: str, weight: float, doc_count: int) -> dict[int, float]:
    cache = _memoized("terms", dict)
    key = (stem, weight)
    if key not in cache:
        if len(cache) >= TERM_CACHE_SIZE:
            cache.pop(next(iter(cache)))  # the oldest entry
        cache[key] = _term_scores(reader, stem, weight, doc_count)
    return cache[key]


def _variant_scores(reader, stems: list[str], weight: float, doc_count: int) -> dict[int, float]:
    """All stems of a phrase must appear (in any text field); their scores add up."""
    combined: dict[int, float] | None = None
    for stem in stems:
        scores = _cached_term_scores(reader, stem, weight, doc_count)
        if combined is None:
            combined = scores
        else:
            combined = {d: combined[d] + v for d, v in scores.items() if d in combined}
        if not combined:
            return {}
    return combined or {}


def _match_words(words: tuple[str, ...], searcher) -> _TextMatch:
    """Each concept (a synonym phrase or a word) scores a document by its best way of being
    written there (alternatives do not add up); concepts add up, and documents matching
    every concept come first. Unknown words are corrected on the raw-word field ("Did you
    mean") and matched fuzzily."""
    reader = searcher.reader()
    doc_count = max(1, reader.doc_count_all())
    corrector = searcher.corrector(SPELLING_FIELD)
    concept_scores: list[dict[int, float]] = []
    used: set[str] = set()
    corrected = list(words)
    for span, alternatives in synonyms.concepts(words):
        variants: list[tuple[list[str], float]] = [(_stems_of(span), 1.0)]
        variants += [(_stems_of(alt), ALTERNATIVE_WEIGHT) for alt in alternatives]
        if len(span) == 1 and not alternatives and len(span[0]) >= 4 \
                and not span[0].isdigit() and not _known(reader, span[0]):
            fix = next(iter(corrector.suggest(span[0], limit=1, maxdist=2)), None)
            if fix and fix != span[0]:
                corrected[words.index(span[0])] = fix
                variants.append((_stems_of((fix,)), ALTERNATIVE_WEIGHT))
                variants += [(_stems_of(alt), ALTERNATIVE_WEIGHT ** 2)
                             for alt in synonyms.table().get((fix,), [])]
            variants += [([near], FUZZY_WEIGHT) for near in _fuzzy_stems(reader, span[0])]
        best: dict[int, float] = {}
        for stems, weight in variants:
            if not stems:
                continue
            scores = _variant_scores(reader, stems, weight, doc_count)
            if scores:
                used.update(stems)
            for docnum, score in scores.items():
                if score > best.get(docnum, 0.0):
                    best[docnum] = score
        if best or any(stems for stems, _w in variants):
            concept_scores.append(best)
    totals: dict[int, float] = {}
    matched: dict[int, int] = {}
    for scores in concept_scores:
        for docnum, score in scores.items():
            totals[docnum] = totals.get(docnum, 0.0) + score
            matched[docnum] = matched.get(docnum, 0) + 1
    wanted = len(concept_scores)
    if wanted > 1:
        for docnum in totals:
            share = matched[docnum] / wanted
            totals[docnum] *= share * share * (ALL_CONCEPTS_BOOST if share == 1 else 1.0)
    suggestion = " ".join(corrected) if corrected != list(words) else None
    return _TextMatch(totals, frozenset(used), suggestion)


def _fuzzy_stems(reader, word: str) -> list[str]:
    """Indexed stems within one or two edits of the word's stem (two for long words)."""
    stems = _stems_of((word,))
    if not stems:
        return []
    distance = 2 if len(word) >= 8 else 1
    found: set[str] = set()
    for fieldname in FUZZY_FIELDS:
        found.update(reader.terms_within(fieldname, stems[0], distance, prefix=1))
    found.discard(stems[0])
    return sorted(found)


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
            filters.append(wq.Or([wq.Term("geo", c) for c in [*cells, geo.NOWHERE]]))
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


def _coordinates(reader) -> dict[int, list[geo.Point]]:
    """Every located document's points, parsed once per index version (DESIGN.md: a cache
    of stored coordinates beats indexing them as numbers)."""
    column = reader.column_reader("coords")
    found = {}
    for docnum in range(reader.doc_count_all()):
        raw = column[docnum]
        if raw:
            found[docnum] = [geo.Point(*map(float, pair.split(",")))
                             for pair in raw.decode().split(";")]
    return found


def _within(reader, docs: set[int], centre: geo.Point, radius: float | None):
    """Documents within the radius with their distance; ones with no location stay (None)."""
    coordinates = _memoized("coordinates", lambda: _coordinates(reader))
    kept, distances = set(), {}
    for docnum in docs:
        points = coordinates.get(docnum)
        if not points:
            kept.add(docnum)
            distances[docnum] = None
            continue
        nearest = min(geo.miles_between(centre, point) for point in points)
        if radius is None or nearest <= radius:
            kept.add(docnum)
            distances[docnum] = nearest
    return kept, distances


FACET_FIELDS = ("category", "language", "detail", "accepting")


def _memoized(key, compute):
    """A value derived from the current searcher's index, computed once per index version."""
    memo = searchers.memo()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _facet_counts(searcher, docs: set[int]) -> dict[str, dict[str, int]]:
    """How many of the results have each filter value: set intersections with the documents
    of each value, read once per index version."""
    def document_sets():
        reader = searcher.reader()
        return {
            fieldname: {
                term.decode("utf-8"): frozenset(reader.postings(fieldname, term).all_ids())
                for term in reader.lexicon(fieldname)
            }
            for fieldname in FACET_FIELDS if fieldname in reader.indexed_field_names()
        }

    counts: dict[str, dict[str, int]] = {}
    for fieldname, values in _memoized("facets", document_sets).items():
        found = {value: len(docs & members) for value, members in values.items()}
        counts[fieldname] = {value: n for value, n in found.items() if n}
    return counts
