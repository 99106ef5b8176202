"""The portal's two taxonomies and the codes that pages, search and filters rely on.

Both are ordinary HSDS taxonomies (taxonomy + taxonomy_term rows, linked to services by
`attribute` rows with link_entity "service"), so they export and import like any other.
- SERVICE_CATEGORIES: what a service is (two levels: e.g. "Substance use" > "Withdrawal
  management (detox)"); the home page and /categories browse it.
- SERVICE_DETAILS: facts people filter on, grouped under a parent term each: payment accepted,
  how the service is delivered, and populations served.
"""

from __future__ import annotations

import json

from flask_babel import get_locale

from portal.translated import gettext
from portal.translated import lazy_gettext as _l

SERVICE_CATEGORIES_TAXONOMY_ID = "6f1c2a8e-5b1d-4f57-9a44-0c5e8f1a2b01"
SERVICE_DETAILS_TAXONOMY_ID = "6f1c2a8e-5b1d-4f57-9a44-0c5e8f1a2b02"

# attribute.link_type for each kind of link
CATEGORY_LINK = "service_category"
DETAIL_LINK = "service_detail"

# (parent code, parent name, [(code, name), ...]); codes are stable identifiers used in URLs.
DETAIL_GROUPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "payment",
        "Payment accepted",
        [
            ("payment-medicaid", "Medicaid"),
            ("payment-medicare", "Medicare"),
            ("payment-private-insurance", "Private insurance"),
            ("payment-sliding-scale", "Sliding scale fees"),
            ("payment-free", "Free"),
            ("payment-self-pay", "Self-pay"),
            ("payment-tricare", "TRICARE / VA"),
        ],
    ),
    (
        "delivery",
        "How to get it",
        [
            ("delivery-in-person", "In person"),
            ("delivery-telehealth", "Telehealth (phone or video)"),
            ("delivery-walk-in", "Walk-ins welcome"),
            ("delivery-appointment", "By appointment"),
            ("delivery-mobile", "Comes to you (mobile team)"),
            ("delivery-phone-text-chat", "Phone, text or chat line"),
        ],
    ),
    (
        "population",
        "Who it is for",
        [
            ("population-youth", "Children and teens"),
            ("population-young-adults", "Young adults (18–25)"),
            ("population-adults", "Adults"),
            ("population-older-adults", "Older adults"),
            ("population-families", "Families and caregivers"),
            ("population-veterans", "Veterans and military families"),
            ("population-lgbtq", "LGBTQ+ people"),
            ("population-women", "Women"),
            ("population-pregnant", "Pregnant and parenting people"),
            ("population-justice-involved", "People leaving jail or prison"),
            ("population-unhoused", "People without stable housing"),
            ("population-deaf", "Deaf and hard of hearing people"),
            ("population-immigrants", "Immigrants and refugees"),
        ],
    ),
]


DETAIL_GROUP_OF_CODE = {code: group for group, _name, terms in DETAIL_GROUPS for code, _n in terms}
DETAIL_CODES = frozenset(DETAIL_GROUP_OF_CODE)


def label(name: str | None) -> str:
    """A name from the portal's own vocabulary (a category, a detail, a capacity unit) in the
    reader's language. The database keeps the English name; a name the catalog does not know
    (a term an administrator added or renamed) shows as stored."""
    return gettext(name) if name else (name or "")


# Sign and other languages CLDR does not name.
_LANGUAGE_NAMES = {"ase": _l("American Sign Language"), "prs": _l("Dari")}


def language_name(code: str | None, stored: str) -> str:
    """A language a service speaks, named in the reader's language (Babel's CLDR names); the
    stored name for English readers or a code nobody names."""
    locale = get_locale()
    if locale is None or locale.language == "en" or not code:
        return stored
    code = code.strip().lower()
    named = locale.languages.get(code) or _LANGUAGE_NAMES.get(code)
    return str(named) if named else stored


def extract_names(fileobj, keywords, comment_tags, options):
    """A Babel extractor (babel.cfg) for the sample catalog's taxonomy (names and descriptions),
    its units and the detail groups above, so `make translations` asks for them like any other
    interface text."""
    catalog = json.load(fileobj)
    names: list[str] = []

    def walk(terms: list[dict]) -> None:
        for term in terms:
            names.extend(
                [term["name"], *([term["description"]] if term.get("description") else [])]
            )
            walk(term.get("children") or [])

    walk(catalog.get("taxonomy", {}).get("terms", []))
    names += [unit["name"] for unit in catalog.get("units", [])]
    for _group, group_name, terms in DETAIL_GROUPS:
        names += [group_name, *(term_name for _code, term_name in terms)]
    for number, name in enumerate(dict.fromkeys(names), start=1):
        yield number, "gettext", name, ["TRANSLATORS: a name in the portal's own vocabulary"]
