"""Reading what real directory exports contain: values that mean something clear but are not
written the way HSDS asks (times as "9:00am", weekdays as "Tues", websites without https://,
"mailto:" emails, an extension inside the phone number …).

`tidy(table, values)` rewrites one source row's raw values in place, before the importer checks
types, and says what it changed (a Fix, counted in the import report). A value that still cannot
be read is removed from the row (the row is kept without that field) and reported as unreadable.
Rows a value turns into several (two phone numbers in one field) come back as extra rows.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from portal.catalog.cleaning import EMAIL_SHAPE, display_name

SPLIT_NAMESPACE = uuid.UUID("0b6f2a9e-3c54-4d1f-9e7a-5a8c2d4b6e10")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_WORDS = {
    "mo": "MO",
    "mon": "MO",
    "monday": "MO",
    "tu": "TU",
    "tue": "TU",
    "tues": "TU",
    "tuesday": "TU",
    "we": "WE",
    "wed": "WE",
    "weds": "WE",
    "wednesday": "WE",
    "th": "TH",
    "thu": "TH",
    "thur": "TH",
    "thurs": "TH",
    "thursday": "TH",
    "fr": "FR",
    "fri": "FR",
    "friday": "FR",
    "sa": "SA",
    "sat": "SA",
    "saturday": "SA",
    "su": "SU",
    "sun": "SU",
    "sunday": "SU",
}
STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
    "guam": "GU",
    "virgin islands": "VI",
    "american samoa": "AS",
    "northern mariana islands": "MP",
}
NAMED = {"organization", "service", "location"}
URL_FIELDS = {"url", "website", "logo", "uri", "term_uri", "schedule_link"}
_ISO_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
_CLOCK = re.compile(
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap])\.?\s*m?\.?",
    re.IGNORECASE,
)
_BARE_HOUR = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?")
_ALL_DAY = re.compile(r"(open\s+)?(24\s*(hours|hrs|h)|24/7|all\s+day)", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_EXTENSION = re.compile(r"^(?P<number>.*?\d)\s*,?\s*(?:ext\.?|extension|x|#)\s*(?P<ext>\d{1,6})$")
_PHONE_SPLIT = re.compile(r"\s*(?:\bor\b|\band\b|/|;|&|,)\s*", re.IGNORECASE)
_ZIP = re.compile(r"\d{5}(-\d{4})?")


@dataclass(frozen=True)
class Fix:
    field: str
    kind: str  # what was done, the same words for every row (the report groups by it)
    before: str
    after: str | None  # None: unreadable, removed from the row


class Unreadable(ValueError):
    pass


# --- times and days ----------------------------------------------------------------------


def _hhmm(hour: int, minute: int, second: int = 0) -> str:
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise Unreadable
    return f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")


def read_time(text: str) -> str:
    """A clock time as HH:MM ("9:00am", "9 A.M.", "0900", "noon", "midnight", "9:00")."""
    text = text.strip().lower()
    if text in ("noon", "12 noon", "midday"):
        return "12:00"
    if text in ("midnight", "12 midnight"):
        return "00:00"
    if text.isdigit() and len(text) in (3, 4):  # 0900, 900, 1730
        return _hhmm(int(text[:-2]), int(text[-2:]))
    match = _CLOCK.fullmatch(text)
    if match:
        hour = int(match["h"])
        if not 1 <= hour <= 12:
            raise Unreadable
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
        return _hhmm(hour, int(match["m"] or 0), int(match["s"] or 0))
    match = _BARE_HOUR.fullmatch(text)
    if match and match["m"]:  # "9:00" (ISO wants two digits for the hour)
        return _hhmm(int(match["h"]), int(match["m"]), int(match["s"] or 0))
    raise Unreadable


def read_days(text: str) -> str:
    """Weekdays as HSDS byday: "Mon", "Tuesday", "Mon-Fri", "Mon, Wed & Fri" -> MO,… ."""
    days: list[str] = []
    text = re.sub(r"\s*(?:-|–|\bto\b|\bthru\b|\bthrough\b)\s*", "-", text.strip().lower())
    for part in re.split(r"\s*(?:,|;|&|/|\band\b|\s)\s*", text):
        if not part:
            continue
        ends = [_DAY_WORDS.get(p.strip(". ")) for p in part.split("-")]
        if not all(ends) or len(ends) > 2:
            raise Unreadable
        first, last = DAY_CODES.index(ends[0] or ""), DAY_CODES.index(ends[-1] or "")
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        days.extend(DAY_CODES[d] for d in span if DAY_CODES[d] not in days)
    if not days:
        raise Unreadable
    return ",".join(days)


def _range_times(opens: str, closes: str) -> tuple[str, str]:
    """ "9-5": an hour without am/pm that closes before it opens is in the afternoon."""
    if opens.isdigit() and len(opens) <= 2:
        opens += ":00"
    if closes.isdigit() and len(closes) <= 2:
        hour = int(closes)
        if hour <= 12 and opens.split(":")[0].isdigit() and hour < int(opens.split(":")[0]):
            hour += 12
        closes = f"{hour}:00"
    return read_time(opens), read_time(closes)


def read_hours_text(text: str) -> dict[str, str]:
    """ "Mon-Fri 9-5", "Tue 9am-5pm", "24 hours" -> byday, opens_at, closes_at."""
    text = text.strip()
    if _ALL_DAY.fullmatch(text.strip(". ")):
        return {"byday": ",".join(DAY_CODES), "opens_at": "00:00", "closes_at": "23:59"}
    match = re.fullmatch(
        r"(?P<days>[a-z ,&.\-–]+?)\s*:?\s+(?P<opens>[0-9:.apm ]+?)\s*(?:-|–|to)\s*"
        r"(?P<closes>[0-9:.apm ]+)",
        text,
        re.IGNORECASE,
    )
    if not match:
        raise Unreadable
    opens, closes = _range_times(match["opens"].strip(), match["closes"].strip())
    return {"byday": read_days(match["days"]), "opens_at": opens, "closes_at": closes}


def _schedule(values: dict, fixes: list[Fix]) -> None:
    for name in ("opens_at", "closes_at"):
        raw = values.get(name)
        if not isinstance(raw, str) or not raw.strip() or _ISO_TIME.fullmatch(raw.strip()):
            continue
        if name == "opens_at" and _ALL_DAY.fullmatch(raw.strip(". ")):
            values["opens_at"], values["closes_at"] = "00:00", "23:59"
            fixes.append(Fix(name, "hours written as text (24 hours)", raw, "00:00-23:59"))
            break
        try:
            values[name] = read_time(raw)
            fixes.append(Fix(name, "time written as text (9:00am, noon, 0900)", raw, values[name]))
        except Unreadable:
            values.pop(name)
            fixes.append(Fix(name, "unreadable time", raw, None))
    raw = values.get("byday")
    if isinstance(raw, str) and raw.strip() and not re.fullmatch(r"([+-]?\d?[A-Z]{2},?)+", raw):
        try:
            values["byday"] = read_days(raw)
            fixes.append(Fix("byday", "weekday written as a name", raw, values["byday"]))
        except Unreadable:
            values.pop("byday")
            fixes.append(Fix("byday", "unreadable weekday", raw, None))
    structured = ("opens_at", "closes_at", "byday", "freq")
    if any(str(values.get(n) or "").strip() for n in ("opens_at", "closes_at", "byday")):
        return
    for name in ("original_text", "description"):
        text = values.get(name)
        if isinstance(text, str) and text.strip():
            try:
                values.update(read_hours_text(text))
            except Unreadable:
                return  # free text that is not hours ("By appointment") stays a description
            values.setdefault("freq", "WEEKLY")
            values.setdefault("description", text)
            after = " ".join(str(values[n]) for n in structured if values.get(n))
            fixes.append(Fix(name, "hours read from text (Mon-Fri 9-5)", text, after))
            return


# --- contact details ---------------------------------------------------------------------


def _url(values: dict, name: str, fixes: list[Fix]) -> None:
    raw = values[name]
    text = raw.strip()
    if not _SCHEME.match(text):
        if "." not in text or any(ch.isspace() for ch in text):
            values.pop(name)
            fixes.append(Fix(name, "unreadable web address", raw, None))
            return
        text = "https://" + text
        values[name] = text
        fixes.append(Fix(name, "web address without https://", raw, text))
    elif any(ch.isspace() for ch in text) or "." not in text:
        values.pop(name)
        fixes.append(Fix(name, "unreadable web address", raw, None))


def _email(values: dict, name: str, fixes: list[Fix]) -> None:
    raw = values[name]
    text = re.sub(r"\s+", "", raw)
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    if not re.match(EMAIL_SHAPE, text):
        values.pop(name)
        fixes.append(Fix(name, "unreadable email address", raw, None))
    elif text != raw:
        values[name] = text
        fixes.append(Fix(name, "email with spaces or mailto:", raw, text))


def _phone(values: dict, fixes: list[Fix]) -> list[dict]:
    raw = values.get("number")
    if not isinstance(raw, str) or not raw.strip():
        return []
    parts = [p for p in _PHONE_SPLIT.split(raw.strip()) if p]
    extra: list[dict] = []
    if len(parts) > 1 and all(sum(ch.isdigit() for ch in p) >= 7 for p in parts):
        for position, part in enumerate(parts[1:], start=2):
            row = {**values, "number": part, "extension": ""}
            row["id"] = str(uuid.uuid5(SPLIT_NAMESPACE, f"{values.get('id')}#{position}"))
            extra.append(row)
        values["number"] = parts[0]
        fixes.append(Fix("number", "several phone numbers in one field", raw, " | ".join(parts)))
    for row in (values, *extra):
        match = _EXTENSION.fullmatch(row["number"].strip())
        if match and not str(row.get("extension") or "").strip():
            row["number"], row["extension"] = match["number"].strip(), match["ext"]
            after = f"{row['number']} ext. {row['extension']}"
            fixes.append(Fix("number", "extension inside the phone number", raw, after))
    if sum(ch.isdigit() for ch in values["number"]) < 3:
        values.pop("number")
        fixes.append(Fix("number", "unreadable phone number", raw, None))
    return extra


def _address(values: dict, fixes: list[Fix]) -> None:
    if str(values.get("country") or "US").strip().upper() not in ("US", "USA"):
        return
    raw = values.get("state_province")
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        code = STATES.get(text.lower().rstrip("."))
        if code is None and len(text) == 2 and text.isalpha() and text != text.upper():
            code = text.upper()
        if code and code != raw:
            values["state_province"] = code
            fixes.append(Fix("state_province", "state written as a name", raw, code))
    raw = values.get("postal_code")
    if isinstance(raw, str) and raw.strip() and not _ZIP.fullmatch(raw.strip()):
        digits = re.sub(r"[\s-]", "", raw.strip())
        zip_code = None
        if digits.isdigit() and len(digits) == 9:
            zip_code = f"{digits[:5]}-{digits[5:]}"
        elif digits.isdigit() and len(digits) == 4:  # a spreadsheet ate the leading zero
            zip_code = "0" + digits
        elif digits.isdigit() and len(digits) == 8:
            zip_code = f"0{digits[:4]}-{digits[4:]}"
        if zip_code:
            values["postal_code"] = zip_code
            fixes.append(
                Fix("postal_code", "ZIP code written without its dash or zero", raw, zip_code)
            )


def tidy(table: str, values: dict) -> tuple[list[Fix], list[dict]]:
    """Rewrites one row's raw values in place; returns what changed and any extra rows."""
    fixes: list[Fix] = []
    extra: list[dict] = []
    if table == "schedule":
        _schedule(values, fixes)
    elif table == "phone":
        extra = _phone(values, fixes)
    elif table == "address":
        _address(values, fixes)
    shown = display_name(values.get("name")) if table in NAMED else None
    if shown and shown != values.get("name"):  # stored as given; pages show it in title case
        fixes.append(Fix("name", "name in capitals (shown in title case)", values["name"], shown))
    for name, raw in list(values.items()):
        if not isinstance(raw, str) or not raw.strip():
            continue
        if name in URL_FIELDS:
            _url(values, name, fixes)
        elif name == "email":
            _email(values, name, fixes)
    return fixes, extra
