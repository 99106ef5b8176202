"""Facet counts: how many of the results have each filter value."""

from __future__ import annotations

import numpy as np

from portal.search.index_view import IndexView

FACET_FIELDS = ("category", "language", "detail", "accepting", "room")


def _values(parts, known: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The values of each facet field in these segments, added to the known ones."""
    found = {fieldname: set(values) for fieldname, values in (known or {}).items()}
    for part, _offset in parts:
        for fieldname in FACET_FIELDS:
            if fieldname in part.indexed_field_names():
                found.setdefault(fieldname, set()).update(
                    term.decode("utf-8") for term in part.lexicon(fieldname)
                )
    return {fieldname: sorted(values) for fieldname, values in found.items()}


def counts(view: IndexView, docs: np.ndarray) -> dict[str, dict[str, int]]:
    """Each facet value's count among these documents (values and fields with none left
    out, so values only deleted documents had leave no trace)."""
    values = view.derived(
        "facet_values",
        None,
        lambda: _values([(view.reader, 0)]),
        lambda old, change: _values(change.added, old),
    )
    found: dict[str, dict[str, int]] = {}
    for fieldname, terms in values.items():
        for value in terms:
            count = int(np.count_nonzero(docs & view.term_docs(fieldname, value)))
            if count:
                found.setdefault(fieldname, {})[value] = count
    return found
