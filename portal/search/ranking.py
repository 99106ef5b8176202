"""The order of results: temporarily closed services last, and before them those a search
puts first (the crisis services after a crisis answer), then those not known to be full when
the search needs it now ("tonight"); then by relevance (raised for services that meet a need:
free or sliding scale for "no insurance"), by distance
(nearest first, those with no location after), or by name when no words were given. Ties go
by name, then service id: never by document number, which depends on the order of updates."""

from __future__ import annotations

import numpy as np

from portal.search.index_view import IndexView
from portal.search.interpretation import Need

NEED_BOOST = 2.0  # a service that meets a need the words name scores this many times more


def need_scores(view: IndexView, scores: np.ndarray, needs: tuple[Need, ...]) -> np.ndarray:
    """Scores raised for the services that meet a need with detail codes (free, sliding
    scale); a service that does not match the words stays unmatched."""
    codes = [code for need in needs for code in need.details]
    if not codes:
        return scores
    return np.where(view.any_of("detail", codes), scores * NEED_BOOST, scores)


def room_tiers(view: IndexView, needs: tuple[Need, ...]) -> list[np.ndarray]:
    """For a need now ("tonight"): services known to have no room (not accepting, or every
    unit full) come after the others; relevance decides among those, so a crisis team that
    gives no figures stays above a therapy practice that is accepting."""
    if not any(need.name == "room" for need in needs):
        return []
    return [~view.term_docs("room", "no")]


def page_of(
    view: IndexView,
    docs: np.ndarray,
    first_index: int,
    count: int,
    scores: np.ndarray | None = None,
    distances: np.ndarray | None = None,
    tiers: list[np.ndarray] | None = None,
) -> list[int]:
    """Document numbers of results first … first + count - 1 in order, by distance when
    distances are given, else by scores when given, else by name. The open documents come in
    tiers: those in the first tier before the others, then by the second tier, and so on."""
    wanted = first_index + count
    closed = view.term_docs("temporarily_closed", "yes")
    groups = [docs & ~closed]
    for tier in tiers or ():
        groups = [part for group in groups for part in (group & tier, group & ~tier)]
    ordered: list[int] = []
    for group in (*groups, docs & closed):
        candidates = np.flatnonzero(group)
        if distances is not None:
            # No location (NaN) after every distance.
            keys = np.where(np.isnan(distances[candidates]), np.inf, distances[candidates])
        elif scores is not None:
            keys = -scores[candidates]
        else:
            keys = np.zeros(len(candidates))
        ordered += _smallest(view, candidates, keys, wanted - len(ordered))
        if len(ordered) >= wanted:
            break
    return ordered[first_index:wanted]


def _smallest(view: IndexView, candidates: np.ndarray, keys: np.ndarray, count: int) -> list[int]:
    """The `count` candidates with the smallest keys, in order; ties by name, then id."""
    if count <= 0 or not len(candidates):
        return []
    if len(candidates) > count:
        threshold = np.partition(keys, count - 1)[count - 1]
        near = keys <= threshold
        candidates, keys = candidates[near], keys[near]
    order = np.argsort(keys, kind="stable")
    ordered: list[int] = candidates[order].tolist()
    ordered_keys: list[float] = keys[order].tolist()
    ranked: list[int] = []
    start = 0
    while start < len(ordered) and len(ranked) < count:
        end = start + 1
        while end < len(ordered) and ordered_keys[end] == ordered_keys[start]:
            end += 1
        ranked += _by_name(view, ordered[start:end]) if end - start > 1 else [ordered[start]]
        start = end
    return ranked[:count]


def _by_name(view: IndexView, docnums: list[int]) -> list[int]:
    """Documents of equal rank by name, then service id (read only for equal names)."""
    names = view.column("name_key")
    named = sorted((names[d], d) for d in docnums)
    if len({name for name, _d in named}) == len(named):
        return [d for _name, d in named]
    named.sort(key=lambda pair: (pair[0], view.reader.stored_fields(pair[1])["id"]))
    return [d for _name, d in named]
