"""The order of results: temporarily closed services last, and before them those a search
puts first (the crisis services after a crisis answer); then by relevance, by distance
(nearest first, those with no location after), or by name when no words were given. Ties go
by name, then service id: never by document number, which depends on the order of updates."""

from __future__ import annotations

import numpy as np

from portal.search.index_view import IndexView


def page_of(
    view: IndexView,
    docs: np.ndarray,
    first_index: int,
    count: int,
    scores: np.ndarray | None = None,
    distances: np.ndarray | None = None,
    first: np.ndarray | None = None,
) -> list[int]:
    """Document numbers of results first … first + count - 1 in order, by distance when
    distances are given, else by scores when given, else by name; the open documents in
    `first` before the other open ones."""
    wanted = first_index + count
    closed = view.term_docs("temporarily_closed", "yes")
    open_docs = docs & ~closed
    groups = [open_docs] if first is None else [open_docs & first, open_docs & ~first]
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
