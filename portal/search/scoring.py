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
from portal.search.schema import TEXT_FIELDS

ALTERNATIVE_WEIGHT = 0.8
FUZZY_WEIGHT = 0.5
ALL_CONCEPTS_BOOST = 3.0
TF_SATURATION = 1.2
POSTINGS_CACHE_SIZE = 2048


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


def stem_scores(view: IndexView, stem: str, weight: float) -> np.ndarray:
    """A stem's score in every document, summed over the text fields. Rarity counts the
    documents there are, not those an update deleted and a merge has not yet removed (which
    whoosh's doc_frequency still counts), so scores are those of an index built afresh."""
    live = max(1, view.reader.doc_count())
    scores = np.zeros(view.doc_count, dtype=np.float64)
    for fieldname, boost in TEXT_FIELDS.items():
        found = postings(view, fieldname, stem)
        frequency = len(found.docs)
        if not frequency:
            continue
        idf = math.log(1 + (live - frequency + 0.5) / (frequency + 0.5))
        tf = found.frequencies
        scores[found.docs] += weight * boost * idf * tf / (tf + TF_SATURATION)
    return scores


def variant_scores(view: IndexView, stems: list[str], weight: float) -> np.ndarray:
    """All stems of a phrase must appear (in any text field); their scores add up."""
    total = np.zeros(view.doc_count, dtype=np.float64)
    everywhere = np.ones(view.doc_count, dtype=bool)
    for stem in stems:
        scores = stem_scores(view, stem, weight)
        everywhere &= scores > 0
        total += scores
    total[~everywhere] = 0.0
    return total


def match_words(view: IndexView, interpretation: Interpretation) -> TextMatch:
    """Each concept (a synonym phrase or a word) scores a document by its best way of being
    written there (alternatives do not add up); concepts add up, and documents matching
    every concept come first. Unknown words are corrected on the raw-word field ("Did you
    mean") and matched fuzzily."""
    words = interpretation.words
    concept_scores: list[np.ndarray] = []
    used: set[str] = set()
    corrected = list(words)
    for concept in interpretation.concepts:
        span = concept.words
        variants: list[tuple[list[str], float]] = [(spelling.stems_of(span), 1.0)]
        variants += [(spelling.stems_of(alt), ALTERNATIVE_WEIGHT) for alt in concept.alternatives]
        if (
            len(span) == 1
            and not concept.alternatives
            and len(span[0]) >= 4
            and not span[0].isdigit()
            and not spelling.is_known(view, span[0])
        ):
            fix, near_stems = spelling.correction(view, span[0])
            if fix:
                corrected[words.index(span[0])] = fix
                variants.append((spelling.stems_of((fix,)), ALTERNATIVE_WEIGHT))
                variants += [
                    (spelling.stems_of(alt), ALTERNATIVE_WEIGHT**2)
                    for alt in synonyms.table().get((fix,), [])
                ]
            variants += [([near], FUZZY_WEIGHT) for near in near_stems]
        best = np.zeros(view.doc_count, dtype=np.float64)
        for stems, weight in variants:
            if not stems:
                continue
            scores = variant_scores(view, stems, weight)
            if scores.any():
                used.update(stems)
                np.maximum(best, scores, out=best)
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
    suggestion = " ".join(corrected) if corrected != list(words) else None
    return TextMatch(totals, frozenset(used), suggestion)
