"""What the words of a search ask for: its meaningful words, grouped into concepts.

A concept is a synonym phrase or a single word, with the other ways of writing it that
synonyms.txt gives. This stage reads no index; the stages after it (scoring.match_words)
look the concepts up in the index, correcting unknown words there.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.search import synonyms
from portal.search.results import MAX_QUERY_LENGTH

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
        # The same in Spanish (written without accents: words are compared folded), with the
        # small words English listings never hold ("necesito ayuda con la renta").
        *[
            "yo",
            "me",
            "mi",
            "mis",
            "necesito",
            "necesita",
            "necesitamos",
            "quiero",
            "quiere",
            "busco",
            "buscando",
            "buscar",
            "encontrar",
            "ayuda",
            "ayudar",
            "por",
            "favor",
            "donde",
            "cerca",
            "aqui",
            "hoy",
            "ahora",
            "esta",
            "noche",
            "alguien",
            "lugar",
            "lugares",
            "de",
            "del",
            "la",
            "las",
            "el",
            "los",
            "un",
            "una",
            "unos",
            "unas",
            "en",
            "con",
            "para",
            "que",
            "y",
            "o",
            "a",
            "al",
            "se",
            "su",
            "sus",
            "hay",
            "tengo",
            "como",
            "cual",
            "quien",
            "algun",
            "alguna",
        ],
    ]
)


@dataclass(frozen=True)
class Concept:
    words: tuple[str, ...]  # as typed
    alternatives: tuple[tuple[str, ...], ...]  # other ways of writing it (synonyms.txt)


@dataclass(frozen=True)
class Interpretation:
    words: tuple[str, ...]  # the meaningful words, in order, Spanish ones by their English twin
    concepts: tuple[Concept, ...]
    typed: tuple[str, ...] = ()  # the meaningful words as typed ("Did you mean" rewrites these)


def interpret(text: str) -> Interpretation:
    typed = synonyms.words_of(text[:MAX_QUERY_LENGTH])
    words = _meaningful(synonyms.translate(typed))
    concepts = tuple(
        Concept(span, tuple(alternatives)) for span, alternatives in synonyms.concepts(words)
    )
    return Interpretation(words, concepts, _meaningful(typed))


def _meaningful(words: tuple[str, ...]) -> tuple[str, ...]:
    """Drop filler words, unless they are all there is or part of a synonym phrase."""
    kept: list[str] = []
    for span, alternatives in synonyms.concepts(words):
        if len(span) > 1 or alternatives or synonyms.fold(span)[0] not in FILLER_WORDS:
            kept.extend(span)
    return tuple(kept) or words
