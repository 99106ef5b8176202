"""Where the index lives on disk.

PORTAL_SEARCH_INDEX_DIR/builds/<name>/ holds complete indexes; the symlink `current` points
at the one in use. A rebuild writes a new folder and swaps the link atomically, so searches
go on reading the old index until they see the new one.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

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
