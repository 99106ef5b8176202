"""The order of results: temporarily closed services last; then by relevance, by distance
(nearest first, those with no location after), or by name when no words were given. Ties go
to the lower document number, so an order never depends on how the sort went."""

from __future__ import annotations

import heapq

import numpy as np

from portal.search.index_view import IndexView


def page_of(
    view: IndexView,
    docs: np.ndarray,
    first: int,
    count: int,
    scores: np.ndarray | None = None,
    distances: np.ndarray | None = None,
) -> list[int]:
    """Document numbers of results first … first + count - 1 in order, by distance when
    distances are given, else by scores when given, else by name."""
    wanted = first + count
    closed = view.term_docs("temporarily_closed", "yes")
    ordered: list[int] = []
    for group in (docs & ~closed, docs & closed):
        candidates = np.flatnonzero(group)
        if distances is not None:
            # No location (NaN) after every distance.
            keys = np.where(np.isnan(distances[candidates]), np.inf, distances[candidates])
            ordered += _smallest(candidates, keys, wanted - len(ordered))
        elif scores is not None:
            ordered += _smallest(candidates, -scores[candidates], wanted - len(ordered))
        else:
            names = view.reader.column_reader("name_key")
            ordered += heapq.nsmallest(
                wanted - len(ordered), candidates.tolist(), key=lambda d: (names[d], d)
            )
        if len(ordered) >= wanted:
            break
    return ordered[first:wanted]


def _smallest(candidates: np.ndarray, keys: np.ndarray, count: int) -> list[int]:
    """The `count` candidates with the smallest keys, lower document numbers first on ties."""
    if count <= 0 or not len(candidates):
        return []
    if len(candidates) > count:
        threshold = np.partition(keys, count - 1)[count - 1]
        near = keys <= threshold
        candidates, keys = candidates[near], keys[near]
    order = np.lexsort((candidates, keys))[:count]
    return candidates[order].tolist()
