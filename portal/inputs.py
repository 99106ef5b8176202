"""Input hygiene in one place: what the portal accepts from a URL, a query string or a form.

PostgreSQL refuses a NUL byte in text (SQLite keeps it), so a NUL that reached a query used to
answer 500 on one database and something else on the other. Every way in is covered here, the
same on both databases:

- a path segment (`/services/<id>`, `/api/taxonomies/<id>`) with a control character matches
  no route: 404, as for an unknown id (`SafeStringConverter`, the app's default); a signed
  token (`<signed:token>`) reaches its view, whose signature check answers 400 for it;
- ids taken from a query or form value go through `record_id` (None, so 404, when malformed);
- form and API parameters are parsed by WTForms: pages refuse control characters with a
  message (portal.forms.PortalForm, 422 or the page's own status), the API with a 400 naming
  the parameter (portal.api.parameters); search words that are only narrowed, never stored,
  drop them (`strip_control_characters`).
"""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import BaseConverter, UnicodeConverter

# C0 controls and DEL, except tab, newline and carriage return (typed text keeps those).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An id or a path segment has no control character at all (tab and newlines included).
_ID_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ID_MAX = 255  # longer than any id the catalog stores (HSDS ids are at most 255 characters)


def has_control_characters(value: object) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def strip_control_characters(value: str | None) -> str | None:
    """A WTForms filter for search words: invisible characters are dropped, not refused."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def record_id(value: object) -> str | None:
    """An id named by a query or form value, or None when it cannot be one (empty, too long,
    or with a control character); the caller answers 404, as for an unknown id."""
    text = str(value) if value is not None else ""
    if not text or len(text) > ID_MAX or _ID_CONTROL.search(text):
        return None
    return text


class SafeStringConverter(BaseConverter):
    """Werkzeug's default `string` converter, without control characters."""

    regex = r"[^/\x00-\x1f\x7f]+"


class SignedTokenConverter(UnicodeConverter):
    """A signed token (an invitation or a password reset link): any segment reaches the view,
    whose signature check refuses a malformed one, control characters included, with a 400."""


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: a rule reads its converters when it is added.
    app.url_map.converters["default"] = SafeStringConverter
    app.url_map.converters["string"] = SafeStringConverter
    app.url_map.converters["signed"] = SignedTokenConverter
