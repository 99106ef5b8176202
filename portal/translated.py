"""Interface text in the reader's language: Flask-Babel's gettext and friends, with the
translations looked up once per language instead of once per message.

Flask-Babel finds the translations for every message through its request context three times
over and names the locale afresh each time; a page asks for hundreds of messages (labels,
day names, vocabulary), and that lookup cost more than the rest of the translating. Here the
translations Flask-Babel loads are kept per app and locale, so the same `force_locale`,
`refresh` and language choice give the same text. Templates use the same functions
(init_app).
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_app_context
from flask_babel import LazyString, get_locale, get_translations

_KEPT = "portal.translated"
_LAST = "portal_translated_last"  # on g: (locale, its translations)


def _translations():
    if not has_app_context():
        return get_translations()
    context = g._get_current_object()
    # Flask-Babel keeps the context's locale on g._flask_babel until refresh() or
    # force_locale() replaces it with another object; while it is the same object, so are its
    # translations. Should that attribute move, every call takes the longer way below.
    babel = getattr(context, "_flask_babel", None)
    last = context.__dict__.get(_LAST)
    if last is not None and last[0] is getattr(babel, "babel_locale", None):
        return last[1]
    kept = current_app.extensions[_KEPT]
    locale = get_locale()
    found = kept.get(locale)
    if found is None:
        found = kept[locale] = get_translations()
    setattr(context, _LAST, (locale, found))
    return found


def gettext(string: str, **variables) -> str:
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    text = _translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def init_app(app: Flask) -> None:
    """After Flask-Babel's own init_app: the templates' gettext use the kept translations."""
    app.extensions[_KEPT] = {}
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
