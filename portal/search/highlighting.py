"""Matched words marked in a result's name and in a short snippet of its description.

Whoosh's own highlighter does the same through several layers of objects per word; this keeps
its rules (the words of the index's analyzer; a fragment runs from about `surround` characters
before a match to that far after the last match within `maxchars`; the best two fragments by
matches, in text order) at a fraction of the cost, as every result of every search is marked.
"""

from __future__ import annotations

import re
from collections import deque
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup, escape
from whoosh.analysis import StemmingAnalyzer

from portal.catalog.cleaning import display_name

SNIPPET_MAX_CHARS = 160
SNIPPET_SURROUND = 60
SNIPPET_FRAGMENTS = 2
UNMATCHED_SNIPPET_CHARS = 200
BETWEEN_FRAGMENTS = " … "
ELLIPSIS = "…"

# The index's analyzer (schema: StemmingAnalyzer), taken apart so each word costs a regular
# expression match and a cached stem instead of a token object through three filters.
_ANALYZER = StemmingAnalyzer()
_TOKENIZER, _LOWERCASE, _STOP, _STEM = _ANALYZER.items
_WORD = re.compile(_TOKENIZER.expression.pattern, re.UNICODE)


class _Word(NamedTuple):
    start: int
    end: int
    stem: str


class _Fragment(NamedTuple):
    score: int
    start: int
    end: int
    matches: list[_Word]


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    if len(word) < _STOP.min or word in _STOP.stops:
        return word  # a stop word is kept as it is, and never matches a query's stems
    return _STEM.stemfn(word)


def _words(text: str) -> list[_Word]:
    return [_Word(*m.span(), _stem(m.group().lower())) for m in _WORD.finditer(text)]


def _marked(text: str, start: int, end: int, matches: list[_Word]) -> str:
    out, index = [], start
    for word in matches:
        if word.start < index:
            continue
        out.append(str(escape(text[index : word.start])))
        out.append(f"<mark>{escape(text[word.start : word.end])}</mark>")
        index = word.end
    out.append(str(escape(text[index:end])))
    return "".join(out)


def name_html(name: str, stems: frozenset[str]) -> Markup:
    """The whole name, its matched words marked (a name in capitals in title case, as the
    pages show it: portal.catalog.cleaning.display_name keeps its length)."""
    name = display_name(name) or name
    if not stems or not name:
        return Markup(escape(name))
    matches = [word for word in _words(name) if word.stem in stems]
    return Markup(_marked(name, 0, len(name), matches))


def snippet_html(text: str, stems: frozenset[str]) -> Markup | None:
    """Up to two passages around matched words; the start of the text when none matches."""
    if not text:
        return Markup("")
    fragments = [f for f in _fragments(_words(text), stems) if f.score > 0]
    if not fragments:
        return Markup(escape(_shortened(text, UNMATCHED_SNIPPET_CHARS)))
    best = sorted(fragments, key=lambda f: (-f.score, f.start))[:SNIPPET_FRAGMENTS]
    best.sort(key=lambda f: f.start)
    # Fragments run from a word's start to a word's end; "…" says the text goes on.
    before = ELLIPSIS if _WORD.search(text[: best[0].start]) else ""
    rest = text[best[-1].end :]
    after = ELLIPSIS if _WORD.search(rest) else str(escape(rest.rstrip()))
    marked = BETWEEN_FRAGMENTS.join(_marked(text, f.start, f.end, f.matches) for f in best)
    return Markup(before + marked + after)


def _shortened(text: str, limit: int) -> str:
    """The text up to `limit` characters, cut after a whole word with "…" when longer."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit].rstrip(" ,;:-–") + ELLIPSIS


def _fragments(words: list[_Word], stems: frozenset[str]):
    """Each passage (score, start, end, matched words) as whoosh's ContextFragmenter
    cuts them; a passage scores its matches times a hundred per distinct matched word."""
    first: int | None = None
    befores: deque[int] = deque()
    countdown = -1
    matches: list[_Word] = []
    length = 0
    end = 0
    for word in words:
        end = word.end
        size = word.end - word.start
        matched = word.stem in stems
        if countdown < 0 and not matched:
            befores.append(word.start)
            while befores and word.end - befores[0] > SNIPPET_SURROUND:
                befores.popleft()
        elif length + size > SNIPPET_MAX_CHARS:
            countdown = 0
        elif matched:
            countdown = SNIPPET_SURROUND
            if first is None:
                if befores:
                    first = befores[0]
                else:
                    first = word.start
                    countdown += SNIPPET_SURROUND
            matches.append(word)
        if countdown >= 0:
            length += size
            countdown -= size
            if countdown <= 0:
                yield _scored(first, end, matches)
                matches, befores, first, length = [], deque(), None, 0
    if matches:
        yield _scored(first, end, matches)


def _scored(start: int | None, end: int, matches: list[_Word]) -> _Fragment:
    return _Fragment(len(matches) * len({w.stem for w in matches}) * 100, start or 0, end, matches)
