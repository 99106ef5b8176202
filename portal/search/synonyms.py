"""How people talk, mapped to how listings are written (synonyms.txt is the data).

`a, b, c` makes a group whose members stand for each other; `x => y, z` lets x also find y
and z, not the reverse. Expansion happens at query time, so editing the file needs no rebuild.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def words_of(text: str) -> tuple[str, ...]:
    return tuple(w.lower().strip("'-") for w in _WORD.findall(text) if w.strip("'-"))


def parse(lines) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(key, alternatives):
        known = table.setdefault(key, [])
        for alternative in alternatives:
            if alternative != key and alternative not in known:
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
            if span in known:
                found.append((span, known[span]))
                i += size
                break
        else:
            found.append(((words[i],), []))
            i += 1
    return found
