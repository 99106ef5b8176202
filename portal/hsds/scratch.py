"""What an import remembers from row to row (ids seen, ids written, references to resolve
later), kept on disk rather than in memory, so memory does not grow with the file.

A private SQLite database that SQLite itself deletes when it is closed; its page cache is
bounded, so a large file spills to disk. It is separate from the portal's database: it holds
nothing but ids and row numbers, and it works the same whichever database the portal uses.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

CACHE_KIB = 4096
CHUNK = 500  # ids per IN (...): far below any SQLite's limit on parameters


class Scratch:
    def __init__(self) -> None:
        # "" opens a temporary database on disk, removed when the connection closes.
        # Used by one thread at a time, but closed by whichever thread drops the last reference
        # (a finalizer), which SQLite's same-thread check would refuse.
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE ids (kind TEXT, id TEXT, row INTEGER, PRIMARY KEY (kind, id))"
            " WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE later (kind TEXT, file TEXT, row INTEGER, id TEXT, field TEXT,"
            " value TEXT)"
        )
        self.db.execute(
            "CREATE TABLE texts (kind TEXT, id TEXT, text TEXT, PRIMARY KEY (kind, id))"
            " WITHOUT ROWID"
        )
        # One transaction for the database's whole life: it is never rolled back nor read by
        # another connection, and a commit per statement was much of the import's time.
        self.db.execute("BEGIN")

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def rows_of(self, kind: str, ids: Iterable[str]) -> dict[str, int | None]:
        """Which of these ids were added under kind, each with the row it was added with."""
        wanted = list(ids)
        found: dict[str, int | None] = {}
        for start in range(0, len(wanted), CHUNK):
            part = wanted[start : start + CHUNK]
            marks = ",".join("?" * len(part))
            found.update(
                self.db.execute(
                    f"SELECT id, row FROM ids WHERE kind = ? AND id IN ({marks})", [kind, *part]
                )
            )
        return found

    def add(self, kind: str, rows: Iterable[tuple[str, int | None]]) -> None:
        """Ids with a row number each; an id already added keeps its first row."""
        self.db.executemany(
            "INSERT OR IGNORE INTO ids (kind, id, row) VALUES (?, ?, ?)",
            ((kind, row_id, row) for row_id, row in rows),
        )

    def put_text(self, kind: str, row_id: str, text: str) -> None:
        """A text kept for an id; an id given a text before keeps its first."""
        self.db.execute(
            "INSERT OR IGNORE INTO texts (kind, id, text) VALUES (?, ?, ?)", (kind, row_id, text)
        )

    def text_of(self, kind: str, row_id: str) -> str | None:
        found = self.db.execute(
            "SELECT text FROM texts WHERE kind = ? AND id = ?", (kind, row_id)
        ).fetchone()
        return found[0] if found else None

    def ids(self, kind: str) -> Iterator[str]:
        for (row_id,) in self.db.execute("SELECT id FROM ids WHERE kind = ?", [kind]):
            yield row_id

    def put_later(self, kind: str, rows: Iterable[tuple[str, int | None, str, str, str]]) -> None:
        """(file, row, id, field, value): a value to set once every row of its table is in."""
        self.db.executemany(
            "INSERT INTO later (kind, file, row, id, field, value) VALUES (?, ?, ?, ?, ?, ?)",
            ((kind, *row) for row in rows),
        )

    def later(self, kind: str, size: int) -> Iterator[list[tuple[str, int | None, str, str, str]]]:
        """What put_later kept under kind, in the order kept, in lists of up to size."""
        cursor = self.db.execute(
            "SELECT file, row, id, field, value FROM later WHERE kind = ? ORDER BY rowid", [kind]
        )
        while part := cursor.fetchmany(size):
            yield part
