"""Unknown words: "Did you mean" corrections and the indexed stems near them."""

from __future__ import annotations

from whoosh.analysis import StemmingAnalyzer

from portal.search.index_view import IndexView
from portal.search.schema import SPELLING_FIELD

FUZZY_FIELDS = ("name", "categories", "description")
SPELLING_CACHE_SIZE = 512
_stems = StemmingAnalyzer()


def stems_of(phrase: tuple[str, ...]) -> list[str]:
    return [token.text for token in _stems(" ".join(phrase))]


def correction(view: IndexView, word: str) -> tuple[str | None, list[str]]:
    """An unknown word's likeliest correction (a word in the index; the first letter is
    taken as typed) and the indexed stems near its stem; kept per view, as the same
    misspellings come back and walking the term lists is slow."""

    def compute() -> tuple[str | None, list[str]]:
        corrector = view.searcher.corrector(SPELLING_FIELD)
        fix = next(iter(corrector.suggest(word, limit=1, maxdist=2, prefix=1)), None)
        return (fix if fix != word else None, _fuzzy_stems(view, word))

    return view.derived("spelling", word, compute, size=SPELLING_CACHE_SIZE)


def _fuzzy_stems(view: IndexView, word: str) -> list[str]:
    """Indexed stems within one or two edits of the word's stem (two for long words)."""
    stems = stems_of((word,))
    if not stems:
        return []
    distance = 2 if len(word) >= 8 else 1
    found: set[str] = set()
    for fieldname in FUZZY_FIELDS:
        found.update(view.reader.terms_within(fieldname, stems[0], distance, prefix=1))
    found.discard(stems[0])
    return sorted(found)
