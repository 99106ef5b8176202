"""The reader's language: which one a request gets, the switch between them, and the links
that name each version of a page.

The language comes from, in order: an explicit choice (`?lang=es` on any page, which the
"Español" / "English" link adds to the current URL; it is remembered in a cookie), the cookie
of an earlier choice, the browser's Accept-Language, then English. No language is needed in
the URL, so every link stays shareable; a link that carries `?lang=` opens in that language.
"""

from __future__ import annotations

from contextlib import nullcontext
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from flask_babel import force_locale, format_currency, get_locale, refresh
from markupsafe import Markup

from portal.catalog import vocabulary

SUPPORTED_LOCALES = ("en", "es")
# The locale each language is formatted in: Spanish as written in the United States (12-hour
# clock, $1,234.50); its messages come from translations/es all the same.
FORMATS = {"en": "en", "es": "es_US"}
DEFAULT_LOCALE = "en"
# The name of each language in itself: the switch shows it so a reader can find their own.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
# The catalog's listings are written in English; a page in another language marks their text
# with it (lang="en") so a screen reader pronounces it right.
LISTING_LANGUAGE = "en"
PARAMETER = "lang"
# A page for a client (a printed list or referral) in the client's language, whatever the
# clinician's own: `?print_in=es`, which changes nothing else.
PRINT_PARAMETER = "print_in"
# How a client's preferred language may be written in their record (free text).
_LANGUAGE_WORDS = {
    "es": {"es", "spa", "spanish", "espanol", "español", "castellano"},
    "en": {"en", "eng", "english", "ingles", "inglés"},
}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def _supported(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if value in SUPPORTED_LOCALES else None


def select_locale() -> str | None:
    """Flask-Babel's locale selector; None (the default, English) outside a request: a CLI
    command's emails, for one."""
    if not has_request_context():
        return None
    language = (
        _supported(request.args.get(PARAMETER))
        or _supported(request.cookies.get(COOKIE))
        or request.accept_languages.best_match(SUPPORTED_LOCALES)
        or DEFAULT_LOCALE
    )
    return FORMATS[language]


def language_of(preference: str | None) -> str | None:
    """A client's preferred language ("Spanish", "español", "es-US") as a language the site
    is written in, or None."""
    words = (preference or "").strip().lower().replace("_", "-").split("-")[0].split()
    for code, names in _LANGUAGE_WORDS.items():
        if words and words[0] in names:
            return code
    return None


def printed_in(preference: str | None = None) -> str | None:
    """The language of a page for a client: `?print_in=`, else their preferred language."""
    return _supported(request.args.get(PRINT_PARAMETER)) or language_of(preference)


def written_in(language: str | None):
    """Render inside this to write a page in `language` (None: the reader's own)."""
    return force_locale(FORMATS[language]) if language else nullcontext()


def current_language() -> str:
    """The language this response is written in (a print page may force another one)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def language_url(code: str, external: bool = False) -> str:
    """This page in language `code`: the same path and query with `lang=code`. Built from the
    path, never from a parameter, so it cannot lead off the site; the external form starts
    from PORTAL_BASE_URL, not from the request's Host header."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != PARAMETER]
    query.append((PARAMETER, code))
    path = request.script_root + request.path
    url = f"{path}?{urlencode(query)}"
    if external:
        return current_app.config["PORTAL_BASE_URL"].rstrip("/") + url
    return url


def as_written(text: str | None) -> Markup:
    """A listing's own words inside a translated sentence, marked with their language."""
    return Markup('<span lang="%s">%s</span>') % (LISTING_LANGUAGE, text or "")


def _choose_afresh() -> None:
    # Flask-Babel keeps the locale on `g`, which lives as long as the app context: one request
    # in production, but a whole test (or script) that sends several through a test client.
    refresh()


def _remember_choice(response):
    choice = _supported(request.args.get(PARAMETER))
    if choice and request.cookies.get(COOKIE) != choice:
        response.set_cookie(
            COOKIE,
            choice,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["PORTAL_ENV"] == "production",
        )
    # The same URL answers in either language: a shared cache must keep them apart.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def init_app(app: Flask) -> None:
    app.before_request(_choose_afresh)
    app.after_request(_remember_choice)
    app.jinja_env.filters.update(
        as_written=as_written,
        vocab=vocabulary.label,
        money=lambda amount: format_currency(amount, "USD"),
    )
    app.jinja_env.globals.update(
        listing_lang=LISTING_LANGUAGE,
        current_language=current_language,
        language_url=language_url,
        language_names=LANGUAGE_NAMES,
        supported_locales=SUPPORTED_LOCALES,
    )
