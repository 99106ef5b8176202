"""Where the index lives on disk, and one open searcher per thread while it is current.

PORTAL_SEARCH_INDEX_DIR/builds/<name>/ holds complete indexes; the symlink `current` points
at the one in use. A rebuild writes a new folder and swaps the link atomically, so searches
go on reading the old index until they see the new one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.reading import IndexReader, TermNotFound

from portal.search import schema

POSITION_FILE = "outbox_position"  # what of the search outbox this index has applied


class IndexMissing(RuntimeError):
    """No usable index: never built, or the folder is broken."""


@dataclass(frozen=True)
class OutboxPosition:
    """How far an index has applied the search outbox: every row up to last_id, and the
    rows below it that are recent enough to have committed late (outbox.apply_pending)."""

    last_id: int = 0
    recent: frozenset[int] = frozenset()


def _started(build: Path) -> int:
    """Builds are named <time_ns>-<pid>."""
    try:
        return int(build.name.split("-", 1)[0])
    except ValueError:
        return 0


@functools.cache
def _field_names() -> frozenset[str]:
    return frozenset(schema.build().names())


class IndexStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.link = self.root / "current"

    def current(self) -> Path | None:
        if not self.link.is_symlink():
            return None
        target = self.link.resolve()
        return target if target.is_dir() else None

    def open(self) -> Index:
        target = self.current()
        if target is None:
            raise IndexMissing(f"no search index at {self.link}")
        try:
            ix = whoosh_index.open_dir(str(target))
        except Exception as exc:  # a broken index fails in many ways; all mean "rebuild"
            raise IndexMissing(f"search index at {target} cannot be opened: {exc!r}") from exc
        if set(ix.schema.names()) != _field_names():
            ix.close()
            raise IndexMissing(
                f"search index at {target} has other fields than this version "
                "of the portal: run `flask search rebuild`"
            )
        return ix

    def read_position(self) -> OutboxPosition:
        """What the current index has applied ("last id" and "recent ids" lines)."""
        current = self.current()
        try:
            lines = (current / POSITION_FILE).read_text().splitlines() if current else []
            recent = lines[1].split(",") if len(lines) > 1 and lines[1] else []
            return (
                OutboxPosition(int(lines[0]), frozenset(map(int, recent)))
                if lines
                else OutboxPosition()
            )
        except (OSError, ValueError):
            return OutboxPosition()

    def write_position(self, position: OutboxPosition, folder: Path | None = None) -> None:
        folder = folder or self.current()
        if folder is None:
            raise IndexMissing("no search index to record a position in")
        temporary = folder / f".{POSITION_FILE}-{os.getpid()}-{threading.get_ident()}"
        temporary.write_text(f"{position.last_id}\n{','.join(map(str, sorted(position.recent)))}\n")
        os.replace(temporary, folder / POSITION_FILE)

    def new_build(self) -> tuple[Path, Index]:
        builds = self.root / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        target = builds / f"{time.time_ns()}-{os.getpid()}"
        target.mkdir()
        return target, whoosh_index.create_in(str(target), schema.build())

    def swap_to(self, target: Path) -> None:
        previous = self.current()
        temporary = self.root / f".current-{os.getpid()}-{threading.get_ident()}"
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        temporary.symlink_to(target.relative_to(self.root))
        os.replace(temporary, self.link)  # atomic: readers see the old index or the new one
        # The previous index stays one more round for searches still reading it; builds
        # started after this one (another rebuild under way) are left alone.
        keep = {target.resolve(), previous}
        for folder in (self.root / "builds").iterdir():
            if folder.resolve() not in keep and _started(folder) < _started(target):
                shutil.rmtree(folder, ignore_errors=True)


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

    def remember(self, key, compute):
        return self[key] if key in self else self.put(key, compute())


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

    def added_docs_with(self, fieldname: str, value: str) -> set[int]:
        found: set[int] = set()
        for leaf, offset in self.added:
            with contextlib.suppress(TermNotFound):
                found.update(
                    offset + docnum for docnum in leaf.postings(fieldname, value).all_ids()
                )
        return found


class IndexMemo:
    """Values derived from one version of the index (document sets, scores, result cards),
    each kind in a cache of its own size, computed on first use. After an update (an
    IndexChange), a value the previous version had is carried over by the caller's rule
    instead: reading a term's postings across 100,000 services costs far more than
    adjusting its document set for a few changed ones."""

    def __init__(
        self, previous: IndexMemo | None = None, change: IndexChange | None = None
    ) -> None:
        self._values: dict[str, BoundedCache] = {}
        # One step back only: the previous version's own predecessor is released.
        self._previous = previous._values if previous is not None and change is not None else {}
        self.change = change

    def remember(self, kind: str, key, compute, carry=None, size: int = 1):
        values = self._values.get(kind)
        if values is None:
            values = self._values[kind] = BoundedCache(size)
        if key in values:
            return values[key]
        old = self._previous.get(kind)
        if carry is not None and old is not None and key in old:
            return values.put(key, carry(old[key], self.change))
        return values.put(key, compute())


class SearcherCache:
    """One searcher per thread, reopened only when the index changed (a cheap check).

    A process serves one index, so each thread keeps a single entry; asking for another
    folder (as tests do) closes the old searcher first. Each entry has an IndexMemo for
    values derived from that exact version of the index.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, store: IndexStore):
        entry = getattr(self._local, "entry", None)
        target = store.current()
        if entry is not None:
            root, entry_target, searcher, memo = entry
            if root == store.root and entry_target == target:
                if searcher.up_to_date():
                    return searcher
                return self._reopen(store, target, searcher, memo)
            self.close()
        searcher = store.open().searcher()
        self._local.entry = (store.root, target, searcher, IndexMemo())
        return searcher

    def _reopen(self, store: IndexStore, target: Path | None, old, memo: IndexMemo):
        """The same index, updated: a new searcher (never Searcher.refresh(), which keeps
        stale documents in whoosh-reloaded), with what carries over from the old one."""
        self._local.entry = None
        try:
            searcher = store.open().searcher()
            try:
                change = IndexChange.between(old.reader(), searcher.reader())
            except BaseException:
                searcher.close()
                raise
        finally:
            old.close()
        self._local.entry = (store.root, target, searcher, IndexMemo(memo, change))
        return searcher

    def memo(self) -> IndexMemo:
        """Derived values for the searcher get() last returned on this thread."""
        return self._local.entry[3]

    def close(self) -> None:
        entry = getattr(self._local, "entry", None)
        if entry is not None:
            self._local.entry = None
            entry[2].close()


searchers = SearcherCache()
