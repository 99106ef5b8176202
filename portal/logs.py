"""Keep client data and secrets out of every log line (issue 18.2).

The database engine already hides statement parameters (config: `hide_parameters`); this is
the second line: every log record made in the process, by the app, a library, the development
server or gunicorn's access log, is scrubbed when it is created. It removes:

- query strings of logged URLs (client searches, public searches for help, filters);
- the tokens in password-reset and invitation links;
- statement parameters and PostgreSQL's "Key (column)=(value)" and "Failing row" details;
- phone numbers.

The scrub works on the formatted message and traceback text, so a record carries no raw
argument a handler could format later.
"""

from __future__ import annotations

import logging
import re

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(/(?:password/reset|invitations)/)[^\s\"'?#/]+"), r"\1[token]"),
    (re.compile(r"(/[^\s\"'?]*)\?[^\s\"']*"), r"\1?[query removed]"),
    (re.compile(r"\[parameters: .*?\](?=\n|$|\s*\(Background)", re.S), "[parameters: removed]"),
    (re.compile(r"(Key \([^)]*\))=\([^\n]*\)"), r"\1=(…)"),
    (re.compile(r"(Failing row contains )\([^\n]*\)"), r"\1(…)"),
    (re.compile(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b"), "[phone]"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


_format_exception = logging.Formatter().formatException


def _scrubbed(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a bad format string: keep what logging would show
        message = str(record.msg)
    record.msg, record.args = scrub(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(_format_exception(record.exc_info))
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


def install() -> None:
    """Scrub every record this process makes from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "scrubs", False):
        return

    def scrubbing_factory(*args, **kwargs) -> logging.LogRecord:
        return _scrubbed(factory(*args, **kwargs))

    scrubbing_factory.scrubs = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(scrubbing_factory)
