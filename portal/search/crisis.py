"""Crisis answers: a search that shows suicide or self-harm intent, an overdose, or a person in
danger gets its family's answer (call or text 988, call 911, what to do while waiting), in the
language of the words that matched. The phrases and texts are data (crisis.toml, reviewed);
this module only reads them. It needs no index, so an answer never depends on one.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CRISIS_FILE = Path(__file__).with_name("crisis.toml")
LANGUAGES = ("en", "es")
TYPO_MIN_LENGTH = 5  # words this long match with one typo
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Action:
    label: str
    href: str  # tel:, sms:


@dataclass(frozen=True)
class CrisisAnswer:
    kind: str  # the family: suicide, overdose, danger
    lang: str  # the language of the words that matched
    title: str
    message: str
    steps_heading: str
    steps: tuple[str, ...]
    actions: tuple[Action, ...]
    categories: tuple[str, ...]  # category codes whose services come first
    search: str  # words searched beside the person's

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "lang": self.lang,
            "title": self.title,
            "message": self.message,
            "steps": list(self.steps),
            "actions": [{"label": a.label, "href": a.href} for a in self.actions],
        }


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    family: str
    lang: str
    mention: bool  # a topic word, silenced by the family's `unless` words


@dataclass(frozen=True)
class _Rules:
    skip: frozenset[str]
    rewrite: dict[tuple[str, ...], tuple[str, ...]]
    phrases: tuple[_Phrase, ...]
    unless: dict[str, frozenset[str]]
    answers: dict[tuple[str, str], CrisisAnswer]
    order: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case, accents off, apostrophes dropped ("Don't" → "dont", "está" → "esta")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"['’‘`´]", "", plain)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def _normalized(words: tuple[str, ...], rules_skip, rewrite) -> tuple[str, ...]:
    longest = max((len(k) for k in rewrite), default=1)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            if (span := words[i : i + size]) in rewrite:
                out.extend(rewrite[span])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return tuple(w for w in out if w not in rules_skip)


def parse(data: dict) -> _Rules:
    rewrite = {_words(k): _words(v) for k, v in data.get("rewrite", {}).items()}
    skip = frozenset(data.get("skip", ()))
    phrases: list[_Phrase] = []
    unless: dict[str, frozenset[str]] = {}
    answers: dict[tuple[str, str], CrisisAnswer] = {}
    for family, spec in data["families"].items():
        unless[family] = frozenset(_normalized(_words(" ".join(spec.get("unless", ()))), (), {}))
        for kind, mention in (("phrases", False), ("mentions", True)):
            for lang, items in spec.get(kind, {}).items():
                for item in items:
                    words = _normalized(_words(item), skip, rewrite)
                    if not words:
                        raise ValueError(f"crisis.toml: {family} {kind} {item!r} has no words")
                    phrases.append(_Phrase(words, family, lang, mention))
        for lang in LANGUAGES:
            text = spec[lang]
            answers[(family, lang)] = CrisisAnswer(
                kind=family,
                lang=lang,
                title=text["title"],
                message=text["message"],
                steps_heading=text.get("steps_heading", ""),
                steps=tuple(text.get("steps", ())),
                actions=tuple(Action(a["label"], a["href"]) for a in text["actions"]),
                categories=tuple(spec.get("categories", ())),
                search=spec.get("search", ""),
            )
    return _Rules(skip, rewrite, tuple(phrases), unless, answers, tuple(data["families"]))


@lru_cache(maxsize=1)
def rules() -> _Rules:
    with CRISIS_FILE.open("rb") as handle:
        return parse(tomllib.load(handle))


def _one_typo(a: str, b: str) -> bool:
    """True when a and b differ by one letter missing, added, changed, or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _word_cost(typed: str, wanted: str) -> int | None:
    """0 for the same word, 1 for one typo in a long enough word, None otherwise."""
    if typed == wanted:
        return 0
    if len(wanted) >= TYPO_MIN_LENGTH and len(typed) >= TYPO_MIN_LENGTH - 1:
        return 1 if _one_typo(typed, wanted) else None
    return None


def _phrase_cost(words: tuple[str, ...], phrase: tuple[str, ...]) -> int | None:
    """The fewest typos with which the phrase appears as consecutive words, or None."""
    best: int | None = None
    for start in range(len(words) - len(phrase) + 1):
        cost = 0
        for typed, wanted in zip(words[start : start + len(phrase)], phrase, strict=True):
            step = _word_cost(typed, wanted)
            if step is None:
                break
            cost += step
        else:
            best = cost if best is None else min(best, cost)
    return best


@lru_cache(maxsize=1024)
def detect(text: str) -> CrisisAnswer | None:
    """The crisis answer a search's words call for, or None."""
    r = rules()
    words = _normalized(_words(text), r.skip, r.rewrite)
    if not words:
        return None
    present = frozenset(words)
    best: tuple[int, int, int] | None = None
    chosen: _Phrase | None = None
    for phrase in r.phrases:
        if phrase.mention and present & r.unless[phrase.family]:
            continue
        cost = _phrase_cost(words, phrase.words)
        if cost is None:
            continue
        # Fewest typos, then the longest phrase (more of the person's words), then file order.
        rank = (cost, -len(phrase.words), r.order.index(phrase.family))
        if best is None or rank < best:
            best, chosen = rank, phrase
    if chosen is None:
        return None
    return r.answers[(chosen.family, chosen.lang)]
