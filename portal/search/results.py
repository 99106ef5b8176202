"""What a search is asked (SearchParams) and what it answers (SearchPage of Hits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markupsafe import Markup

from portal.search import geo

MAX_QUERY_LENGTH = 200


@dataclass
class SearchParams:
    """A validated search; portal.directory.forms builds it from a URL's parameters."""

    q: str = ""
    categories: list[str] = field(default_factory=list)  # term ids (sub-terms included)
    languages: list[str] = field(default_factory=list)  # ISO codes
    details: list[str] = field(default_factory=list)  # payment-…, delivery-…, population-…
    age: int | None = None
    accepting: bool = False
    has_room: bool = False  # an opening now or accepting new clients
    open_at: dt.datetime | None = None  # local wall-clock time
    near: geo.Point | None = None
    radius_miles: float | None = None
    sort: str = "relevance"  # or "distance"
    # Services in these categories (term ids) are found whatever the words, and come first:
    # the crisis services after a crisis answer.
    first_categories: list[str] = field(default_factory=list)
    also_words: str = ""  # searched beside q, never shown (the crisis family's words)
    page: int = 1
    per_page: int = 20
    # Counted among the results, not filtered on (the quick filter chips): how many are open
    # at this moment, and how many have any of these values of a field, by name.
    count_open_at: dt.datetime | None = None
    count_any: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        return bool(
            self.categories
            or self.languages
            or self.details
            or self.age is not None
            or self.accepting
            or self.has_room
            or self.open_at
            or self.near
        )


@dataclass
class Hit:
    service_id: str
    distance_miles: float | None
    name_html: Markup
    snippet_html: Markup | None
    put_first: bool = False  # in params.first_categories


@dataclass
class SearchPage:
    params: SearchParams
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    available: bool = True
    open_count: int | None = None  # of the results, open at params.count_open_at
    any_counts: dict[str, int] = field(default_factory=dict)  # params.count_any, by name

    @property
    def service_ids(self) -> list[str]:
        return [hit.service_id for hit in self.hits]

    @property
    def page(self) -> int:
        return self.params.page

    @property
    def per_page(self) -> int:
        return self.params.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    # The same names as a Flask-SQLAlchemy page, so one pagination macro serves both.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
