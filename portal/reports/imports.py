"""Imports of records kept outside the portal: the 911 centre's behavioral-health call log
(`flask calls import`) and encounters recorded before the portal (`flask encounters import`).

Every row is checked before anything is written. A file with a bad row writes nothing, and
each problem is reported with its row number (the header is row 1), field and reason; with
`skip_bad` the good rows are written and the bad ones only reported. The rows are written in
one transaction, so an import is never half done. Both imports are idempotent on their ids: a
row already imported is updated to the file's values (a corrected export fixes the record),
and importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from portal import localtime
from portal.extensions import db
from portal.inputs import has_control_characters
from portal.models import (
    AgeBand,
    Call,
    DemographicsBasis,
    Disposition,
    Encounter,
    EncounterSource,
    Ethnicity,
    Gender,
    Injuries,
    PoliceRole,
    Race,
    TeamStatus,
)

CHUNK = 500  # ids looked up per query


class ImportError_(ValueError):
    """The file cannot be read at all (missing, not CSV, a required column absent)."""


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.reason}"


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


class Invalid(ValueError):
    pass


# --- values ---------------------------------------------------------------------------------


def _text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise Invalid(f"at most {max_length} characters")
        return value

    return parse


def _vocabulary(vocabulary: type[StrEnum]) -> Callable[[str], str]:
    allowed = [member.value for member in vocabulary]

    def parse(value: str) -> str:
        code = value.lower()
        if code not in allowed:
            raise Invalid(f"{value!r} is not one of {', '.join(allowed)}")
        return code

    return parse


def _yes_no(value: str) -> bool:
    answer = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
    try:
        return answer[value.lower()]
    except KeyError:
        raise Invalid(f"{value!r} is not yes or no") from None


def _triage(value: str) -> int:
    if value not in ("1", "2", "3", "4"):
        raise Invalid(f"{value!r} is not a triage level from 1 to 4")
    return int(value)


def _local_time(value: str) -> dt.datetime:
    """ISO 8601; a time without an offset is the program's local time. Stored in UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        return localtime.to_utc(parsed)
    return parsed.astimezone(dt.UTC)


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    attribute: str | None = None  # the model attribute, when named differently


CALL_COLUMNS = (
    Column("call_id", _text(64), required=True),
    Column("received_at", _local_time, required=True),
    Column("nature", _text(200)),
    Column("team_status", _vocabulary(TeamStatus), required=True),
)
ENCOUNTER_COLUMNS = (
    Column("encounter_id", _text(64), required=True, attribute="external_id"),
    Column("occurred_at", _local_time, required=True),
    Column("source", _vocabulary(EncounterSource), required=True),
    Column("disposition", _vocabulary(Disposition), required=True),
    Column("arrest_eligible", _yes_no),
    Column("diverted", _yes_no),
    Column("call_id", _text(64)),
    Column("call_received_at", _local_time),
    Column("arrived_at", _local_time),
    Column("triage_level", _triage),
    Column("police_role", _vocabulary(PoliceRole)),
    Column("force_used", _yes_no),
    Column("injuries", _vocabulary(Injuries)),
    Column("race", _vocabulary(Race)),
    Column("ethnicity", _vocabulary(Ethnicity)),
    Column("gender", _vocabulary(Gender)),
    Column("age_band", _vocabulary(AgeBand)),
    Column("demographics_basis", _vocabulary(DemographicsBasis)),
)


# --- reading --------------------------------------------------------------------------------


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """`--map 'received_at=Call Time'` (repeatable, or comma-separated): our column name →
    the header in the file."""
    mapping = {}
    for pair in pairs:
        for part in pair.split(","):
            if not part.strip():
                continue
            ours, sep, theirs = part.partition("=")
            if not sep or not ours.strip() or not theirs.strip():
                raise ImportError_(f"--map needs column=Header, not {part!r}")
            mapping[ours.strip()] = theirs.strip()
    return mapping


def _rows(path: Path, columns: tuple[Column, ...], mapping: dict[str, str]):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportError_(f"cannot read {path}: {error}") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = headers
    unknown = [ours for ours in mapping if ours not in {c.name for c in columns}]
    if unknown:
        raise ImportError_(f"--map names unknown columns: {', '.join(unknown)}")
    missing = [c.name for c in columns if c.required and mapping.get(c.name, c.name) not in headers]
    if missing:
        raise ImportError_(f"row 1: missing column(s) {', '.join(missing)}")
    for number, raw in enumerate(reader, start=2):
        yield (
            number,
            {c.name: (raw.get(mapping.get(c.name, c.name)) or "").strip() for c in columns},
        )


def _check(number: int, raw: dict[str, str], columns, problems: list[Problem]) -> dict | None:
    values: dict[str, Any] = {}
    before = len(problems)
    for column in columns:
        value = raw[column.name]
        if has_control_characters(value):
            problems.append(Problem(number, column.name, "contains control characters"))
        elif not value:
            if column.required:
                problems.append(Problem(number, column.name, "required"))
            values[column.attribute or column.name] = None
        else:
            try:
                values[column.attribute or column.name] = column.parse(value)
            except Invalid as error:
                problems.append(Problem(number, column.name, str(error)))
    return values if len(problems) == before else None


def _existing(model, key, ids: list[str]) -> dict[str, Any]:
    found = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for record in db.session.scalars(select(model).where(key.in_(chunk))):
            found[getattr(record, key.key)] = record
    return found


def _import(
    path: Path,
    columns: tuple[Column, ...],
    mapping: dict[str, str],
    *,
    key: str,
    extra_check: Callable[[int, dict, list[Problem]], None],
    build: Callable[[dict], dict[str, Any]],
    model,
    model_key,
    skip_bad: bool,
    dry_run: bool,
) -> Outcome:
    outcome = Outcome()
    good: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    for number, raw in _rows(path, columns, mapping):
        values = _check(number, raw, columns, outcome.problems)
        if values is None:
            continue
        identifier = values[key]
        if identifier in first_row:
            column = _column_named(columns, key)
            outcome.problems.append(Problem(number, column, f"repeats row {first_row[identifier]}"))
            continue
        before = len(outcome.problems)
        extra_check(number, values, outcome.problems)
        if len(outcome.problems) > before:
            continue
        first_row[identifier] = number
        good[identifier] = values
    if (outcome.problems and not skip_bad) or dry_run:
        return outcome
    existing = _existing(model, model_key, list(good))
    for identifier, values in good.items():
        attributes = build(values)
        record = existing.get(identifier)
        if record is None:
            db.session.add(model(**attributes))
            outcome.created += 1
            continue
        changed = False
        for name, value in attributes.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed = True
        if changed:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    db.session.commit()
    outcome.written = True
    return outcome


def _column_named(columns, attribute: str) -> str:
    return next(c.name for c in columns if (c.attribute or c.name) == attribute)


# --- the two imports ------------------------------------------------------------------------


def _no_extra_check(number: int, values: dict, problems: list[Problem]) -> None:
    return None


def _call_attributes(values: dict) -> dict[str, Any]:
    local = values["received_at"].astimezone(localtime.zone())
    return {**values, "local_hour": local.hour, "local_weekday": local.weekday()}


def import_calls(
    path: Path, mapping: dict[str, str] | None = None, *, skip_bad=False, dry_run=False
) -> Outcome:
    return _import(
        path,
        CALL_COLUMNS,
        mapping or {},
        key="call_id",
        extra_check=_no_extra_check,
        build=_call_attributes,
        model=Call,
        model_key=Call.call_id,
        skip_bad=skip_bad,
        dry_run=dry_run,
    )


def _check_encounter(number: int, values: dict, problems: list[Problem]) -> None:
    if values["diverted"] and not values["arrest_eligible"]:
        problems.append(
            Problem(number, "diverted", "only an arrest-eligible encounter is diverted")
        )
    received, arrived = values["call_received_at"], values["arrived_at"]
    if received and arrived and arrived < received:
        problems.append(Problem(number, "arrived_at", "before the call was received"))


def _encounter_attributes(values: dict) -> dict[str, Any]:
    return {
        **values,
        "arrest_eligible": bool(values["arrest_eligible"]),
        "diverted": bool(values["diverted"]),
    }


def import_encounters(
    path: Path, mapping: dict[str, str] | None = None, *, skip_bad=False, dry_run=False
) -> Outcome:
    return _import(
        path,
        ENCOUNTER_COLUMNS,
        mapping or {},
        key="external_id",
        extra_check=_check_encounter,
        build=_encounter_attributes,
        model=Encounter,
        model_key=Encounter.external_id,
        skip_bad=skip_bad,
        dry_run=dry_run,
    )
