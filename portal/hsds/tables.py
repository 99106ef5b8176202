"""The HSDS 3.0 tables as the portal stores them: model, CSV file name, fields, and how each
field's value is written as JSON or CSV text and read back.

The catalog models use HSDS names, so a table's HSDS fields are its columns minus the few the
portal adds (capacity and intake fields stay out of the 3.0 export; see portal/models/catalog.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, Numeric, Time

from portal.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Metadata,
    Organization,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from portal.models.catalog import UTCDateTime

HSDS_VERSION = "3.0"
# Tables from HSDS 3.1 carried alongside 3.0 (the portal's capacity); the data package says so.
HSDS_3_1_TABLES = ("service_capacity", "unit")
# Non-UUID ids from other systems ("42", "org-7") become stable UUIDs under this namespace,
# so importing the same file twice finds the same rows.
FOREIGN_ID_NAMESPACE = uuid.UUID("5f0c7b5e-2a41-4e0b-9d83-1c6e4f7a9b20")


@dataclass(frozen=True)
class Table:
    name: str  # HSDS table (and database table) name
    model: type[Any]  # the model class, chosen by table name
    csv_name: str
    portal_only: frozenset[str] = field(default_factory=frozenset)
    # Portal-only fields an import may set (a flag column in the source); never exported.
    import_also: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def fields(self) -> list[str]:
        return [c.key for c in self.model.__table__.columns if c.key not in self.portal_only]

    @cached_property
    def importable(self) -> list[str]:
        return [*self.fields, *sorted(self.import_also)]

    def column(self, name: str):
        return self.columns[name]

    @cached_property
    def columns(self) -> dict:
        return {name: self.model.__table__.columns[name] for name in self.importable}

    @cached_property
    def foreign_keys(self) -> dict[str, str]:
        """field -> HSDS table it points at."""
        return {
            c.key: next(iter(c.foreign_keys)).column.table.name
            for c in self.model.__table__.columns
            if c.foreign_keys and c.key not in self.portal_only
        }

    @cached_property
    def id_fields(self) -> frozenset[str]:
        """Fields holding ids (mapped by hsds_id), including the untyped links."""
        return frozenset(
            {"id", *self.foreign_keys} | ({"link_id", "resource_id"} & set(self.fields))
        )

    @cached_property
    def kinds(self) -> dict[str, str]:
        return {name: kind_of(self.column(name)) for name in self.importable}

    @cached_property
    def filled_when_empty(self) -> dict:
        """NOT NULL fields with a default: an empty value becomes the default (e.g. "")."""
        return {
            c.key: c.default.arg
            for c in self.columns.values()
            if not c.nullable and c.default is not None
        }

    @cached_property
    def required(self) -> frozenset[str]:
        """Fields a row must have: the id and NOT NULL columns without a default."""
        return frozenset(
            c.key
            for c in self.model.__table__.columns
            if c.key in self.fields and (c.primary_key or (not c.nullable and c.default is None))
        )


# In dependency order: every table comes after the tables its foreign keys point at
# (parent_organization_id and taxonomy_term.parent_id point at their own table).
TABLES: tuple[Table, ...] = (
    Table("organization", Organization, "organizations.csv", portal_only=frozenset({"trusted"})),
    Table("organization_identifier", OrganizationIdentifier, "organization_identifiers.csv"),
    Table("program", Program, "programs.csv"),
    Table("unit", Unit, "units.csv"),  # HSDS 3.1
    Table(
        "service",
        Service,
        "services.csv",
        portal_only=frozenset({"accepting_new_clients", "waitlist_length", "capacity_updated"}),
    ),
    Table("service_capacity", ServiceCapacity, "service_capacity.csv"),  # HSDS 3.1
    Table(
        "location",
        Location,
        "locations.csv",
        portal_only=frozenset({"confidential"}),
        import_also=frozenset({"confidential"}),
    ),
    Table("service_at_location", ServiceAtLocation, "service_at_location.csv"),
    Table("address", Address, "addresses.csv"),
    Table("contact", Contact, "contacts.csv"),
    Table("phone", Phone, "phones.csv"),
    Table("schedule", Schedule, "schedules.csv"),
    Table("taxonomy", Taxonomy, "taxonomies.csv"),
    Table("taxonomy_term", TaxonomyTerm, "taxonomy_terms.csv"),
    Table("attribute", Attribute, "attributes.csv", portal_only=frozenset({"label"})),
    Table("language", Language, "languages.csv"),
    Table("accessibility", Accessibility, "accessibility.csv"),
    Table("cost_option", CostOption, "cost_options.csv"),
    Table("required_document", RequiredDocument, "required_documents.csv"),
    Table("service_area", ServiceArea, "service_areas.csv"),
    Table("funding", Funding, "funding.csv"),
    Table("metadata", Metadata, "metadata.csv"),
)
BY_NAME = {table.name: table for table in TABLES}
BY_CSV = {table.csv_name: table for table in TABLES}


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class BadValue(ValueError):
    """A field's text is not a value of its type; the message says what was expected."""


def kind_of(column) -> str:
    """The Frictionless/HSDS type of a column: string, integer, number, date, time, datetime,
    boolean."""
    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        return "datetime"
    for sql_type, name in (
        (Boolean, "boolean"),
        (Integer, "integer"),
        (Date, "date"),
        (Time, "time"),
        (Float, "number"),
        (Numeric, "number"),
    ):
        if isinstance(column_type, sql_type):
            return name
    return "string"


def to_json_value(value):
    """A stored value as HSDS JSON writes it."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def to_text(value) -> str:
    """A stored value as an HSDS CSV cell."""
    value = to_json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def _number(text: str, kind: str):
    try:
        number = float(text)
    except ValueError:
        raise BadValue(f"{text!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise BadValue(f"{text!r} is not a finite number")
    if kind == "integer":
        if not number.is_integer():
            raise BadValue(f"{text!r} is not a whole number")
        return int(number)
    return number


def from_value(value, column, kind: str | None = None):
    """A JSON value or CSV text as the column stores it; None for empty. Raises BadValue."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = kind or kind_of(column)
    if isinstance(value, bool) and kind != "boolean":
        raise BadValue(f"{value!r} is not a {kind}")
    if isinstance(value, (dict, list)):
        raise BadValue(f"expected a {kind}, found a nested {type(value).__name__}")
    text = str(value).strip()
    try:
        if kind in ("integer", "number"):
            return _number(text, kind)
        if kind == "boolean":
            if text.lower() in ("true", "1", "yes"):
                return True
            if text.lower() in ("false", "0", "no"):
                return False
            raise BadValue(f"{text!r} is not true or false")
        if kind == "date":
            return dt.date.fromisoformat(text[:10])
        if kind == "time":
            return dt.time.fromisoformat(text)
        if kind == "datetime":
            moment = (
                dt.datetime.fromisoformat(text)
                if "T" in text or " " in text
                else dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            )
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise BadValue(f"{text!r} is not a {kind} (expected ISO 8601)") from None
    length = getattr(column.type, "length", None)
    if length and len(text) > length:
        raise BadValue(f"longer than {length} characters")
    return str(value)


def hsds_id(value) -> str:
    """The id as stored: UUIDs as they are (lower case), anything else mapped to a stable UUID."""
    text = str(value).strip()
    if _CANONICAL_UUID.fullmatch(text):
        return text
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return str(uuid.uuid5(FOREIGN_ID_NAMESPACE, text))


def row_dict(table: Table, obj) -> dict:
    """One record's HSDS fields, without the empty ones (HSDS schemas do not allow null)."""
    values = {}
    for name in table.fields:
        value = getattr(obj, name)
        if value is not None:
            values[name] = to_json_value(value)
    return values
