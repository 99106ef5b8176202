"""Unknown words: "Did you mean" corrections and the indexed stems near them."""

from __future__ import annotations

from whoosh.analysis import StemmingAnalyzer

from portal.search import synonyms
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
        # A word of the synonym table as near as the index's suggestion wins: the table is how
        # people ask (in Spanish too), the index how English listings are written.
        spoken = _nearest_spoken(word)
        if spoken and (
            fix is None
            or (
                synonyms.fold((fix,))[0] not in synonyms.single_words()
                and spoken[1] <= _distance(word, fix)
            )
        ):
            fix = spoken[0]
        return (fix if fix != word else None, _fuzzy_stems(view, word))

    return view.derived("spelling", word, compute, size=SPELLING_CACHE_SIZE)


def _nearest_spoken(word: str) -> tuple[str, int] | None:
    """The synonym table's nearest one-word entry (same first letter, one or two edits)."""
    folded = synonyms.fold((word,))[0]
    limit = 2 if len(folded) >= 6 else 1
    found = []
    for entry, written in synonyms.single_words().items():
        if entry[0] != folded[0] or abs(len(entry) - len(folded)) > limit:
            continue
        distance = _distance(folded, entry)
        if distance <= limit:
            found.append((distance, abs(len(entry) - len(folded)), written))
    if not found or min(found)[0] == 0:
        return None
    distance, _length, written = min(found)
    return written, distance


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, with an adjacent swap counting as one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


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
