"""The HSDS 3.0 tables as the portal stores them: model, CSV file name, fields, and how each
field's value is written as JSON or CSV text and read back.

The catalog models use HSDS names, so a table's HSDS fields are its columns minus the few the
portal adds (capacity and intake fields stay out of the 3.0 export; see portal/models/catalog.py).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

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
    Taxonomy,
    TaxonomyTerm,
)
from portal.models.catalog import UTCDateTime

HSDS_VERSION = "3.0"
# Non-UUID ids from other systems ("42", "org-7") become stable UUIDs under this namespace,
# so importing the same file twice finds the same rows.
FOREIGN_ID_NAMESPACE = uuid.UUID("5f0c7b5e-2a41-4e0b-9d83-1c6e4f7a9b20")


@dataclass(frozen=True)
class Table:
    name: str  # HSDS table (and database table) name
    model: type
    csv_name: str
    portal_only: frozenset[str] = field(default_factory=frozenset)
    required: tuple[str, ...] = ("id",)

    @property
    def fields(self) -> list[str]:
        return [c.key for c in self.model.__table__.columns if c.key not in self.portal_only]

    def column(self, name: str):
        return self.model.__table__.columns[name]

    def foreign_keys(self) -> dict[str, str]:
        """field -> HSDS table it points at."""
        return {c.key: next(iter(c.foreign_keys)).column.table.name
                for c in self.model.__table__.columns
                if c.foreign_keys and c.key not in self.portal_only}


# In dependency order: every table comes after the tables its foreign keys point at
# (parent_organization_id and taxonomy_term.parent_id point at their own table).
TABLES: tuple[Table, ...] = (
    Table("organization", Organization, "organizations.csv", required=("id", "name")),
    Table("organization_identifier", OrganizationIdentifier, "organization_identifiers.csv",
          required=("id", "organization_id", "identifier_type", "identifier")),
    Table("program", Program, "programs.csv", required=("id", "organization_id", "name")),
    Table("service", Service, "services.csv",
          portal_only=frozenset({"accepting_new_clients", "waitlist_length"}),
          required=("id", "organization_id", "name", "status")),
    Table("location", Location, "locations.csv", required=("id", "location_type")),
    Table("service_at_location", ServiceAtLocation, "service_at_location.csv",
          required=("id", "service_id", "location_id")),
    Table("address", Address, "addresses.csv",
          required=("id", "location_id", "address_1", "city", "state_province", "postal_code",
                    "country", "address_type")),
    Table("contact", Contact, "contacts.csv"),
    Table("phone", Phone, "phones.csv", required=("id", "number")),
    Table("schedule", Schedule, "schedules.csv"),
    Table("taxonomy", Taxonomy, "taxonomies.csv", required=("id", "name")),
    Table("taxonomy_term", TaxonomyTerm, "taxonomy_terms.csv", required=("id", "name")),
    Table("attribute", Attribute, "attributes.csv", portal_only=frozenset({"label"}),
          required=("id", "link_id", "taxonomy_term_id", "link_entity")),
    Table("language", Language, "languages.csv"),
    Table("accessibility", Accessibility, "accessibility.csv", required=("id", "location_id")),
    Table("cost_option", CostOption, "cost_options.csv", required=("id", "service_id")),
    Table("required_document", RequiredDocument, "required_documents.csv",
          required=("id", "service_id")),
    Table("service_area", ServiceArea, "service_areas.csv", required=("id", "service_id")),
    Table("funding", Funding, "funding.csv"),
    Table("metadata", Metadata, "metadata.csv",
          required=("id", "resource_id", "resource_type", "last_action_date", "last_action_type",
                    "field_name", "updated_by")),
)
BY_NAME = {table.name: table for table in TABLES}
BY_CSV = {table.csv_name: table for table in TABLES}


class BadValue(ValueError):
    """A field's text is not a value of its type; the message says what was expected."""


def kind_of(column) -> str:
    """The Frictionless/HSDS type of a column: string, integer, number, date, time, datetime,
    boolean."""
    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        return "datetime"
    for sql_type, name in ((Boolean, "boolean"), (Integer, "integer"), (Date, "date"),
                           (Time, "time"), (Float, "number"), (Numeric, "number")):
        if isinstance(column_type, sql_type):
            return name
    return "string"


def to_json_value(value):
    """A stored value as HSDS JSON writes it."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
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


def from_value(value, column):
    """A JSON value or CSV text as the column stores it; None for empty. Raises BadValue."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = kind_of(column)
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
            moment = dt.datetime.fromisoformat(text) if "T" in text or " " in text else \
                dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise BadValue(f"{text!r} is not a {kind} (expected ISO 8601)") from None
    length = getattr(column.type, "length", None)
    if length and len(text) > length:
        raise BadValue(f"longer than {length} characters")
    return str(value)


def hsds_id(value) -> str:
    """The id as stored: UUIDs as they are (lower case), anything else mapped to a stable UUID."""
    text = str(value).strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return str(uuid.uuid5(FOREIGN_ID_NAMESPACE, text))


def is_id_field(table: Table, name: str) -> bool:
    return name == "id" or name in table.foreign_keys() or name in ("link_id", "resource_id")


def row_dict(table: Table, obj) -> dict:
    """One record's HSDS fields, without the empty ones (HSDS schemas do not allow null)."""
    values = {}
    for name in table.fields:
        value = getattr(obj, name)
        if value is not None:
            values[name] = to_json_value(value)
    return values

