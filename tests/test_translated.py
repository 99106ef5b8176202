"""Interface text is translated with the translations kept per language (portal/translated.py):
the same words as Flask-Babel gives, without looking the translations up for every message."""

from __future__ import annotations

from flask_babel import force_locale, refresh

from portal import translated


def test_pages_look_their_translations_up_once_per_language(app, client, monkeypatch):
    looked_up: list[str] = []
    babel_lookup = translated.get_translations

    def counting():
        found = babel_lookup()
        looked_up.append(str(translated.get_locale()))
        return found

    monkeypatch.setattr(translated, "get_translations", counting)
    app.extensions["portal.translated"].clear()
    for _ in range(2):
        assert "Search services" in client.get("/?lang=en").get_data(as_text=True)
        assert "Buscar servicios" in client.get("/?lang=es").get_data(as_text=True)
    assert len(looked_up) == len(set(looked_up)) == 2  # once for English, once for Spanish


def test_a_forced_language_is_followed_and_left(app):
    with app.test_request_context("/?lang=en"):
        assert translated.gettext("Search services") == "Search services"
        with force_locale("es"):
            assert translated.gettext("Search services") == "Buscar servicios"
            assert translated.lazy_gettext("Search services") == "Buscar servicios"
        assert translated.gettext("Search services") == "Search services"


def test_nested_forced_languages_are_followed_and_left(app):
    """The last translations used are kept on g for as long as the locale is the same one."""
    with app.test_request_context("/?lang=es"):
        assert translated.gettext("Search services") == "Buscar servicios"
        with force_locale("en"):
            assert translated.gettext("Search services") == "Search services"
            with force_locale("es"):
                assert translated.gettext("Search services") == "Buscar servicios"
            assert translated.gettext("Search services") == "Search services"
        assert translated.gettext("Search services") == "Buscar servicios"
        refresh()
        assert translated.gettext("Search services") == "Buscar servicios"


def test_outside_an_app_the_message_is_its_own_text():
    assert translated.gettext("Hello %(name)s", name="World") == "Hello World"
    assert translated.ngettext("%(num)d bed", "%(num)d beds", 2) == "2 beds"
