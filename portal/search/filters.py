"""Filters: which documents a search's filters allow, as boolean arrays over document numbers.

Each filter value is a term's document set, read once per view and carried over updates, so a
search combines a few arrays instead of running a Whoosh query. Ages and opening hours are
read from the index's columns into arrays the same way.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from portal.catalog import hours
from portal.catalog.hours import MINUTES_PER_DAY, MINUTES_PER_WEEK
from portal.search import documents, geo
from portal.search.index_view import IndexChange, IndexView
from portal.search.results import SearchParams


def allowed(view: IndexView, params: SearchParams) -> np.ndarray | None:
    """The documents that pass every filter but the exact distance and opening-time checks
    (None when there is no filter): those run on what is left (distance.within, open_at)."""
    masks: list[np.ndarray] = []
    if params.categories:
        masks.append(view.any_of("category", params.categories))
    for code in params.languages:
        masks.append(view.term_docs("language", code.lower()))
    # Several values of one group widen (Medicaid or Medicare); different groups narrow.
    groups: dict[str, list[str]] = {}
    for code in params.details:
        groups.setdefault(code.split("-", 1)[0], []).append(code)
    for codes in groups.values():
        masks.append(view.any_of("detail", codes))
    if params.age is not None:
        masks.append(of_age(view, params.age))
    if params.accepting:
        masks.append(view.term_docs("accepting", "yes"))
    if params.has_room:
        masks.append(view.term_docs("room", "yes"))
    if params.open_at is not None:
        _certain, possible = documents.open_tokens_at(minute_of_week(params.open_at))
        # A temporarily closed service is never open, whatever its hours say.
        masks.append(
            view.any_of("open_times", possible) & ~view.term_docs("temporarily_closed", "yes")
        )
    if params.near is not None and params.radius_miles is not None:
        cells = geo.cells_within(params.near, params.radius_miles)
        if cells is not None:
            # Services with no location (phone lines, online) are reachable from anywhere.
            masks.append(view.any_of("geo", [*cells, geo.NOWHERE]))
    if not masks:
        return None
    found = masks[0].copy()
    for mask in masks[1:]:
        found &= mask
    return found


def _column_values(parts, column: str, dtype) -> np.ndarray:
    return np.concatenate(
        [np.array(list(part.column_reader(column)), dtype=dtype) for part, _offset in parts]
        or [np.zeros(0, dtype=dtype)]
    )


def _ages(view: IndexView) -> tuple[np.ndarray, np.ndarray]:
    """Every document's minimum and maximum age, by document number."""

    def of(parts) -> tuple[np.ndarray, np.ndarray]:
        return _column_values(parts, "min_age", np.int32), _column_values(
            parts, "max_age", np.int32
        )

    def carry(old, change: IndexChange):
        lows, highs = of(change.added)
        return (
            np.concatenate([old[0][: change.kept], lows]),
            np.concatenate([old[1][: change.kept], highs]),
        )

    return view.derived("ages", None, lambda: of([(view.reader, 0)]), carry)


def of_age(view: IndexView, age: int) -> np.ndarray:
    """Services whose minimum and maximum ages admit this age."""
    lows, highs = _ages(view)
    return view.live_docs() & (lows <= age) & (age <= highs)


def minute_of_week(moment: dt.datetime) -> int:
    return moment.weekday() * MINUTES_PER_DAY + moment.hour * 60 + moment.minute


class WeeklyHours:
    """Every document's open intervals in minutes of the week (from the weekly_minutes
    column), as parallel arrays: document, start, end (an end may pass the end of Sunday)."""

    def __init__(self, docs: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self.docs, self.starts, self.ends = docs, starts, ends

    @classmethod
    def read(cls, parts) -> WeeklyHours:
        docs: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        for part, offset in parts:
            for docnum, raw in enumerate(part.column_reader("weekly_minutes")):
                if not raw:
                    continue
                for pair in raw.decode().split(";"):
                    start, end = pair.split("-")
                    docs.append(offset + docnum)
                    starts.append(int(start))
                    ends.append(int(end))
        return cls(
            np.array(docs, dtype=np.int64),
            np.array(starts, dtype=np.int64),
            np.array(ends, dtype=np.int64),
        )

    def carried(self, change: IndexChange, added: WeeklyHours) -> WeeklyHours:
        keep = self.docs < change.kept
        return WeeklyHours(
            np.concatenate([self.docs[keep], added.docs]),
            np.concatenate([self.starts[keep], added.starts]),
            np.concatenate([self.ends[keep], added.ends]),
        )

    def open_at(self, doc_count: int, minute: int) -> np.ndarray:
        inside = ((self.starts <= minute) & (minute < self.ends)) | (
            (self.starts <= minute + MINUTES_PER_WEEK) & (minute + MINUTES_PER_WEEK < self.ends)
        )
        found = np.zeros(doc_count, dtype=bool)
        found[self.docs[inside]] = True
        return found


def _weekly_hours(view: IndexView) -> WeeklyHours:
    return view.derived(
        "weekly_hours",
        None,
        lambda: WeeklyHours.read([(view.reader, 0)]),
        lambda old, change: old.carried(change, WeeklyHours.read(change.added)),
    )


def open_at(view: IndexView, docs: np.ndarray, moment: dt.datetime) -> np.ndarray:
    """Keep the services open at that moment: certain ones from the index terms, the rest
    checked against the weekly minutes or the schedules the index keeps for them."""
    minute = minute_of_week(moment)
    certain = docs & view.any_of("open_times", documents.open_tokens_at(minute)[0])
    unsure = docs & ~certain
    if not unsure.any():
        return certain
    weekly = _weekly_hours(view)
    kept = certain | (unsure & weekly.open_at(view.doc_count, minute))
    has_weekly = np.zeros(view.doc_count, dtype=bool)
    has_weekly[weekly.docs] = True
    schedules = view.column("schedules")
    for docnum in np.flatnonzero(unsure & ~has_weekly).tolist():
        if raw := schedules[docnum]:
            facts = [hours.ScheduleFacts.from_strings(values) for values in json.loads(raw)]
            if hours.is_open_at(facts, moment):
                kept[docnum] = True
    return kept
