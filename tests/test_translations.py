"""The Spanish catalog is complete and kept so: every marked string has a translation that is
not fuzzy and keeps its placeholders, and the words follow docs/glossary-es.md."""

from __future__ import annotations

import re
import subprocess

import pytest
from babel.messages.pofile import read_po

from portal.i18n import SUPPORTED_LOCALES
from tests.translations import TRANSLATIONS, po_files

ROOT = TRANSLATIONS.parent.parent


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Every string marked in the code and templates now, extracted as `make translations`
    does (the same Makefile rule), so a string added without a translation is caught."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        ["make", "--no-print-directory", "-s", "messages-template", f"POT={pot}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_supported_language_but_english_has_a_catalog():
    languages = {po.parent.parent.name for po in po_files()}
    assert languages == set(SUPPORTED_LOCALES) - {"en"}


def test_the_template_finds_strings_in_python_templates_and_partials(template):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert "Skip to main content" in ids  # base.html
    assert "e.g. detox, counseling, food" in ids  # _partials/ (a folder named _*)
    assert "Age must be between 0 and 120." in ids  # forms.py (lazy_gettext as _l)
    assert "%(num)d service" in ids  # ngettext in a template


@pytest.mark.parametrize("language", [c for c in SUPPORTED_LOCALES if c != "en"])
def test_every_message_is_translated_and_not_fuzzy(template, language):
    translated = catalog(language)
    missing, fuzzy, empty = [], [], []
    for message in template:
        if not message.id:
            continue
        entry = translated.get(message.id, message.context)
        if entry is None:
            missing.append(message.id)
        elif entry.fuzzy:
            fuzzy.append(message.id)
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            empty.append(message.id)
    hint = f"run `make translations`, then translate in portal/translations/{language}"
    assert not missing, f"not in the {language} catalog ({hint}): {missing[:10]}"
    assert not fuzzy, f"fuzzy in the {language} catalog: {fuzzy[:10]}"
    assert not empty, f"untranslated in the {language} catalog: {empty[:10]}"


@pytest.mark.parametrize("language", [c for c in SUPPORTED_LOCALES if c != "en"])
def test_translations_keep_their_placeholders(language):
    translated = catalog(language)
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in translated.check()
        if errors
    ]
    assert not problems, problems[:5]
    for message in translated:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", " ".join(sources)))
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            # Every named placeholder survives (a plural form may leave %(num)d out in theory,
            # but none of ours does).
            assert set(re.findall(r"%\(\w+\)[sd]", target)) == wanted, message.id


# The glossary (docs/glossary-es.md) picked one word for each idea; these are the others.
AVOIDED = {
    r"\bremisi[oó]n": "referral is “referido”",
    r"\belegibilidad\b": "eligibility is “requisitos”",
    r"\bescala (deslizante|variable)\b": "sliding scale is “escala móvil”",
    r"\b(tú|puedes|tienes|necesitas|quieres|estás|llámanos)\b": "address the reader as “usted”",
    r"\bc[oó]digo zip\b": "ZIP code is “código postal”",
    r"\bconsejer[oa]s? de crisis\b|\bconsulta\b": "counseling is “consejería”",
}


def test_spanish_follows_the_glossary():
    found = []
    for message in catalog("es"):
        if not message.id:
            continue
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            for pattern, rule in AVOIDED.items():
                if re.search(pattern, target, re.IGNORECASE):
                    found.append((target, rule))
    assert not found, found[:5]
