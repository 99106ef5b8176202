"""A cache of the public directory's pages as anonymous readers get them (issue 18).

People in crisis rely on what these pages say, so a page is only ever served from the cache
when rendering it afresh would give the same page:

- Only views marked `@cached_page` (home, search, category, service, organization and
  location pages), only GET requests with no signed-in user and no flashed message waiting.
  A page is kept only when the view answered 200 with HTML, set no cookie and left the
  session alone (after the language switch, which sets its cookie, has run).
- The key is the view, the path and the query (its parameters in their order, their encoding
  normalised), the language the page is written in, the catalog's version (raised in the
  same transaction as every catalog change, portal/catalog/version.py, and read from the
  database on every request, so a change shows on the next request in every process), the
  minute on the program's clock (open now, today's hours, "updated 5 minutes ago"), and for
  pages built from search results the version of the search index.
- What belongs to one reader (the save-to-list form's CSRF token, and whether the service is
  on the reader's own list) is not in the kept page: templates leave a slot (`slot()`) that
  `_fill_slots` fills for every response, from the cache or not.
- Each process keeps at most PORTAL_PAGE_CACHE_MB of pages, dropping the least recently used.
  0 turns the cache off; unset, it is on in production only.

The answer says whether it came from the cache (X-Page-Cache: hit or miss) so bench/load.py
can report the hit rate.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from portal import localtime
from portal.catalog import version
from portal.search import index_version

HEADER = "X-Page-Cache"
_KEY = "page_cache_key"
_SKIP = "page_cache_skip"
# Per-entry bookkeeping beyond the page's own bytes (key, entry, dictionary slot).
_OVERHEAD = 512
_SLOT = re.compile(rb"<!--slot:([a-z-]+):([A-Za-z0-9_.-]*)-->")
_FILLERS: dict[str, Callable[[str], str]] = {}


@dataclass(frozen=True)
class Page:
    content_type: str
    body: bytes


class PageCache:
    """Pages by key, at most max_bytes of them; the least recently used go first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple, page: Page) -> None:
        cost = len(page.body) + _OVERHEAD
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old.body) + _OVERHEAD
            self._pages[key] = page
            self.size += cost
            while self.size > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped.body) + _OVERHEAD

    def __len__(self) -> int:
        return len(self._pages)


def _cache() -> PageCache | None:
    return current_app.extensions.get("page_cache")


def _anonymous_reader() -> bool:
    return (
        request.method == "GET" and not current_user.is_authenticated and "_flashes" not in session
    )


def _key(search: bool) -> tuple:
    query = urlencode(list(request.args.items(multi=True)))
    return (
        request.endpoint,
        request.path,
        query,
        str(get_locale()),
        version.current(),
        localtime.wall_now().strftime("%Y-%m-%d %H:%M"),
        index_version() if search else None,
    )


def cached_page(search: bool = False):
    """Serve this view's page from the cache for anonymous readers (see the module's rules).
    `search`: the page shows search results, so the index's version is part of the key."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            cache = _cache()
            if cache is None or not _anonymous_reader():
                return view(**kwargs)
            key = _key(search)
            page = cache.get(key)
            if page is not None:
                response = current_app.response_class(page.body, content_type=page.content_type)
                response.headers[HEADER] = "hit"
                return response
            g.setdefault(_KEY, key)
            return view(**kwargs)

        return wrapper

    return decorate


def do_not_keep() -> None:
    """This request's page must not be kept (the view did something each request must do)."""
    g.setdefault(_SKIP, True)


def slot(name: str, value: str) -> Markup:
    """A place in a page for what belongs to one reader, filled for every response. Escaped
    text never carries "<", so nothing in a listing can pose as a slot."""
    if name not in _FILLERS or not re.fullmatch(r"[A-Za-z0-9_.-]*", value):
        raise ValueError(f"no slot {name!r} for {value!r}")
    return Markup(f"<!--slot:{name}:{value}-->")


def slot_filler(name: str):
    """Register what fills slot `name`: a function of the slot's value returning HTML."""

    def register(fill: Callable[[str], str]):
        _FILLERS[name] = fill
        return fill

    return register


def _keepable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not session.modified
        and not g.get(_SKIP, False)
    )


def _keep_and_fill(response):
    key = g.pop(_KEY, None)
    cache = _cache()
    if key is not None and cache is not None:
        if _keepable(response):
            cache.put(key, Page(response.content_type or "text/html", response.get_data()))
        response.headers[HEADER] = "miss"
    return _fill_slots(response)


def _fill_slots(response):
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data()
    if b"<!--slot:" in body:
        response.set_data(
            _SLOT.sub(lambda m: _FILLERS[m.group(1).decode()](m.group(2).decode()).encode(), body)
        )
    return response


def init_app(app: Flask) -> None:
    """Call before portal.i18n.init_app: Flask runs after-request functions last registered
    first, so the page is kept only after the language switch has set (or not) its cookie."""
    megabytes = app.config["PORTAL_PAGE_CACHE_MB"]
    if megabytes > 0:
        app.extensions["page_cache"] = PageCache(megabytes * 1024 * 1024)
    app.after_request(_keep_and_fill)
    app.jinja_env.globals["slot"] = slot
