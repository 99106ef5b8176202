"""The quick filter chips above the results (issue 12, point 5): one row of the filters people
on a phone reach for most, each a plain link that applies (or removes) it at once, with how
many of the current results it would keep."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from portal.search import SearchPage
from portal.translated import gettext as _

FREE_OR_SLIDING = ("payment-free", "payment-sliding-scale")
SPANISH = "es"
WALK_IN = "delivery-walk-in"
# What the search counts for the chips that are not plain facet values (SearchParams.count_any).
COUNT_ANY = {"free": ("detail", FREE_OR_SLIDING)}
# Parameters that belong to the place a search is near: removing "near" drops them all.
_NEAR = ("zip", "lat", "lng", "radius", "sort")


@dataclass
class Chip:
    key: str
    label: str
    url: str
    count: int | None  # None: not known until applied (a place)
    on: bool


def _url(path: str, pairs: list[tuple[str, str]]) -> str:
    return path + ("?" + urlencode(pairs) if pairs else "")


def _kept(args: MultiDict, drop) -> list[tuple[str, str]]:
    return [(k, v) for k, v in args.items(multi=True) if k != "page" and not drop(k, v)]


def _toggle(args: MultiDict, path: str, name: str, values: tuple[str, ...], on: bool) -> str:
    """The URL that removes these values when on, or adds them when off."""
    kept = _kept(args, lambda k, v: k == name and v in values)
    if name == "open":  # "open" has one value; its day and time go with it
        kept = _kept(args, lambda k, v: k in ("open", "day", "time"))
    return _url(path, kept if on else [*kept, *((name, v) for v in values)])


def chips(args: MultiDict, page: SearchPage, path: str = "/search") -> list[Chip]:
    facets = page.facets
    open_now = args.get("open") == "now"
    room = bool(args.get("room"))
    details = set(args.getlist("detail"))
    languages = set(args.getlist("language"))
    free = bool(details & set(FREE_OR_SLIDING))
    near_zip = args.get("zip")
    near = bool(near_zip or args.get("lat") or page.params.near)
    if near:
        near_label = _("Near %(zip)s", zip=near_zip) if near_zip else _("Near you")
        near_url = _url(path, _kept(args, lambda k, v: k in _NEAR))
    else:
        near_label = _("Near me / ZIP")
        near_url = _url("/search", _kept(args, lambda k, v: False)) + "#where"
    return [
        Chip(
            "open",
            _("Open now"),
            _toggle(args, path, "open", ("now",), open_now),
            page.total if open_now else page.open_count,
            open_now,
        ),
        Chip(
            "room",
            _("Has room"),
            _toggle(args, path, "room", ("y",), room),
            facets.get("room", {}).get("yes", 0),
            room,
        ),
        Chip("near", near_label, near_url, page.total if near else None, near),
        Chip(
            "free",
            _("Free or sliding scale"),
            _toggle(args, path, "detail", FREE_OR_SLIDING, free),
            page.any_counts.get("free", 0),
            free,
        ),
        Chip(
            "spanish",
            _("Spanish-speaking staff"),
            _toggle(args, path, "language", (SPANISH,), SPANISH in languages),
            facets.get("language", {}).get(SPANISH, 0),
            SPANISH in languages,
        ),
        Chip(
            "walk_in",
            _("Walk-in"),
            _toggle(args, path, "detail", (WALK_IN,), WALK_IN in details),
            facets.get("detail", {}).get(WALK_IN, 0),
            WALK_IN in details,
        ),
    ]
