"""The public catalog, in Open Referral HSDS 3.0 tables and field names.

Additions beyond 3.0, kept out of the HSDS export unless 3.1 defines them:
- `service_capacity` and `unit` follow the HSDS 3.1 shape (available, maximum, unit, updated);
- `service.last_modified` (HSDS 3.1) and the intake fields `accepting_new_clients`,
  `waitlist_length` and `capacity_updated` (portal-only).

Schedule times (`opens_at`, `closes_at`) are wall-clock times in the program's time zone
(PORTAL_TIMEZONE); portal.catalog.hours is the one place that interprets them.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use an aware UTC datetime")
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class ServiceStatus(enum.StrEnum):
    """HSDS 3.0 service.status."""

    active = "active"
    inactive = "inactive"
    defunct = "defunct"
    temporarily_closed = "temporarily closed"


# Inactive and defunct services are kept for history but never listed.
PUBLIC_STATUSES = [ServiceStatus.active.value, ServiceStatus.temporarily_closed.value]


def one_of(column: str, vocabulary: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK that `column` holds one of the vocabulary's values (or NULL, where the column
    allows it), named after the column. Migrations write the same values out in full."""
    values = ", ".join(f"'{member.value}'" for member in vocabulary)
    return CheckConstraint(f"{column} IN ({values})", name=column)


def id_column() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


def fk(target: str, *, nullable: bool = True, ondelete: str = "CASCADE") -> Mapped:
    return mapped_column(
        String(36), ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True
    )


# A relationship to rows that live and die with their parent.
CHILD: dict[str, Any] = dict(cascade="all, delete-orphan", passive_deletes=True)


class Organization(Model):
    __tablename__ = "organization"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(255))
    alternate_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(2048))
    year_incorporated: Mapped[int | None] = mapped_column(Integer)
    legal_status: Mapped[str | None] = mapped_column(String(255))
    logo: Mapped[str | None] = mapped_column(String(2048))
    uri: Mapped[str | None] = mapped_column(String(2048))
    parent_organization_id: Mapped[str | None] = fk("organization.id", ondelete="SET NULL")
    # Deprecated in HSDS 3.0 but still in its schema; kept so older data survives a round trip.
    tax_status: Mapped[str | None] = mapped_column(String(255))
    tax_id: Mapped[str | None] = mapped_column(String(255))
    # Portal-only (left out of the HSDS export): an admin trusts this organization to publish
    # capacity and status changes without review.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    services: Mapped[list[Service]] = relationship(back_populates="organization", **CHILD)
    locations: Mapped[list[Location]] = relationship(back_populates="organization")
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Organization.id == Phone.organization_id", **CHILD
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="Organization.id == Contact.organization_id", **CHILD
    )
    programs: Mapped[list[Program]] = relationship(back_populates="organization", **CHILD)
    fundings: Mapped[list[Funding]] = relationship(
        primaryjoin="Organization.id == Funding.organization_id", **CHILD
    )
    organization_identifiers: Mapped[list[OrganizationIdentifier]] = relationship(**CHILD)


class OrganizationIdentifier(Model):
    __tablename__ = "organization_identifier"

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = fk("organization.id", nullable=False)
    identifier_scheme: Mapped[str | None] = mapped_column(String(255))
    identifier_type: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str] = mapped_column(String(255))


class Program(Model):
    __tablename__ = "program"

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = fk("organization.id", nullable=False)
    name: Mapped[str] = mapped_column(String(255))
    alternate_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")

    organization: Mapped[Organization] = relationship(back_populates="programs")


class Service(Model):
    __tablename__ = "service"
    __table_args__ = (one_of("status", ServiceStatus),)

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = fk("organization.id", nullable=False)
    program_id: Mapped[str | None] = fk("program.id", ondelete="SET NULL")
    name: Mapped[str] = mapped_column(String(255))
    alternate_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    email: Mapped[str | None] = mapped_column(String(255))
    # No index: four values, and SQLite would prefer it to the primary key.
    status: Mapped[str] = mapped_column(String(32), default=ServiceStatus.active.value)
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    accreditations: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    assured_date: Mapped[dt.date | None] = mapped_column(Date)
    assurer_email: Mapped[str | None] = mapped_column(String(255))
    alert: Mapped[str | None] = mapped_column(Text)
    # Deprecated in HSDS 3.0 (kept for round trips of older data).
    wait_time: Mapped[str | None] = mapped_column(Text)
    fees: Mapped[str | None] = mapped_column(Text)
    licenses: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    # Intake, beyond HSDS: None means the provider has not said.
    accepting_new_clients: Mapped[bool | None] = mapped_column(Boolean)
    waitlist_length: Mapped[int | None] = mapped_column(Integer)
    # When openings, accepting or the waitlist last changed (None: never said); portal-only.
    capacity_updated: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(back_populates="services")
    program: Mapped[Program | None] = relationship()
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", **CHILD
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Service.id == Phone.service_id, Phone.service_at_location_id == None)",
        **CHILD,
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="and_(Service.id == Schedule.service_id, "
        "Schedule.service_at_location_id == None)",
        **CHILD,
    )
    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Service.id == Language.service_id", **CHILD
    )
    cost_options: Mapped[list[CostOption]] = relationship(**CHILD)
    required_documents: Mapped[list[RequiredDocument]] = relationship(**CHILD)
    service_areas: Mapped[list[ServiceArea]] = relationship(**CHILD)
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin=(
            "and_(Service.id == Contact.service_id, Contact.service_at_location_id == None)"
        ),
        **CHILD,
    )
    fundings: Mapped[list[Funding]] = relationship(
        primaryjoin="Service.id == Funding.service_id", **CHILD
    )
    capacities: Mapped[list[ServiceCapacity]] = relationship(**CHILD)
    attributes: Mapped[list[Attribute]] = relationship(
        primaryjoin="and_(Service.id == foreign(Attribute.link_id), "
        "Attribute.link_entity == 'service')",
        cascade="all, delete-orphan",
        overlaps="attributes",
    )

    @property
    def status_enum(self) -> ServiceStatus:
        return ServiceStatus(self.status)


class Location(Model):
    __tablename__ = "location"

    id: Mapped[str] = id_column()
    location_type: Mapped[str] = mapped_column(String(16), default="physical")
    url: Mapped[str | None] = mapped_column(String(2048))
    organization_id: Mapped[str | None] = fk("organization.id", ondelete="SET NULL")
    name: Mapped[str | None] = mapped_column(String(255))
    alternate_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    transportation: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    external_identifier: Mapped[str | None] = mapped_column(String(255))
    external_identifier_type: Mapped[str | None] = mapped_column(String(255))
    # A place that must not be found (a domestic-violence shelter): its street address and
    # coordinates never leave the portal's staff pages; portal.catalog.places says what is
    # shown instead. Not an HSDS 3.0 field: the export leaves it out (see portal/hsds).
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    addresses: Mapped[list[Address]] = relationship(back_populates="location", **CHILD)
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Location.id == Phone.location_id, Phone.service_at_location_id == None)",
        **CHILD,
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="and_(Location.id == Schedule.location_id, "
        "Schedule.service_at_location_id == None)",
        **CHILD,
    )
    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Location.id == Language.location_id", **CHILD
    )
    accessibility: Mapped[list[Accessibility]] = relationship(**CHILD)
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="and_(Location.id == Contact.location_id, "
        "Contact.service_at_location_id == None)",
        **CHILD,
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="location", **CHILD
    )

    @property
    def physical_address(self) -> Address | None:
        for address in self.addresses:
            if address.address_type == "physical":
                return address
        return self.addresses[0] if self.addresses else None


class ServiceAtLocation(Model):
    __tablename__ = "service_at_location"
    # A service is offered at a location once (its phones and hours there hang off that row).
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    location_id: Mapped[str] = fk("location.id", nullable=False)
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship(back_populates="service_at_locations")
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="ServiceAtLocation.id == Phone.service_at_location_id",
        **CHILD,
        overlaps="phones",
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="ServiceAtLocation.id == Schedule.service_at_location_id",
        **CHILD,
        overlaps="schedules",
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="ServiceAtLocation.id == Contact.service_at_location_id",
        **CHILD,
        overlaps="contacts",
    )


class Address(Model):
    __tablename__ = "address"

    id: Mapped[str] = id_column()
    location_id: Mapped[str] = fk("location.id", nullable=False)
    attention: Mapped[str | None] = mapped_column(String(255))
    address_1: Mapped[str] = mapped_column(String(255))
    address_2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(255))
    region: Mapped[str | None] = mapped_column(String(255))
    state_province: Mapped[str] = mapped_column(String(255))
    postal_code: Mapped[str] = mapped_column(String(32), index=True)
    country: Mapped[str] = mapped_column(String(2), default="US")
    address_type: Mapped[str] = mapped_column(String(16), default="physical")

    location: Mapped[Location] = relationship(back_populates="addresses")

    @property
    def one_line(self) -> str:
        street = ", ".join(p for p in (self.address_1, self.address_2) if p)
        return f"{street}, {self.city}, {self.state_province} {self.postal_code}"


class Phone(Model):
    __tablename__ = "phone"
    # The relationships ask "this service's (or location's) own rows, not a location's";
    # these let the database answer with one index instead of a NULL scan.
    __table_args__ = (
        Index("ix_phone_service_own", "service_id", "service_at_location_id"),
        Index("ix_phone_location_own", "location_id", "service_at_location_id"),
    )

    id: Mapped[str] = id_column()
    location_id: Mapped[str | None] = fk("location.id")
    service_id: Mapped[str | None] = fk("service.id")
    organization_id: Mapped[str | None] = fk("organization.id")
    contact_id: Mapped[str | None] = fk("contact.id")
    service_at_location_id: Mapped[str | None] = fk("service_at_location.id")
    number: Mapped[str] = mapped_column(String(64))
    extension: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)

    languages: Mapped[list[Language]] = relationship(
        primaryjoin="Phone.id == Language.phone_id", **CHILD, overlaps="languages"
    )


class Contact(Model):
    __tablename__ = "contact"
    # The relationships ask "this service's (or location's) own rows, not a location's";
    # these let the database answer with one index instead of a NULL scan.
    __table_args__ = (
        Index("ix_contact_service_own", "service_id", "service_at_location_id"),
        Index("ix_contact_location_own", "location_id", "service_at_location_id"),
    )

    id: Mapped[str] = id_column()
    organization_id: Mapped[str | None] = fk("organization.id")
    service_id: Mapped[str | None] = fk("service.id")
    service_at_location_id: Mapped[str | None] = fk("service_at_location.id")
    location_id: Mapped[str | None] = fk("location.id")
    name: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    department: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))

    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Contact.id == Phone.contact_id", **CHILD, overlaps="phones"
    )


class Schedule(Model):
    __tablename__ = "schedule"
    # The relationships ask "this service's (or location's) own rows, not a location's";
    # these let the database answer with one index instead of a NULL scan.
    __table_args__ = (
        Index("ix_schedule_service_own", "service_id", "service_at_location_id"),
        Index("ix_schedule_location_own", "location_id", "service_at_location_id"),
    )

    id: Mapped[str] = id_column()
    service_id: Mapped[str | None] = fk("service.id")
    location_id: Mapped[str | None] = fk("location.id")
    service_at_location_id: Mapped[str | None] = fk("service_at_location.id")
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    dtstart: Mapped[dt.date | None] = mapped_column(Date)
    timezone: Mapped[float | None] = mapped_column(Float)
    until: Mapped[dt.date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer)
    wkst: Mapped[str | None] = mapped_column(String(3))
    freq: Mapped[str | None] = mapped_column(String(8))
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(String(64))
    byweekno: Mapped[str | None] = mapped_column(String(255))
    bymonthday: Mapped[str | None] = mapped_column(String(255))
    byyearday: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[dt.time | None] = mapped_column(Time)
    closes_at: Mapped[dt.time | None] = mapped_column(Time)
    schedule_link: Mapped[str | None] = mapped_column(String(2048))
    attending_type: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)


class Taxonomy(Model):
    __tablename__ = "taxonomy"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(String(2048))
    version: Mapped[str | None] = mapped_column(String(64))

    terms: Mapped[list[TaxonomyTerm]] = relationship(back_populates="taxonomy_detail")


class TaxonomyTerm(Model):
    __tablename__ = "taxonomy_term"

    id: Mapped[str] = id_column()
    code: Mapped[str | None] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str | None] = fk("taxonomy_term.id", ondelete="SET NULL")
    taxonomy_id: Mapped[str | None] = fk("taxonomy.id", ondelete="SET NULL")
    # HSDS 3.0: free-text name of an established taxonomy (deprecated); the record is below.
    taxonomy: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    term_uri: Mapped[str | None] = mapped_column(String(2048))

    taxonomy_detail: Mapped[Taxonomy | None] = relationship(back_populates="terms")
    parent: Mapped[TaxonomyTerm | None] = relationship(
        remote_side="TaxonomyTerm.id", back_populates="children"
    )
    children: Mapped[list[TaxonomyTerm]] = relationship(
        back_populates="parent", order_by="TaxonomyTerm.name"
    )


class Attribute(Model):
    """Links a taxonomy term to any record; services' categories are attributes."""

    __tablename__ = "attribute"

    id: Mapped[str] = id_column()
    link_id: Mapped[str] = mapped_column(String(36))
    taxonomy_term_id: Mapped[str] = fk("taxonomy_term.id", nullable=False)
    link_type: Mapped[str | None] = mapped_column(String(255))
    link_entity: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(255))

    taxonomy_term: Mapped[TaxonomyTerm] = relationship(lazy="joined")

    __table_args__ = (Index("ix_attribute_link", "link_id", "link_entity"),)


class Language(Model):
    __tablename__ = "language"

    id: Mapped[str] = id_column()
    service_id: Mapped[str | None] = fk("service.id")
    location_id: Mapped[str | None] = fk("location.id")
    phone_id: Mapped[str | None] = fk("phone.id")
    name: Mapped[str | None] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(16), index=True)
    note: Mapped[str | None] = mapped_column(Text)


class Accessibility(Model):
    __tablename__ = "accessibility"

    id: Mapped[str] = id_column()
    location_id: Mapped[str] = fk("location.id", nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))


class CostOption(Model):
    __tablename__ = "cost_option"

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    option: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))
    amount_description: Mapped[str | None] = mapped_column(Text)


class RequiredDocument(Model):
    __tablename__ = "required_document"

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    document: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(String(2048))


class ServiceArea(Model):
    __tablename__ = "service_area"

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(String(16))
    uri: Mapped[str | None] = mapped_column(String(2048))


class Funding(Model):
    __tablename__ = "funding"

    id: Mapped[str] = id_column()
    organization_id: Mapped[str | None] = fk("organization.id")
    service_id: Mapped[str | None] = fk("service.id")
    source: Mapped[str | None] = mapped_column(Text)


class Unit(Model):
    """HSDS 3.1 unit of a capacity: beds, appointment slots, places on a waitlist."""

    __tablename__ = "unit"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(255))
    scheme: Mapped[str | None] = mapped_column(String(255))
    identifier: Mapped[str | None] = mapped_column(String(255))
    uri: Mapped[str | None] = mapped_column(String(2048))


class ServiceCapacity(Model):
    """HSDS 3.1 service_capacity."""

    __tablename__ = "service_capacity"

    id: Mapped[str] = id_column()
    service_id: Mapped[str] = fk("service.id", nullable=False)
    unit_id: Mapped[str] = fk("unit.id", nullable=False, ondelete="RESTRICT")
    available: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class Metadata(Model):
    """HSDS change history: one row per changed field."""

    __tablename__ = "metadata"

    id: Mapped[str] = id_column()
    resource_id: Mapped[str] = mapped_column(String(36), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    last_action_date: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_action_type: Mapped[str] = mapped_column(String(16))
    field_name: Mapped[str] = mapped_column(String(255))
    previous_value: Mapped[str] = mapped_column(Text, default="")
    replacement_value: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(255))
