"""Text relevance: which documents match the concepts of a search, and how well.

A stem scores a document in each text field it appears in: idf × saturating term frequency
× field boost (BM25-like, without length normalisation), summed over the fields. The idf is
the current view's, always: a view carries over each term's postings (which documents, how
often) from the previous one, never its scores, so ranking does not depend on the history of
updates. Scores are arrays over document numbers (0 where a document does not match).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np
from whoosh.reading import TermNotFound

from portal.search import spelling, synonyms
from portal.search.index_view import IndexChange, IndexView
from portal.search.interpretation import Interpretation
from portal.search.schema import SPELLING_FIELD, TEXT_FIELDS

ALTERNATIVE_WEIGHT = 0.8
FUZZY_WEIGHT = 0.5
ALL_CONCEPTS_BOOST = 3.0
TF_SATURATION = 1.2
POSTINGS_CACHE_SIZE = 1024


@dataclass(frozen=True)
class TextMatch:
    scores: np.ndarray  # relevance per document number; 0 where it does not match
    stems: frozenset[str]  # what to highlight
    suggestion: str | None  # the words with unknown ones corrected ("Did you mean")

    @property
    def found(self) -> np.ndarray:
        return self.scores > 0


@dataclass(frozen=True)
class Postings:
    """Where a stem appears in one field: document numbers and term frequencies."""

    docs: np.ndarray
    frequencies: np.ndarray

    @classmethod
    def read(cls, parts, fieldname: str, stem: str, boost: float) -> Postings:
        docs: list[int] = []
        frequencies: list[float] = []
        for part, offset in parts:
            with contextlib.suppress(TermNotFound):  # not in this segment
                for docnum, weight in part.postings(fieldname, stem).items_as("weight"):
                    docs.append(offset + docnum)
                    frequencies.append(weight / boost)  # the index multiplied it by the boost
        return cls(np.array(docs, dtype=np.int64), np.array(frequencies, dtype=np.float64))

    def carried(self, change: IndexChange, added: Postings) -> Postings:
        keep = self.docs < change.kept
        if change.removed:
            removed = np.fromiter(change.removed, dtype=np.int64)
            keep &= ~np.isin(self.docs, removed)
        return Postings(
            np.concatenate([self.docs[keep], added.docs]),
            np.concatenate([self.frequencies[keep], added.frequencies]),
        )


def postings(view: IndexView, fieldname: str, stem: str) -> Postings:
    boost = TEXT_FIELDS[fieldname]
    return view.derived(
        "postings",
        (fieldname, stem),
        lambda: Postings.read([(view.reader, 0)], fieldname, stem, boost),
        lambda old, change: old.carried(
            change, Postings.read(change.added, fieldname, stem, boost)
        ),
        size=POSTINGS_CACHE_SIZE,
    )


def _is_known(view: IndexView, word: str) -> bool:
    """In the index as typed, or its stem is in a document ("friend" is known when only
    "friends" is)."""
    if view.reader.doc_frequency(SPELLING_FIELD, word) > 0:
        return True
    stems = spelling.stems_of((word,))
    return bool(stems) and any(len(postings(view, f, stems[0]).docs) for f in TEXT_FIELDS)


@dataclass(frozen=True)
class StemScores:
    """A stem's score (at weight 1) in the documents that have it, summed over the text
    fields: document numbers in ascending order, and their scores."""

    docs: np.ndarray
    scores: np.ndarray


def stem_scores(view: IndexView, stem: str) -> StemScores:
    """Rarity counts the documents there are, not those an update deleted and a merge has
    not yet removed (which whoosh's doc_frequency still counts), so scores are those of an
    index built afresh. Computed once per view: a view never carries scores over."""

    def compute() -> StemScores:
        live = max(1, view.reader.doc_count())
        docs, contributions = [], []
        for fieldname, boost in TEXT_FIELDS.items():
            found = postings(view, fieldname, stem)
            frequency = len(found.docs)
            if not frequency:
                continue
            idf = math.log(1 + (live - frequency + 0.5) / (frequency + 0.5))
            tf = found.frequencies
            docs.append(found.docs)
            contributions.append(boost * idf * tf / (tf + TF_SATURATION))
        if not docs:
            return StemScores(np.zeros(0, dtype=np.int64), np.zeros(0))
        unique, where = np.unique(np.concatenate(docs), return_inverse=True)
        return StemScores(unique, np.bincount(where, weights=np.concatenate(contributions)))

    return view.derived("stem_scores", stem, compute, size=POSTINGS_CACHE_SIZE)


def variant_scores(view: IndexView, stems: list[str], weight: float) -> StemScores:
    """All stems of a phrase must appear (in any text field); their scores add up."""
    found = [stem_scores(view, stem) for stem in stems]
    if len(found) == 1:
        return StemScores(found[0].docs, weight * found[0].scores)
    docs = found[0].docs
    for other in found[1:]:
        docs = np.intersect1d(docs, other.docs, assume_unique=True)
    total = np.zeros(len(docs))
    for each in found:
        total += each.scores[np.searchsorted(each.docs, docs)]
    return StemScores(docs, weight * total)


def match_words(view: IndexView, interpretation: Interpretation) -> TextMatch:
    """Each concept (a synonym phrase or a word) scores a document by its best way of being
    written there (alternatives do not add up); concepts add up, and documents matching
    every concept come first. Unknown words are corrected on the raw-word field ("Did you
    mean") and matched fuzzily."""
    words = interpretation.words
    typed = interpretation.typed or words
    concept_scores: list[np.ndarray] = []
    used: set[str] = set()
    corrected = list(typed)
    for concept in interpretation.concepts:
        span = concept.words
        variants: list[tuple[list[str], float]] = [(spelling.stems_of(span), 1.0)]
        variants += [(spelling.stems_of(alt), ALTERNATIVE_WEIGHT) for alt in concept.alternatives]
        if (
            len(span) == 1
            and not concept.alternatives
            and len(span[0]) >= 4
            and not span[0].isdigit()
            and not _is_known(view, span[0])
        ):
            fix, near_stems = spelling.correction(view, span[0])
            if fix:
                if span[0] in corrected:
                    corrected[corrected.index(span[0])] = fix
                twin = synonyms.translate((fix,))  # a Spanish correction means its twin
                variants.append((spelling.stems_of(twin), ALTERNATIVE_WEIGHT))
                variants += [
                    (spelling.stems_of(alt), ALTERNATIVE_WEIGHT**2)
                    for alt in synonyms.table().get(synonyms.fold(twin), [])
                ]
            variants += [([near], FUZZY_WEIGHT) for near in near_stems]
        best = np.zeros(view.doc_count, dtype=np.float64)
        for stems, weight in variants:
            if not stems:
                continue
            found = variant_scores(view, stems, weight)
            if len(found.docs):
                used.update(stems)
                best[found.docs] = np.maximum(best[found.docs], found.scores)
        if any(stems for stems, _weight in variants):
            concept_scores.append(best)
    totals = np.zeros(view.doc_count, dtype=np.float64)
    matched = np.zeros(view.doc_count, dtype=np.int64)
    for scores in concept_scores:
        totals += scores
        matched += scores > 0
    wanted = len(concept_scores)
    if wanted > 1:
        share = matched / wanted
        totals *= share * share * np.where(matched == wanted, ALL_CONCEPTS_BOOST, 1.0)
    suggestion = " ".join(corrected) if corrected != list(typed) else None
    return TextMatch(totals, frozenset(used), suggestion)
