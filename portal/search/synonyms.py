"""How people talk, mapped to how listings are written (synonyms.txt is the data).

`a, b, c` makes a group whose members stand for each other; `x => y, z` lets x also find y
and z, not the reverse. Expansion happens at query time, so editing the file needs no rebuild.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
# Spanish phrases and their English twins (the file says how it is written).
SPANISH_FILE = Path(__file__).with_name("spanish.txt")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def words_of(text: str) -> tuple[str, ...]:
    return tuple(w.lower().strip("'-") for w in _WORD.findall(text) if w.strip("'-"))


def fold(words: tuple[str, ...]) -> tuple[str, ...]:
    """Words without accents (consejería, consejeria; niño, nino): how the table's entries are
    looked up, as people type Spanish with or without them."""
    return tuple(
        "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
        for w in words
    )


def parse(lines) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(key, alternatives):
        known = table.setdefault(fold(key), [])
        for alternative in alternatives:
            if fold(alternative) != fold(key) and alternative not in known:
                known.append(alternative)

    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            sources = [words_of(p) for p in left.split(",") if words_of(p)]
            targets = [words_of(p) for p in right.split(",") if words_of(p)]
            if not sources or not targets:
                raise ValueError(f"synonyms line {number}: needs words on both sides of =>")
            for source in sources:
                add(source, targets)
        else:
            group = [words_of(p) for p in line.split(",") if words_of(p)]
            if len(group) < 2:
                raise ValueError(f"synonyms line {number}: a group needs two or more entries")
            for member in group:
                add(member, group)
    return table


@lru_cache(maxsize=1)
def table() -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    with SYNONYMS_FILE.open(encoding="utf-8") as handle:
        return parse(handle)


def parse_twins(lines) -> dict[tuple[str, ...], tuple[str, ...]]:
    twins: dict[tuple[str, ...], tuple[str, ...]] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        left, equals, right = line.partition("=")
        twin = words_of(right)
        sources = [words_of(p) for p in left.split(",") if words_of(p)]
        if not equals or not twin or not sources:
            raise ValueError(f"spanish line {number}: write `phrase, phrase = english twin`")
        for source in sources:
            twins[fold(source)] = twin
    return twins


@lru_cache(maxsize=1)
def twins() -> dict[tuple[str, ...], tuple[str, ...]]:
    with SPANISH_FILE.open(encoding="utf-8") as handle:
        return parse_twins(handle)


def translate(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words with each Spanish phrase (the longest first) replaced by its English twin."""
    known = twins()
    longest = max((len(k) for k in known), default=1)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            twin = known.get(fold(words[i : i + size]))
            if twin:
                out.extend(twin)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


@lru_cache(maxsize=1)
def single_words() -> dict[str, str]:
    """The one-word entries of both files, folded → as written (with its accents): the words
    "Did you mean" may suggest beside the index's own, so misspelt Spanish stays Spanish."""
    written: dict[str, str] = {}
    lines = [
        *SYNONYMS_FILE.read_text(encoding="utf-8").splitlines(),
        *SPANISH_FILE.read_text(encoding="utf-8").splitlines(),
    ]
    for raw in lines:
        for part in re.split(r",|=>?", raw.split("#", 1)[0]):
            words = words_of(part)
            if len(words) == 1 and len(words[0]) >= 4 and not words[0].isdigit():
                key = fold(words)[0]
                if key not in written or written[key] == key:  # the accented form wins
                    written[key] = words[0]
    return written


@lru_cache(maxsize=1)
def _longest_phrase() -> int:
    return max((len(k) for k in table()), default=1)


def concepts(words: tuple[str, ...]) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """Split the user's words into concepts: the longest synonym phrases first, else words.

    Returns (the words as typed, their alternatives) in order.
    """
    known = table()
    longest = _longest_phrase()
    found = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            span = words[i : i + size]
            if fold(span) in known:
                found.append((span, known[fold(span)]))
                i += size
                break
        else:
            found.append(((words[i],), []))
            i += 1
    return found
