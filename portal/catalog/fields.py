"""The editable fields of each listing record type (service, location, organization), in one
registry: how to read a field's current value in a plain, comparable form, how to write a new
one, and how to show it to a reviewer. Change requests (portal.catalog.change_requests) compare,
store and publish values in this form; the provider forms produce it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.catalog import hours, vocabulary
from portal.catalog import phones as phone_format
from portal.extensions import db
from portal.models import (
    Accessibility,
    Address,
    Attribute,
    ChangeRequest,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TargetType,
    TaxonomyTerm,
    Unit,
)
from portal.models.catalog import utcnow
from portal.translated import gettext as _
from portal.translated import lazy_gettext as _l


def _plain(value) -> str:
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    return str(value)


def _phone_label(phone: dict) -> str:
    parts = [phone["number"]]
    if phone.get("extension"):
        parts.append(_("ext. %(n)s", n=phone["extension"]))
    if phone.get("type") and phone["type"] != "voice":
        parts.append(f"({phone['type']})")
    if phone.get("description"):
        parts.append(f"— {phone['description']}")
    return " ".join(parts)


def _phones_label(value) -> str:
    return "; ".join(_phone_label(p) for p in value or [])


def _grid_label(value) -> str:
    return hours.grid_label(value) if value and any(value) else _("No weekly hours")


def _terms_label(value) -> str:
    if not value:
        return ""
    names = db.session.scalars(select(TaxonomyTerm.name).where(TaxonomyTerm.id.in_(value)))
    return ", ".join(sorted(names))


def _count(value):
    """A count of beds or slots as a whole number when it is one (2.0 -> 2)."""
    if value is None or isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else number


def _capacity_label(value) -> str:
    parts = []
    for item in value or []:
        unit = db.session.get(Unit, item["unit_id"])
        name = unit.name if unit else item["unit_id"]
        parts.append(
            f"{name}: {_count(item['available'])}"
            + (f" / {_count(item['maximum'])}" if item.get("maximum") is not None else "")
        )
    return "; ".join(parts)


def _same_capacity(value):
    return [
        {**item, "available": _count(item.get("available")), "maximum": _count(item.get("maximum"))}
        for item in value or []
    ]


def _same_phones(value):
    """Phones as they are dialled: "571-555-0100" and "(571) 555-0100" are one number."""
    return [
        {
            **phone,
            "number": phone_format.display(phone.get("number") or ""),
            "extension": phone.get("extension") or None,
            "description": phone.get("description") or None,
        }
        for phone in value or []
    ]


def _same(value):
    return value


def _address_label(value) -> str:
    if not value:
        return ""
    return ", ".join(
        v
        for v in (
            value.get("address_1"),
            value.get("address_2"),
            value.get("city"),
            value.get("state_province"),
            value.get("postal_code"),
        )
        if v
    )


@dataclass(frozen=True)
class Field:
    name: str
    label: Any
    read: Callable[[Any], Any]
    write: Callable[[Any, Any], None]
    show: Callable[[Any], str] = _plain
    is_column: bool = False  # a plain column: written before a new record is first saved
    # The value in the form two values are compared in: no change is seen where only the
    # writing differs (a phone's punctuation, 2 beds stored as 2.0).
    normalize: Callable[[Any], Any] = _same

    def differs(self, before, after) -> bool:
        return self.normalize(before) != self.normalize(after)


def column(name: str, label) -> Field:
    return Field(
        name,
        label,
        lambda record: getattr(record, name),
        lambda record, value: setattr(record, name, value),
        is_column=True,
    )


def _read_phones(rows: list[Phone]) -> list[dict]:
    return [
        {
            "number": p.number,
            "extension": p.extension,
            "type": p.type or "voice",
            "description": p.description,
        }
        for p in rows
    ]


def _phones_field(relationship: str) -> Field:
    def write(record, value):
        setattr(
            record,
            relationship,
            [
                Phone(
                    number=p["number"],
                    extension=p.get("extension"),
                    type=p.get("type") or "voice",
                    description=p.get("description"),
                )
                for p in value
            ],
        )

    return Field(
        "phones",
        _l("Phone numbers"),
        lambda record: _read_phones(getattr(record, relationship)),
        write,
        _phones_label,
        normalize=_same_phones,
    )


def _read_grid(schedules) -> list[list[list[int]]]:
    return [[[i.start, i.end] for i in day] for day in hours.weekly_grid(list(schedules))]


def _hours_field() -> Field:
    def write(record, value):
        kept = [s for s in record.schedules if not hours.is_regular(s)]
        rows = hours.schedule_fields([[hours.Interval(*i) for i in day] for day in value])
        record.schedules = kept + [Schedule(**row) for row in rows]

    return Field(
        "hours",
        _l("Opening hours"),
        lambda record: _read_grid(record.schedules),
        write,
        _grid_label,
    )


def _languages_field() -> Field:
    def write(record, value):
        record.languages = [Language(name=name) for name in value]

    return Field(
        "languages",
        _l("Languages"),
        lambda record: sorted(lang.name for lang in record.languages if lang.name),
        write,
    )


def _lines_field(name: str, label, relationship: str, model, attribute: str) -> Field:
    def read(record):
        return [
            getattr(row, attribute)
            for row in getattr(record, relationship)
            if getattr(row, attribute)
        ]

    def write(record, value):
        setattr(record, relationship, [model(**{attribute: item}) for item in value])

    return Field(name, label, read, write)


def _terms_field(name: str, label, link_type: str) -> Field:
    def read(service):
        return sorted(a.taxonomy_term_id for a in service.attributes if a.link_type == link_type)

    def write(service, value):
        others = [a for a in service.attributes if a.link_type != link_type]
        service.attributes = others + [
            Attribute(
                link_id=service.id,
                link_entity="service",
                link_type=link_type,
                taxonomy_term_id=term_id,
            )
            for term_id in value
        ]

    return Field(name, label, read, write, _terms_label)


def _capacity_field() -> Field:
    def read(service):
        return [
            {"unit_id": c.unit_id, "available": c.available, "maximum": c.maximum}
            for c in sorted(service.capacities, key=lambda c: c.unit_id)
        ]

    def write(service, value):
        now = utcnow()
        service.capacities = [
            ServiceCapacity(
                unit_id=c["unit_id"],
                available=c["available"],
                maximum=c.get("maximum"),
                updated=now,
            )
            for c in value
        ]

    return Field(
        "capacity", _l("Open beds or slots"), read, write, _capacity_label, normalize=_same_capacity
    )


def _address_field() -> Field:
    keys = ("address_1", "address_2", "city", "state_province", "postal_code")

    def read(location):
        address = location.physical_address
        return {k: getattr(address, k) for k in keys} if address else None

    def write(location, value):
        address = location.physical_address
        if value is None:
            if address is not None:
                location.addresses.remove(address)
            return
        if address is None:
            address = Address(address_type="physical", country="US")
            location.addresses.append(address)
        for key in keys:
            setattr(address, key, value.get(key))

    return Field("address", _l("Street address"), read, write, _address_label)


def _locations_field() -> Field:
    def read(service):
        return sorted(sal.location_id for sal in service.service_at_locations)

    def write(service, value):
        kept = [sal for sal in service.service_at_locations if sal.location_id in value]
        have = {sal.location_id for sal in kept}
        service.service_at_locations = kept + [
            ServiceAtLocation(location_id=location_id)
            for location_id in value
            if location_id not in have
        ]

    def show(value):
        if not value:
            return ""
        names = db.session.scalars(select(Location.name).where(Location.id.in_(value)))
        return ", ".join(sorted(name or _("(unnamed)") for name in names))

    return Field("locations", _l("Where it is offered"), read, write, show)


SERVICE_FIELDS = [
    column("name", _l("Name")),
    column("description", _l("Description")),
    column("eligibility_description", _l("Who is eligible")),
    column("minimum_age", _l("Youngest age served")),
    column("maximum_age", _l("Oldest age served")),
    column("application_process", _l("How to apply")),
    _lines_field(
        "required_documents",
        _l("What to bring"),
        "required_documents",
        RequiredDocument,
        "document",
    ),
    column("url", _l("Website")),
    column("email", _l("Email")),
    _locations_field(),
    _phones_field("phones"),
    _hours_field(),
    _languages_field(),
    column("fees_description", _l("Fees")),
    _lines_field(
        "cost_options", _l("Cost options"), "cost_options", CostOption, "amount_description"
    ),
    _lines_field("service_areas", _l("Areas served"), "service_areas", ServiceArea, "name"),
    _terms_field("categories", _l("Categories"), vocabulary.CATEGORY_LINK),
    _terms_field(
        "details", _l("Payment, ways to get help and who it is for"), vocabulary.DETAIL_LINK
    ),
    column("status", _l("Status")),
    column("alert", _l("Notice shown on the listing")),
    column("accepting_new_clients", _l("Accepting new clients")),
    column("waitlist_length", _l("People on the waitlist")),
    _capacity_field(),
]

LOCATION_FIELDS = [
    column("name", _l("Name")),
    column("description", _l("Description")),
    _address_field(),
    column("confidential", _l("Confidential place")),
    column("transportation", _l("Getting there")),
    _phones_field("phones"),
    _hours_field(),
    _languages_field(),
    _lines_field(
        "accessibility", _l("Accessibility"), "accessibility", Accessibility, "description"
    ),
]

ORGANIZATION_FIELDS = [
    column("name", _l("Name")),
    column("description", _l("Description")),
    column("email", _l("Email")),
    column("website", _l("Website")),
    _phones_field("phones"),
]

FIELDS = {
    TargetType.service.value: SERVICE_FIELDS,
    TargetType.location.value: LOCATION_FIELDS,
    TargetType.organization.value: ORGANIZATION_FIELDS,
}
MODELS: dict[str, type[Service] | type[Location] | type[Organization]] = {
    TargetType.service.value: Service,
    TargetType.location.value: Location,
    TargetType.organization.value: Organization,
}


def fields_of(target_type: str) -> dict[str, Field]:
    return {f.name: f for f in FIELDS[target_type]}


def current_values(target_type: str, record) -> dict[str, Any]:
    return {f.name: f.read(record) for f in FIELDS[target_type]}


def changed_fields(target_type: str, record, proposed: dict[str, Any]) -> dict[str, Any]:
    """The proposed values that differ from the record (all of them for a new record)."""
    known = fields_of(target_type)
    unknown = set(proposed) - set(known)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    if record is None:
        return {k: v for k, v in proposed.items() if v not in (None, "", [])}
    return {
        name: value
        for name, value in proposed.items()
        if known[name].differs(known[name].read(record), value)
    }


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str


def diff(change: ChangeRequest) -> list[FieldChange]:
    """The change, field by field, in words: what it was when submitted and what is proposed."""
    known = fields_of(change.target_type)
    return [
        FieldChange(
            name,
            str(known[name].label),
            known[name].show(change.previous_values.get(name)),
            known[name].show(value),
        )
        for name, value in change.proposed_values.items()
        if name in known and known[name].differs(change.previous_values.get(name), value)
    ]


TARGET_LABELS = {
    TargetType.service.value: _l("Service"),
    TargetType.location.value: _l("Location"),
    TargetType.organization.value: _l("Organization"),
}


def target_label(target_type: str) -> str:
    return str(TARGET_LABELS[target_type])


def field_labels(change: ChangeRequest) -> list[str]:
    """The names of the fields a change touches, in words."""
    known = fields_of(change.target_type)
    return [str(known[name].label) for name in change.proposed_values if name in known]
