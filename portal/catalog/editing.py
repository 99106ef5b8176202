"""Editing listings: the one place for how provider changes are cleaned, compared, reviewed and
published.

- `clean_*` functions normalise what people type (phone numbers, URLs, emails, text) or raise
  EditError with a message for the person; forms call them, so nothing unclean is proposed.
- Each editable record type has a list of FIELDS: how to read a field's current value in a
  plain, comparable form, how to write a new one, and how to show it to a reviewer.
- `submit` turns a proposal into a ChangeRequest holding only the fields that differ;
  `approve` publishes it, `reject` closes it. Admins publish at once; trusted organizations
  publish capacity and status at once and send the rest for review.
- Every published field writes an HSDS `metadata` row (previous and replacement value, who,
  when) and updates `last_modified`; the search index follows through the outbox.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import nh3
import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from portal.catalog import freshness, hours, vocabulary
from portal.catalog import phones as phone_format
from portal.extensions import db
from portal.forms import EMAIL_MAX, EMAIL_SHAPE
from portal.models import (
    Accessibility,
    Address,
    Attribute,
    ChangeRequest,
    ChangeStatus,
    CostOption,
    Language,
    Location,
    Metadata,
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
    User,
)
from portal.models.catalog import ServiceStatus, utcnow

SHORT_TEXT = 255
LONG_TEXT = 4000
URL_MAX = 2048
LIST_ITEMS = 30  # lines in a list field (documents, areas, languages …)
# What a trusted organization publishes without review (DESIGN.md: capacity and status).
IMMEDIATE_FIELDS = frozenset(
    {"status", "alert", "accepting_new_clients", "waitlist_length", "capacity"}
)


class EditError(ValueError):
    """A value that cannot be saved; the message tells the person what to change."""


# --- cleaning what people type ---------------------------------------------------------------


def clean_text(value: str | None, max_length: int = LONG_TEXT) -> str | None:
    """Plain text: HTML tags and scripts removed (nh3), blank lines trimmed; None when empty."""
    text = (value or "").replace("\r\n", "\n").strip()
    for _round in range(3):  # "&lt;b&gt;" must not come back as a tag once unescaped
        cleaned = html.unescape(nh3.clean(text, tags=set())).strip()
        if cleaned == text:
            break
        text = cleaned
    if len(text) > max_length:
        raise EditError(
            _(
                "Keep this to %(max)d characters or fewer (it has %(count)d).",
                max=max_length,
                count=len(text),
            )
        )
    return text or None


def clean_name(value: str | None) -> str:
    text = clean_text(value, SHORT_TEXT)
    if not text:
        raise EditError(_("Enter the name."))
    return text


def clean_lines(value: str | None, max_length: int = SHORT_TEXT) -> list[str]:
    """One item a line (documents to bring, areas served …), cleaned, without repeats."""
    items: list[str] = []
    for line in (value or "").splitlines():
        item = clean_text(line, max_length)
        if item and item not in items:
            items.append(item)
    if len(items) > LIST_ITEMS:
        raise EditError(_("List at most %(max)d items.", max=LIST_ITEMS))
    return items


def clean_phone(value: str | None) -> str | None:
    """A dialable number in its national form; short numbers such as 988 or 911 stay short."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 40:
        raise EditError(_("Enter a phone number like 703-555-0100."))
    try:
        parsed = phonenumbers.parse(text, phone_format.DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise EditError(_("Enter a phone number like 703-555-0100.")) from None
    digits = "".join(ch for ch in text if ch.isdigit())
    # Public short numbers in the US are three digits (211, 311, 911, 988 …); longer short
    # codes are carrier-specific and not for listing.
    if len(digits) == 3 and phonenumbers.is_valid_short_number(parsed):
        return digits
    if not phonenumbers.is_valid_number(parsed):
        raise EditError(
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
        raise EditError(_("Enter a web address like https://www.example.org."))
    return text


def clean_email(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > EMAIL_MAX or not re.match(EMAIL_SHAPE, text):
        raise EditError(_("Enter an email address like name@example.org."))
    return text


# --- the fields of each record type ----------------------------------------------------------


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


def _capacity_label(value) -> str:
    parts = []
    for item in value or []:
        unit = db.session.get(Unit, item["unit_id"])
        name = unit.name if unit else item["unit_id"]
        parts.append(
            f"{name}: {item['available']}"
            + (f" / {item['maximum']}" if item.get("maximum") is not None else "")
        )
    return "; ".join(parts)


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

    return Field("capacity", _l("Open beds or slots"), read, write, _capacity_label)


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
MODELS = {
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
        raise EditError(f"unknown fields {sorted(unknown)}")
    if record is None:
        return {k: v for k, v in proposed.items() if v not in (None, "", [])}
    return {name: value for name, value in proposed.items() if known[name].read(record) != value}


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
        if name in known
    ]


TARGET_LABELS = {
    TargetType.service.value: _l("Service"),
    TargetType.location.value: _l("Location"),
    TargetType.organization.value: _l("Organization"),
}
DECISION_LABELS = {
    ChangeStatus.pending.value: _l("Waiting for review"),
    ChangeStatus.approved.value: _l("Published"),
    ChangeStatus.rejected.value: _l("Not accepted"),
}


def target_label(target_type: str) -> str:
    return str(TARGET_LABELS[target_type])


def decision_label(status: str) -> str:
    return str(DECISION_LABELS[status])


def field_labels(change: ChangeRequest) -> list[str]:
    """The names of the fields a change touches, in words."""
    known = fields_of(change.target_type)
    return [str(known[name].label) for name in change.proposed_values if name in known]


# --- submitting, reviewing, publishing -------------------------------------------------------


def target_of(change: ChangeRequest):
    if change.target_id is None:
        return None
    return db.session.get(MODELS[change.target_type], change.target_id)


def _new_request(
    organization: Organization, target_type: str, record, values: dict, by: User
) -> ChangeRequest:
    known = fields_of(target_type)
    change = ChangeRequest(
        organization=organization,
        target_type=target_type,
        target_id=record.id if record is not None else None,
        proposed_values=values,
        previous_values={k: known[k].read(record) for k in values} if record is not None else {},
        submitted_by_id=by.id,
        status=ChangeStatus.pending.value,
    )
    db.session.add(change)
    return change


def submit(
    organization: Organization, target_type: str, record, proposed: dict, by: User
) -> list[ChangeRequest]:
    """Record a proposal as change requests; returns them (none when nothing changed).

    An admin's change is published at once. For a trusted organization, changes to capacity
    and status of an existing service are published at once and the rest waits for review.
    """
    values = changed_fields(target_type, record, proposed)
    if not values:
        return []
    if by.is_admin:
        change = _new_request(organization, target_type, record, values, by)
        _decide(change, by, ChangeStatus.approved, None)
        publish(change, by)
        return [change]
    requests = []
    if organization.trusted and record is not None and target_type == TargetType.service.value:
        immediate = {k: v for k, v in values.items() if k in IMMEDIATE_FIELDS}
        if immediate:
            change = _new_request(organization, target_type, record, immediate, by)
            _decide(
                change,
                None,
                ChangeStatus.approved,
                _("Published at once: capacity and status of a trusted organization."),
            )
            publish(change, by)
            requests.append(change)
        values = {k: v for k, v in values.items() if k not in IMMEDIATE_FIELDS}
    if values:
        requests.append(_new_request(organization, target_type, record, values, by))
    return requests


def _decide(
    change: ChangeRequest, reviewer: User | None, status: ChangeStatus, comment: str | None
) -> None:
    if change.status != ChangeStatus.pending.value:
        raise EditError(_("This change was already decided."))
    change.status = status.value
    change.reviewer_id = reviewer.id if reviewer is not None else None
    change.decision_comment = comment
    change.decided_at = utcnow()


def approve(change: ChangeRequest, reviewer: User, comment: str | None = None):
    """Publish a pending change; returns the record it changed or created."""
    _decide(change, reviewer, ChangeStatus.approved, comment)
    return publish(change, reviewer)


def reject(change: ChangeRequest, reviewer: User, comment: str | None) -> None:
    if not comment:
        raise EditError(_("Say why the change is rejected, so the provider can fix it."))
    _decide(change, reviewer, ChangeStatus.rejected, comment)


def _create(change: ChangeRequest):
    model = MODELS[change.target_type]
    record = model(organization_id=change.organization_id)
    if isinstance(record, Service):
        record.status = ServiceStatus.active.value
    known = fields_of(change.target_type)
    for name, value in change.proposed_values.items():
        if known[name].is_column:
            known[name].write(record, value)
    db.session.add(record)
    db.session.flush()  # an id for the children and the metadata rows
    change.target_id = record.id
    return record


def publish(change: ChangeRequest, by: User):
    """Write the change's values to its record, one HSDS metadata row per field that really
    changes (the record may have moved on since the change was proposed)."""
    record = target_of(change)
    action = "update"
    if record is None:
        if change.target_id is not None:
            raise EditError(_("This listing no longer exists."))
        record, action = _create(change), "create"
    known = fields_of(change.target_type)
    now = utcnow()
    for name, value in change.proposed_values.items():
        field = known[name]
        before = field.read(record)
        if before == value and action == "update":
            continue
        field.write(record, value)
        db.session.add(
            Metadata(
                resource_id=record.id,
                resource_type=change.target_type,
                field_name=name,
                previous_value="" if action == "create" else field.show(before),
                replacement_value=field.show(value),
                updated_by=by.email,
                last_action_date=now,
                last_action_type=action,
            )
        )
    if isinstance(record, Service):
        record.last_modified = now
    return record


def history(resource_id: str) -> list[Metadata]:
    return list(
        db.session.scalars(
            select(Metadata)
            .where(Metadata.resource_id == resource_id)
            .order_by(Metadata.last_action_date.desc(), Metadata.field_name)
        )
    )


def pending_changes():
    return (
        select(ChangeRequest)
        .where(ChangeRequest.status == ChangeStatus.pending.value)
        .order_by(ChangeRequest.submitted_at)
    )


def units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.name)))


def location_choices(organization: Organization, service: Service | None) -> list[SelectChoice]:
    """Where a service can be offered: the organization's own locations, and any other place
    it is already linked to (which can be unlinked, not added anywhere else)."""
    places = {loc.id: loc for loc in organization.locations}
    for sal in service.service_at_locations if service is not None else []:
        places.setdefault(sal.location_id, sal.location)
    return [
        SelectChoice(
            loc.id, loc.name or (loc.physical_address.one_line if loc.physical_address else loc.id)
        )
        for loc in sorted(places.values(), key=lambda loc: loc.name or "")
    ]


def term_choices(taxonomy_id: str) -> list[SelectChoice]:
    """Terms a service can be filed under, as "Group: term"; group headings themselves are
    offered only in the categories, where services may sit at either level."""
    terms = db.session.scalars(
        select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy_id)
    ).all()
    parents = {t.parent_id for t in terms if t.parent_id}
    choices = [
        SelectChoice(t.id, f"{t.parent.name}: {t.name}" if t.parent else t.name)
        for t in terms
        if taxonomy_id == vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID or t.id not in parents
    ]
    return sorted(choices, key=lambda c: c.label)


def save_organization(
    organization: Organization, *, name: str, trusted: bool, staff: list[User]
) -> None:
    """An admin's settings for an organization: its name, whether it is trusted, and which
    active provider staff look after its listings (their other organizations stay theirs;
    a deactivated account keeps its link)."""
    organization.name = name
    organization.trusted = trusted
    linked = freshness.provider_staff(organization.id) if organization.id else []
    for user in linked:
        if user not in staff:
            user.organizations.remove(organization)
    for user in staff:
        if user not in linked:
            user.organizations.append(organization)
