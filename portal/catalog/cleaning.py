"""Cleaning what people type into listings: the one place for how phone numbers, web and
email addresses, plain text and one-item-a-line lists are normalised, or refused with a message
for the person (CleaningError). Forms apply these rules as WTForms filters; the review, the
problem reports and the importer call them directly."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3
import phonenumbers

from portal.catalog import phones as phone_format
from portal.translated import gettext as _

SHORT_TEXT = 255
LONG_TEXT = 4000
URL_MAX = 2048
LIST_ITEMS = 30  # lines in a list field (documents, areas, languages …)
EMAIL_MAX = 254
# A deliberately loose shape: one @, something on each side, a dot in the domain. Whether the
# address is real is proven by an email reaching it.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class CleaningError(ValueError):
    """A value that cannot be saved; the message tells the person what to change. A
    ValueError, so a WTForms filter that raises it becomes the field's error."""


def clean_text(value: str | None, max_length: int = LONG_TEXT) -> str | None:
    """Plain text: HTML tags and scripts removed (nh3), blank lines trimmed; None when empty."""
    text = (value or "").replace("\r\n", "\n").strip()
    for _round in range(3):  # "&lt;b&gt;" must not come back as a tag once unescaped
        cleaned = html.unescape(nh3.clean(text, tags=set())).strip()
        if cleaned == text:
            break
        text = cleaned
    if len(text) > max_length:
        raise CleaningError(
            _(
                "Keep this to %(max)d characters or fewer (it has %(count)d).",
                max=max_length,
                count=len(text),
            )
        )
    return text or None


def clean_lines(value: str | None, max_length: int = SHORT_TEXT) -> list[str]:
    """One item a line (documents to bring, areas served …), cleaned, without repeats."""
    items: list[str] = []
    for line in (value or "").splitlines():
        item = clean_text(line, max_length)
        if item and item not in items:
            items.append(item)
    if len(items) > LIST_ITEMS:
        raise CleaningError(_("List at most %(max)d items.", max=LIST_ITEMS))
    return items


def clean_phone(value: str | None) -> str | None:
    """A dialable number in its national form; short numbers such as 988 or 911 stay short."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 40:
        raise CleaningError(_("Enter a phone number like 703-555-0100."))
    try:
        parsed = phonenumbers.parse(text, phone_format.DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise CleaningError(_("Enter a phone number like 703-555-0100.")) from None
    digits = "".join(ch for ch in text if ch.isdigit())
    # Public short numbers in the US are three digits (211, 311, 911, 988 …); longer short
    # codes are carrier-specific and not for listing.
    if len(digits) == 3 and phonenumbers.is_valid_short_number(parsed):
        return digits
    if not phonenumbers.is_valid_number(parsed):
        raise CleaningError(
            _(
                "%(number)s is not a phone number that can be dialled. Enter it like 703-555-0100.",
                number=text,
            )
        )
    return phone_format.display(
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    )


def clean_url(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or "." not in (parts.hostname or "")
        or any(ch.isspace() for ch in text)
        or len(text) > URL_MAX
    ):
        raise CleaningError(_("Enter a web address like https://www.example.org."))
    return text


def clean_email(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > EMAIL_MAX or not re.match(EMAIL_SHAPE, text):
        raise CleaningError(_("Enter an email address like name@example.org."))
    return text


def display_name(value: str | None) -> str | None:
    """A name typed all in capitals ("RIVERBEND FAMILY SERVICES", as many 211 exports write
    them) shown in title case; any other name as it is. Pages call this; the stored value
    (and so the HSDS export) keeps the source's spelling."""
    if not value or not any(ch.isalpha() for ch in value) or value != value.upper():
        return value
    shown = re.sub(r"[^\W\d_]+", _title_word, value)
    return shown if len(shown) == len(value) else value


def _title_word(word: re.Match) -> str:
    text, start = word.group(0), word.start()
    # "MARY'S" -> "Mary's", but "O'BRIEN" -> "O'Brien": a short run after an apostrophe is
    # an ending (s, ll, re, ve, d, t).
    if start > 0 and word.string[start - 1] in "'’" and len(text) <= 2:
        return text.lower()
    return text[0] + text[1:].lower()
