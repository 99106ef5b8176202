"""Phone numbers as people dial them: display form and tel: links (988 and 911 stay short)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from portal.translated import lazy_gettext as _l

DEFAULT_REGION = "US"
# HSDS phone types, as a reader and a provider's form name them.
TYPE_LABELS = {
    "voice": _l("Voice"),
    "text": _l("Text messages"),
    "cell": _l("Mobile"),
    "fax": _l("Fax"),
    "textphone": _l("TTY / textphone"),
    "video": _l("Video"),
}
# Parsing a number costs about as much as the rest of a list entry, and every list of
# services formats its phones: formatted numbers are kept, as they depend on the text alone.
FORMATTED_NUMBERS = 4096


def _parse(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None


def _is_short(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    return 0 < len(digits) <= 6 and digits == number.strip()


@lru_cache(maxsize=FORMATTED_NUMBERS)
def display(number: str) -> str:
    if _is_short(number):
        return number.strip()
    parsed = _parse(number)
    if parsed is None:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def tel_uri(number: str, extension: int | None = None) -> str | None:
    """A tel: link, or None when the text cannot be dialled."""
    if _is_short(number):
        return f"tel:{number.strip()}"
    dialled = _e164(number)
    if dialled is None:
        return None
    uri = "tel:" + dialled
    return f"{uri};ext={extension}" if extension else uri


@lru_cache(maxsize=FORMATTED_NUMBERS)
def _e164(number: str) -> str | None:
    parsed = _parse(number)
    if parsed is None:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def sms_uri(number: str) -> str | None:
    tel = tel_uri(number)
    return "sms:" + tel.removeprefix("tel:").split(";")[0] if tel else None
