"""One version of the index as searches see it (IndexView), and the views a process keeps open.

A view holds a searcher of one version of the index and the values searches derive from it
(term document sets, term postings, coordinates, ages, facet values, spelling), each computed
on first use. The functions of a search take the view as their first argument.

After an update, the next view starts from the previous one: a value the previous view had is
carried over through the IndexChange between them (adjusted for the documents that changed)
instead of recomputed from the whole index; reading a term's postings across a large catalog
costs far more than adjusting it for a few services.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

from portal.search.store import IndexStore

T = TypeVar("T")


class BoundedCache(dict):
    """A dict that forgets its oldest entries beyond a size."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key, value):
        if key not in self and len(self) >= self.size:
            self.pop(next(iter(self)))
        self[key] = value
        return value


@dataclass(frozen=True)
class IndexChange:
    """How a new version of an index differs from the previous one, when both begin with the
    same segments (an update deletes documents and adds or merges segments after those).
    Documents in the shared segments keep their numbers, so values derived from the old
    version can be adjusted instead of recomputed from the whole index."""

    kept: int  # how many leading documents (the shared segments') keep their numbers
    removed: frozenset[int]  # old documents that are gone or renumbered
    added: tuple[tuple[IndexReader, int], ...]  # the new segments' readers and first numbers
    service_ids: frozenset[str]  # the services whose documents were removed or added

    @classmethod
    def between(cls, old: IndexReader, new: IndexReader) -> IndexChange | None:
        """None when no segment carries over (a rebuild, or every segment merged)."""
        old_leaves, new_leaves = list(old.leaf_readers()), list(new.leaf_readers())
        shared = 0
        for (before, _offset), (after, _new_offset) in zip(old_leaves, new_leaves, strict=False):
            if (
                before.segment() is None
                or before.segment() != after.segment()
                or before.doc_count_all() != after.doc_count_all()
            ):
                break
            shared += 1
        if not shared:
            return None
        removed: set[int] = set()
        for (before, offset), (after, _offset) in zip(
            old_leaves[:shared], new_leaves, strict=False
        ):
            removed.update(
                offset + docnum
                for docnum in after.deleted_docs_set
                if not before.is_deleted(docnum)
            )
        # Numbers after the shared segments now belong to other documents: all of them go.
        kept = sum(leaf.doc_count_all() for leaf, _offset in old_leaves[:shared])
        removed.update(range(kept, old.doc_count_all()))
        added = tuple(new_leaves[shared:])
        ids = {old.stored_fields(docnum)["id"] for docnum in removed}
        ids.update(
            leaf.stored_fields(docnum)["id"]
            for leaf, _offset in added
            for docnum in leaf.all_doc_ids()
        )
        return cls(kept, frozenset(removed), added, frozenset(ids))

    def added_docs(self) -> set[int]:
        return {offset + docnum for leaf, offset in self.added for docnum in leaf.all_doc_ids()}


class IndexView:
    """A searcher of one version of the index and the values derived from it."""

    def __init__(
        self,
        searcher: Searcher,
        previous: IndexView | None = None,
        change: IndexChange | None = None,
    ) -> None:
        self.searcher = searcher
        self.reader: IndexReader = searcher.reader()
        self.doc_count = self.reader.doc_count_all()  # document numbers run below this
        self.change = change if previous is not None else None
        self._values: dict[str, BoundedCache] = {}
        # One step back only: the previous view's own predecessor is released.
        self._previous = previous._values if previous is not None and change is not None else {}

    def derived(
        self,
        kind: str,
        key: Any,
        compute: Callable[[], T],
        carry: Callable[[T, IndexChange], T] | None = None,
        size: int = 1,
    ) -> T:
        """A value of this kind and key, computed once for this view, or carried over from
        the previous view by `carry(old value, change)`. Each kind keeps `size` keys."""
        values = self._values.get(kind)
        if values is None:
            values = self._values[kind] = BoundedCache(size)
        if key in values:
            return values[key]
        old = self._previous.get(kind)
        if carry is not None and old is not None and self.change is not None and key in old:
            return values.put(key, carry(old[key], self.change))
        return values.put(key, compute())

    def column(self, name: str):
        """A column's values by document number (opening a column reader reads its table of
        offsets, so each view opens each column once)."""
        return self.derived("column", name, lambda: self.reader.column_reader(name), size=8)

    def term_docs(self, fieldname: str, value: str) -> np.ndarray:
        """Which documents (a boolean per document number) have this exact term."""
        return self.derived(
            "term_docs",
            (fieldname, value),
            lambda: self.mask(self._postings_ids([(self.reader, 0)], fieldname, value)),
            lambda old, change: self.carried_mask(
                old, change, self._postings_ids(change.added, fieldname, value)
            ),
            size=TERM_DOCS_CACHE_SIZE,
        )

    def any_of(self, fieldname: str, values) -> np.ndarray:
        found = np.zeros(self.doc_count, dtype=bool)
        for value in values:
            found |= self.term_docs(fieldname, value)
        return found

    def live_docs(self) -> np.ndarray:
        """Every document that is not deleted."""
        return self.derived(
            "live",
            None,
            lambda: self.mask(self.reader.all_doc_ids()),
            lambda old, change: self.carried_mask(old, change, change.added_docs()),
        )

    def mask(self, docnums) -> np.ndarray:
        found = np.zeros(self.doc_count, dtype=bool)
        found[np.fromiter(docnums, dtype=np.int64)] = True
        return found

    def carried_mask(self, old: np.ndarray, change: IndexChange, added) -> np.ndarray:
        """The previous view's mask, less the documents the change removed, with these
        documents (numbers in this view) added."""
        found = np.zeros(self.doc_count, dtype=bool)
        found[: change.kept] = old[: change.kept]
        if change.removed:
            gone = np.fromiter(change.removed, dtype=np.int64)
            found[gone[gone < change.kept]] = False
        found[np.fromiter(added, dtype=np.int64)] = True
        return found

    @staticmethod
    def _postings_ids(parts, fieldname: str, value: str) -> list[int]:
        found: list[int] = []
        for part, offset in parts:
            with contextlib.suppress(TermNotFound):
                found.extend(
                    offset + docnum for docnum in part.postings(fieldname, value).all_ids()
                )
        return found

    def close(self) -> None:
        self.searcher.close()


TERM_DOCS_CACHE_SIZE = 512


class OpenViews:
    """The view of the current index, one per thread (a whoosh searcher is not shared
    between threads), reopened only when the index changed (a cheap check).

    A process serves one index, so each thread keeps a single view; asking for another
    folder (as tests do) closes the old view first.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def current(self, store: IndexStore) -> IndexView:
        entry: tuple[Path, Path | None, IndexView] | None = getattr(self._local, "entry", None)
        target = store.current()
        if entry is not None:
            root, entry_target, view = entry
            if root == store.root and entry_target == target:
                if view.searcher.up_to_date():
                    return view
                return self._reopen(store, target, view)
            self.close()
        view = IndexView(store.open().searcher())
        self._local.entry = (store.root, target, view)
        return view

    def version(self, store: IndexStore) -> tuple[str, int]:
        """The folder and generation of the current view (reopened first if the index
        changed): two views with the same version hold the same documents."""
        view = self.current(store)
        _root, target, _view = self._local.entry
        return str(target), view.reader.generation()

    def _reopen(self, store: IndexStore, target: Path | None, old: IndexView) -> IndexView:
        """The same index, updated: a new searcher (never Searcher.refresh(), which keeps
        stale documents in whoosh-reloaded), with what carries over from the old one."""
        self._local.entry = None
        try:
            searcher = store.open().searcher()
            try:
                change = IndexChange.between(old.reader, searcher.reader())
            except BaseException:
                searcher.close()
                raise
        finally:
            old.close()
        view = IndexView(searcher, old, change)
        self._local.entry = (store.root, target, view)
        return view

    def close(self) -> None:
        entry = getattr(self._local, "entry", None)
        if entry is not None:
            self._local.entry = None
            entry[2].close()


open_views = OpenViews()
