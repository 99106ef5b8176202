"""Running a search: plain words with synonyms and typo forgiveness, filters, facets, distance."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import logging
import math
from dataclasses import dataclass, field

from markupsafe import Markup
from whoosh import highlight
from whoosh import query as wq
from whoosh.analysis import StemmingAnalyzer
from whoosh.reading import TermNotFound

from portal.catalog import hours
from portal.catalog.hours import MINUTES_PER_DAY, MINUTES_PER_WEEK
from portal.search import documents, geo, synonyms
from portal.search.indexer import store
from portal.search.schema import NO_AGE_LIMIT, SPELLING_FIELD, TEXT_FIELDS
from portal.search.store import BoundedCache, IndexChange, IndexMissing, searchers

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
ALTERNATIVE_WEIGHT = 0.8
FUZZY_WEIGHT = 0.5
ALL_CONCEPTS_BOOST = 3.0
FUZZY_FIELDS = ("name", "categories", "description")
CALLER_CACHE_SIZE = 2000
_stems = StemmingAnalyzer()
# Words that carry no meaning for finding a service ("I need help near me tonight").
FILLER_WORDS = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "im",
        "i'm",
        "need",
        "needs",
        "want",
        "wants",
        "looking",
        "look",
        "find",
        "finding",
        "get",
        "getting",
        "help",
        "please",
        "where",
        "whats",
        "what's",
        "how",
        "who",
        "which",
        "some",
        "someone",
        "somebody",
        "place",
        "places",
        "tonight",
        "today",
        "now",
        "right",
        "just",
        "go",
        "going",
        "do",
        "does",
        "know",
        "like",
        "would",
        "could",
        "should",
        "there",
        "here",
        "near",
        "around",
    ]
)


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
        return bool(
            self.categories
            or self.languages
            or self.details
            or self.age is not None
            or self.accepting
            or self.open_at
            or self.near
        )


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
    # Kept as long as the index is unchanged (per process and thread), for what callers
    # derive from results, such as list entries.
    index_cache: BoundedCache = field(default_factory=lambda: BoundedCache(CALLER_CACHE_SIZE))

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
    result.index_cache = _memo(
        "callers", None, lambda: BoundedCache(CALLER_CACHE_SIZE), carry=_without_changed_services
    )
    reader = searcher.reader()
    if reader.doc_count() == 0:  # an empty index has no columns to read
        return result
    match = _match_words(words, searcher) if words else None
    allowed = _filter_docs(searcher, params)
    if match is not None:
        docs = set(match.scores) if allowed is None else allowed.intersection(match.scores)
        result.suggestion = match.suggestion
    else:
        docs = set(allowed if allowed is not None else _live_docs(searcher))
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
    closed = _term_docs(reader, "temporarily_closed", "yes")
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
        result.hits.append(
            Hit(
                service_id=stored["id"],
                distance_miles=distances.get(docnum),
                name_html=_highlighted(stored.get("name", ""), stems, whole=True),
                snippet_html=_highlighted(stored.get("description", ""), stems) if stems else None,
            )
        )
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


def _term_scores(reader, stem: str, weight: float, doc_count: int, parts=None) -> dict[int, float]:
    """A stem's score in every document that has it, summed over the text fields.

    BM25-like without length normalisation: idf × saturating term frequency × field boost.
    Postings are read directly: far cheaper than Whoosh's matcher trees for these queries.
    `parts` limits the documents to some segments (reader, first document number).
    """
    scores: dict[int, float] = {}
    for fieldname, boost in TEXT_FIELDS.items():
        frequency = reader.doc_frequency(fieldname, stem)
        if not frequency:
            continue
        idf = math.log(1 + (doc_count - frequency + 0.5) / (frequency + 0.5))
        factor = weight * boost * idf
        for part, offset in parts if parts is not None else [(reader, 0)]:
            try:
                postings = part.postings(fieldname, stem).items_as("weight")
            except TermNotFound:  # not in this segment
                continue
            for docnum, stored_weight in postings:
                tf = stored_weight / boost  # the index multiplied it by the field boost
                docnum += offset
                scores[docnum] = scores.get(docnum, 0.0) + factor * tf / (tf + 1.2)
    return scores


TERM_CACHE_SIZE = 512


def _cached_term_scores(reader, stem: str, weight: float, doc_count: int) -> dict[int, float]:
    def carry(old: dict[int, float], change: IndexChange) -> dict[int, float]:
        # Unchanged documents keep the word's old rarity (idf); a rebuild evens it out.
        scores = {d: score for d, score in old.items() if d not in change.removed}
        scores.update(_term_scores(reader, stem, weight, doc_count, parts=change.added))
        return scores

    return _memo(
        "terms",
        (stem, weight),
        lambda: _term_scores(reader, stem, weight, doc_count),
        carry,
        size=TERM_CACHE_SIZE,
    )


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
    concept_scores: list[dict[int, float]] = []
    used: set[str] = set()
    corrected = list(words)
    for span, alternatives in synonyms.concepts(words):
        variants: list[tuple[list[str], float]] = [(_stems_of(span), 1.0)]
        variants += [(_stems_of(alt), ALTERNATIVE_WEIGHT) for alt in alternatives]
        if (
            len(span) == 1
            and not alternatives
            and len(span[0]) >= 4
            and not span[0].isdigit()
            and not _known(reader, span[0])
        ):
            fix, near_stems = _spelling(searcher, span[0])
            if fix:
                corrected[words.index(span[0])] = fix
                variants.append((_stems_of((fix,)), ALTERNATIVE_WEIGHT))
                variants += [
                    (_stems_of(alt), ALTERNATIVE_WEIGHT**2)
                    for alt in synonyms.table().get((fix,), [])
                ]
            variants += [([near], FUZZY_WEIGHT) for near in near_stems]
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


SPELLING_CACHE_SIZE = 512


def _spelling(searcher, word: str) -> tuple[str | None, list[str]]:
    """An unknown word's likeliest correction (a word in the index; the first letter is
    taken as typed) and the indexed stems near its stem; kept per index version, as the
    same misspellings come back and walking the term lists costs milliseconds."""

    def compute():
        corrector = searcher.corrector(SPELLING_FIELD)
        fix = next(iter(corrector.suggest(word, limit=1, maxdist=2, prefix=1)), None)
        return (fix if fix != word else None, _fuzzy_stems(searcher.reader(), word))

    return _memo("spelling", word, compute, size=SPELLING_CACHE_SIZE)


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
        marked = highlight.get_text(text, token, replace)
        return f"<mark>{highlight.htmlescape(marked, quote=False)}</mark>"

    def _text(self, text):
        return highlight.htmlescape(text, quote=False)


def _highlighted(text: str, terms: frozenset[str], whole: bool = False) -> Markup:
    if not text:
        return Markup("")
    if not terms:
        return Markup.escape(text)
    fragmenter = (
        highlight.WholeFragmenter()
        if whole
        else highlight.ContextFragmenter(maxchars=160, surround=60)
    )
    marked = highlight.highlight(text, terms, _stems, fragmenter, _MarkFormatter(), top=2)
    # The formatter escaped everything it returns; a text with no match is escaped here.
    return Markup(marked) if marked else Markup.escape(text if whole else text[:200])


# --- filters ----------------------------------------------------------------------------

TERM_DOCS_CACHE_SIZE = 4096


def _term_docs(reader, fieldname: str, value: str) -> frozenset[int]:
    """The documents that have this exact term, read once per index version."""

    def compute() -> frozenset[int]:
        try:
            return frozenset(reader.postings(fieldname, value).all_ids())
        except TermNotFound:
            return frozenset()

    def carry(old: frozenset[int], change: IndexChange) -> frozenset[int]:
        return frozenset((old - change.removed) | change.added_docs_with(fieldname, value))

    return _memo("term_docs", (fieldname, value), compute, carry, size=TERM_DOCS_CACHE_SIZE)


def _any_of(reader, fieldname: str, values) -> frozenset[int]:
    found: set[int] = set()
    for value in values:
        found |= _term_docs(reader, fieldname, value)
    return frozenset(found)


def _live_docs(searcher) -> frozenset[int]:
    return _memo(
        "live",
        None,
        lambda: frozenset(searcher.docs_for_query(wq.Every())),
        lambda old, change: frozenset((old - change.removed) | change.added_docs()),
    )


def _filter_docs(searcher, params: SearchParams) -> set[int] | None:
    """The documents that pass every filter (None when there is no filter), as intersections
    of per-term document sets: far cheaper than running Whoosh queries for each search."""
    reader = searcher.reader()
    sets: list[frozenset[int]] = []
    if params.categories:
        sets.append(_any_of(reader, "category", params.categories))
    for code in params.languages:
        sets.append(_term_docs(reader, "language", code.lower()))
    # Several values of one group widen (Medicaid or Medicare); different groups narrow.
    groups: dict[str, list[str]] = {}
    for code in params.details:
        groups.setdefault(code.split("-", 1)[0], []).append(code)
    for codes in groups.values():
        sets.append(_any_of(reader, "detail", codes))
    if params.age is not None:
        sets.append(_of_age(searcher, params.age))
    if params.accepting:
        sets.append(_term_docs(reader, "accepting", "yes"))
    if params.open_at is not None:
        _certain, possible = documents.open_tokens_at(_minute_of_week(params.open_at))
        sets.append(_any_of(reader, "open_times", possible))
    if params.near is not None and params.radius_miles is not None:
        cells = geo.cells_within(params.near, params.radius_miles)
        if cells is not None:
            # Services with no location (phone lines, online) are reachable from anywhere.
            sets.append(_any_of(reader, "geo", [*cells, geo.NOWHERE]))
    if not sets:
        return None
    sets.sort(key=len)
    found = set(sets[0])
    for other in sets[1:]:
        found &= other
    return found


def _ages(reader) -> tuple[list[int], list[int]]:
    """Every document's minimum and maximum age, by document number."""

    def of(parts) -> tuple[list[int], list[int]]:
        lows: list[int] = []
        highs: list[int] = []
        for part, _offset in parts:
            lows += part.column_reader("min_age")
            highs += part.column_reader("max_age")
        return lows, highs

    def carry(old, change: IndexChange):
        more = of(change.added)
        return old[0][: change.kept] + more[0], old[1][: change.kept] + more[1]

    return _memo("ages", None, lambda: of([(reader, 0)]), carry)


def _of_age(searcher, age: int) -> frozenset[int]:
    """Services whose minimum and maximum ages admit this age."""

    def admitted(docs) -> frozenset[int]:
        lows, highs = _ages(searcher.reader())
        return frozenset(d for d in docs if lows[d] <= age <= highs[d])

    return _memo(
        "age",
        age,
        lambda: admitted(_live_docs(searcher)),
        lambda old, change: (old - change.removed) | admitted(change.added_docs()),
        size=NO_AGE_LIMIT + 1,
    )


def _open_at(searcher, docs: set[int], moment: dt.datetime) -> set[int]:
    """Keep the services open at that moment: certain ones from the index terms, the rest
    checked against the weekly minutes or the schedules the index keeps for them."""
    reader = searcher.reader()
    minute = _minute_of_week(moment)
    certain = docs & _any_of(reader, "open_times", documents.open_tokens_at(minute)[0])
    unsure = docs - certain
    if not unsure:
        return certain
    weekly = reader.column_reader("weekly_minutes")
    schedules = reader.column_reader("schedules")
    kept = set(certain)
    for docnum in unsure:
        if raw := weekly[docnum]:
            if _within_week(raw, minute):
                kept.add(docnum)
        elif raw := schedules[docnum]:
            facts = [hours.ScheduleFacts.from_strings(values) for values in json.loads(raw)]
            if hours.is_open_at(facts, moment):
                kept.add(docnum)
    return kept


def _minute_of_week(moment: dt.datetime) -> int:
    return moment.weekday() * MINUTES_PER_DAY + moment.hour * 60 + moment.minute


def _within_week(raw: bytes, minute: int) -> bool:
    """Is the minute of the week inside one of the "start-end;…" intervals (which may run
    past the end of Sunday into Monday)?"""
    for pair in raw.decode().split(";"):
        start, end = map(int, pair.split("-"))
        if start <= minute < end or start <= minute + MINUTES_PER_WEEK < end:
            return True
    return False


def _coordinates(parts) -> dict[int, tuple[geo.Radians, ...]]:
    """Every located document's points, parsed once per index version (DESIGN.md: a cache
    of stored coordinates beats indexing them as numbers)."""
    found = {}
    for part, offset in parts:
        column = part.column_reader("coords")
        for docnum in range(part.doc_count_all()):
            raw = column[docnum]
            if raw:
                found[offset + docnum] = tuple(
                    geo.radians(geo.Point(*map(float, pair.split(","))))
                    for pair in raw.decode().split(";")
                )
    return found


def _carry_coordinates(old: dict, change: IndexChange) -> dict[int, tuple[geo.Radians, ...]]:
    kept = {d: points for d, points in old.items() if d not in change.removed}
    kept.update(_coordinates(change.added))
    return kept


def _within(reader, docs: set[int], centre: geo.Point, radius: float | None):
    """Documents within the radius with their distance; ones with no location stay (None)."""
    coordinates = _memo(
        "coordinates", None, lambda: _coordinates([(reader, 0)]), _carry_coordinates
    )
    origin = geo.radians(centre)
    kept, distances = set(), {}
    for docnum in docs:
        points = coordinates.get(docnum)
        if not points:
            kept.add(docnum)
            distances[docnum] = None
            continue
        nearest = min(geo.miles_between_radians(origin, point) for point in points)
        if radius is None or nearest <= radius:
            kept.add(docnum)
            distances[docnum] = nearest
    return kept, distances


FACET_FIELDS = ("category", "language", "detail", "accepting")


def _memo(kind: str, key, compute, carry=None, size: int = 1):
    """A value derived from the current searcher's index, computed once per index version,
    or carried over from the previous version by `carry(old value, IndexChange)`."""
    return searchers.memo().remember(kind, key, compute, carry, size)


def _without_changed_services(cards: BoundedCache, change: IndexChange) -> BoundedCache:
    """Result cards are keyed by (service id, …); the changed services' cards are dropped."""
    kept = BoundedCache(cards.size)
    kept.update((key, card) for key, card in cards.items() if key[0] not in change.service_ids)
    return kept


def _facet_values(parts, known: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The values of each facet field in these segments, added to the known ones."""
    found = {fieldname: set(values) for fieldname, values in (known or {}).items()}
    for part, _offset in parts:
        for fieldname in FACET_FIELDS:
            if fieldname in part.indexed_field_names():
                found.setdefault(fieldname, set()).update(
                    term.decode("utf-8") for term in part.lexicon(fieldname)
                )
    return {fieldname: sorted(values) for fieldname, values in found.items()}


def _facet_counts(searcher, docs: set[int]) -> dict[str, dict[str, int]]:
    """How many of the results have each filter value: intersections with the documents of
    each value, read once per index version."""
    reader = searcher.reader()
    values = _memo(
        "facet_values",
        None,
        lambda: _facet_values([(reader, 0)]),
        lambda old, change: _facet_values(change.added, old),
    )
    counts: dict[str, dict[str, int]] = {}
    for fieldname, terms in values.items():
        found = {value: len(docs & _term_docs(reader, fieldname, value)) for value in terms}
        counts[fieldname] = {value: n for value, n in found.items() if n}
    return counts
