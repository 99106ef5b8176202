"""Phone numbers as people dial them: display form and tel: links (988 and 911 stay short)."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


def _parse(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None


def _is_short(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    return 0 < len(digits) <= 6 and digits == number.strip()


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
    parsed = _parse(number)
    if parsed is None:
        return None
    uri = "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return f"{uri};ext={extension}" if extension else uri


def sms_uri(number: str) -> str | None:
    tel = tel_uri(number)
    return "sms:" + tel.removeprefix("tel:").split(";")[0] if tel else None
