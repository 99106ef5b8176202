"""What the words of a search ask for: its meaningful words, grouped into concepts.

A concept is a synonym phrase or a single word, with the other ways of writing it that
synonyms.txt gives. This stage reads no index; the stages after it (scoring.match_words)
look the concepts up in the index, correcting unknown words there.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from portal.search import synonyms
from portal.search.results import MAX_QUERY_LENGTH

NEEDS_FILE = Path(__file__).with_name("needs.toml")


@dataclass(frozen=True)
class Need:
    name: str  # free, room
    phrases: tuple[tuple[str, ...], ...]
    details: tuple[str, ...]  # the detail codes of the services that meet it


@dataclass(frozen=True)
class Needs:
    filler: frozenset[str]
    needs: tuple[Need, ...]


@lru_cache(maxsize=1)
def needs_data() -> Needs:
    with NEEDS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    return Needs(
        # Folded (no accents), as the words are compared: people type Spanish either way.
        frozenset(w for item in data["filler"] for w in synonyms.fold(synonyms.words_of(item))),
        tuple(
            Need(
                name,
                tuple(
                    synonyms.fold(synonyms.words_of(p))
                    for p in spec["phrases"]
                    if synonyms.words_of(p)
                ),
                tuple(spec.get("details", ())),
            )
            for name, spec in data["needs"].items()
        ),
    )


@dataclass(frozen=True)
class Concept:
    words: tuple[str, ...]  # as typed
    alternatives: tuple[tuple[str, ...], ...]  # other ways of writing it (synonyms.txt)


@dataclass(frozen=True)
class Interpretation:
    words: tuple[str, ...]  # the meaningful words, in order, Spanish ones by their English twin
    concepts: tuple[Concept, ...]
    needs: tuple[Need, ...] = ()  # what the words say is needed beyond the service
    typed: tuple[str, ...] = ()  # the meaningful words as typed ("Did you mean" rewrites these)


def interpret(text: str) -> Interpretation:
    typed = synonyms.words_of(text[:MAX_QUERY_LENGTH])
    words = _meaningful(synonyms.translate(typed))
    concepts = tuple(
        Concept(span, tuple(alternatives)) for span, alternatives in synonyms.concepts(words)
    )
    return Interpretation(words, concepts, _needs(synonyms.fold(typed)), _meaningful(typed))


def _needs(words: tuple[str, ...]) -> tuple[Need, ...]:
    def says(phrase: tuple[str, ...]) -> bool:
        size = len(phrase)
        return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))

    return tuple(need for need in needs_data().needs if any(says(p) for p in need.phrases))


def _meaningful(words: tuple[str, ...]) -> tuple[str, ...]:
    """Drop filler words, unless they are all there is or part of a synonym phrase."""
    kept: list[str] = []
    for span, alternatives in synonyms.concepts(words):
        if len(span) > 1 or alternatives or synonyms.fold(span)[0] not in needs_data().filler:
            kept.extend(span)
    return tuple(kept) or words
