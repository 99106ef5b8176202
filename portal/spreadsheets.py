"""CSV cells that a spreadsheet would run as a formula (CSV injection, OWASP): one rule for
every CSV the portal writes (the audit log, the public HSDS data package)."""

from __future__ import annotations

import datetime as dt

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would take it for a formula.
    Only for text: numbers (a longitude of -77.03) are written as they are. A text that
    already starts with an apostrophe gets one more, so `restore` gives back every text."""
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


def text_cell(value) -> str:
    """A value written as a CSV cell of text: empty for None, ISO 8601 for a time, neutralised."""
    if value is None:
        return ""
    return neutralise(value.isoformat() if isinstance(value, dt.datetime) else str(value))


def restore(text):
    """What `neutralise` was given (the HSDS import reads the portal's own CSV back)."""
    if (
        isinstance(text, str)
        and text.startswith("'")
        and text[1:].startswith((*FORMULA_STARTS, "'"))
    ):
        return text[1:]
    return text
