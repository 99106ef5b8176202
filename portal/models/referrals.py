"""The program's client records: clients, consents, encounters, referrals and their events,
in-app notifications and the printable service lists. The rules that act on them live in
portal/referrals (workflow.py, consent.py)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model, db
from portal.models.append_only import make_append_only
from portal.models.catalog import (
    Location,
    Organization,
    Service,
    UTCDateTime,
    fk,
    id_column,
    one_of,
    utcnow,
)
from portal.models.derived import (
    duration,
    keep_accepted_at,
    keep_previous_encounter,
    within_repeat_window,
)
from portal.models.encrypted import EncryptedDate, EncryptedText
from portal.models.evidence import (
    AgeBand,
    DemographicsBasis,
    Ethnicity,
    Gender,
    Injuries,
    PoliceRole,
    Race,
)
from portal.models.people import User

# The vocabularies: the columns hold their values (a CHECK constraint each, so a new value
# needs a migration), forms offer them with labels, portal.referrals.workflow acts on them.


class ContactPreference(enum.StrEnum):
    call = "call"
    text = "text"
    clinician = "clinician"  # only through the clinician
    do_not_contact = "do-not-contact"


class EncounterSource(enum.StrEnum):
    dispatch = "dispatch"
    first_responder = "first-responder"
    outreach = "outreach"
    walk_in = "walk-in"
    follow_up = "follow-up"


class Disposition(enum.StrEnum):
    resolved = "resolved"
    referred = "referred"
    voluntary_transport = "voluntary-transport"
    eco = "eco"  # emergency custody order
    tdo = "tdo"  # temporary detention order
    arrest = "arrest"
    declined = "declined"
    other = "other"


class ConsentMethod(enum.StrEnum):
    signed_on_screen = "signed-on-screen"
    paper = "paper"
    verbal = "verbal"


class Urgency(enum.StrEnum):
    """Most urgent first: the dashboard sorts in this order."""

    emergency = "emergency"
    urgent = "urgent"
    routine = "routine"


class ReferralStatus(enum.StrEnum):
    """The HL7 FHIR Task statuses DESIGN.md's state machine uses (portal.referrals.workflow)."""

    draft = "draft"
    requested = "requested"
    accepted = "accepted"
    rejected = "rejected"
    in_progress = "in-progress"
    on_hold = "on-hold"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
    entered_in_error = "entered-in-error"


class ReferralOutcome(enum.StrEnum):
    got_help = "got-help"
    could_not_contact = "could-not-contact"
    no_capacity = "no-capacity"
    not_eligible = "not-eligible"
    no_longer_interested = "no-longer-interested"
    referred_elsewhere = "referred-elsewhere"
    other = "other"


def _big_id() -> Mapped[int]:
    return mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


class Client(Model):
    """A person the program works with: the minimum necessary, nothing more."""

    __tablename__ = "client"
    __table_args__ = (one_of("contact_preference", ContactPreference),)

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), index=True)  # name or alias
    date_of_birth: Mapped[dt.date | None] = mapped_column(EncryptedDate())
    approximate_age: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    preferred_language: Mapped[str | None] = mapped_column(String(100))
    contact_preference: Mapped[str] = mapped_column(
        String(20), default=ContactPreference.call.value
    )
    notes: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="client", order_by="Consent.given_at.desc()"
    )
    encounters: Mapped[list[Encounter]] = relationship(
        back_populates="client", order_by="Encounter.occurred_at.desc()"
    )
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="client", order_by="Referral.created_at.desc()"
    )


class Consent(Model):
    """A client's consent to disclose to one organization, with the elements 42 CFR Part 2
    asks for (§ 2.31): who, discloser, recipient, what, why, until when, how signed, when."""

    __tablename__ = "consent"
    __table_args__ = (one_of("method", ConsentMethod),)

    id: Mapped[str] = id_column()
    client_id: Mapped[str] = fk("client.id", nullable=False, ondelete="RESTRICT")
    discloser: Mapped[str] = mapped_column(String(200))  # the program's name when recorded
    organization_id: Mapped[str] = fk("organization.id", nullable=False, ondelete="RESTRICT")
    information: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    expiry_event: Mapped[str | None] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(20))
    witness_name: Mapped[str | None] = mapped_column(String(200))
    signature: Mapped[str | None] = mapped_column(String(200))  # typed name, signed on screen
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    revocation_note: Mapped[str | None] = mapped_column(String(500))

    client: Mapped[Client] = relationship(back_populates="consents")
    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


encounter_team_member = Table(
    "encounter_team_member",
    db.metadata,
    Column(
        "encounter_id", String(36), ForeignKey("encounter.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "user_id",
        String(36),
        ForeignKey("user_account.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


ENCOUNTER_REPORT_COLUMNS = (
    "occurred_at",
    "disposition",
    "race",
    "source",
    "triage_level",
    "police_role",
    "arrest_eligible",
    "diverted",
    "injuries",
    "force_used",
    "response_seconds",
    "client_id",  # repeat contacts
)
REFERRAL_REPORT_COLUMNS = (
    "sent_at",
    "urgency",
    "status",
    "outcome",
    "accepted_at",
    "responded_at",
    "closed_at",
    "id",
    "organization_id",  # the service gaps
    "service_id",
)
REFERRAL_GROUP_COLUMNS = (
    "status",
    "outcome",
    "urgency",
    "sent_at",
    "accepted_at",
    "responded_at",
    "closed_at",
    "organization_id",
    "service_id",
)


class Encounter(Model):
    """A call or an outreach contact, with a known client or anonymous.

    The evaluation section (from `call_id` on) is optional throughout: NULL is "not recorded",
    and the demographic vocabularies also carry "declined" and "unknown"."""

    __tablename__ = "encounter"
    __table_args__ = (
        one_of("source", EncounterSource),
        one_of("disposition", Disposition),
        one_of("police_role", PoliceRole),
        one_of("injuries", Injuries),
        one_of("race", Race),
        one_of("ethnicity", Ethnicity),
        one_of("gender", Gender),
        one_of("age_band", AgeBand),
        one_of("demographics_basis", DemographicsBasis),
        CheckConstraint("triage_level BETWEEN 1 AND 4", name="triage_level"),
        # Covering indexes of the program report (portal/reports/metrics.py): its GROUP BYs
        # over a period read these alone, never the wide rows.
        Index("ix_encounter_report", *ENCOUNTER_REPORT_COLUMNS),
        Index("ix_encounter_client_time", "client_id", "occurred_at"),
        # Percentiles of the response time: an ordered scan (portal.models.derived).
        Index("ix_encounter_response", "response_seconds", "occurred_at"),
        # Repeat contacts: only the encounters that came soon after the client's previous one.
        Index(
            "ix_encounter_repeat",
            "occurred_at",
            "client_id",
            "previous_at",
            sqlite_where=within_repeat_window(),
            postgresql_where=within_repeat_window(),
        ),
    )

    id: Mapped[str] = id_column()
    client_id: Mapped[str | None] = fk("client.id", ondelete="RESTRICT")
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    disposition: Mapped[str] = mapped_column(String(20))
    arrest_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    diverted: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(EncryptedText())
    recorded_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The id of a record kept before the portal (`flask encounters import`): imports are
    # idempotent on it.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The 911 incident number: the link to call.call_id (no foreign key, so the call log and
    # the encounters can be imported in either order).
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    call_received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    response_seconds: Mapped[float | None] = mapped_column(
        Float, duration("call_received_at", "arrived_at")
    )
    # Kept by the database (portal.models.derived): the client's previous encounter's time.
    previous_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    triage_level: Mapped[int | None] = mapped_column(Integer)  # Marcus Alert 1 routine … 4 emergent
    police_role: Mapped[str | None] = mapped_column(String(20))
    force_used: Mapped[bool | None] = mapped_column(Boolean)
    injuries: Mapped[str | None] = mapped_column(String(20))
    race: Mapped[str | None] = mapped_column(String(40))
    ethnicity: Mapped[str | None] = mapped_column(String(30))
    gender: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))
    demographics_basis: Mapped[str | None] = mapped_column(String(20))

    client: Mapped[Client | None] = relationship(back_populates="encounters")
    team_members: Mapped[list[User]] = relationship(
        secondary=encounter_team_member, order_by="User.email"
    )


class Referral(Model):
    """A referral of a client to a service (at a location), followed to its end.

    `version` is SQLAlchemy's version counter: an UPDATE that meets another writer's change
    matches no row and fails, so a concurrent change is never silently overwritten."""

    __tablename__ = "referral"
    __table_args__ = (
        one_of("status", ReferralStatus),
        one_of("urgency", Urgency),
        one_of("outcome", ReferralOutcome),
        Index("ix_referral_report", *REFERRAL_REPORT_COLUMNS),  # as ix_encounter_report
        Index("ix_referral_groups", *REFERRAL_GROUP_COLUMNS),
        Index("ix_referral_response", "response_seconds", "sent_at", "status"),
        Index("ix_referral_completion", "completion_seconds", "sent_at", "status"),
    )

    id: Mapped[str] = id_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    client_id: Mapped[str] = fk("client.id", nullable=False, ondelete="RESTRICT")
    organization_id: Mapped[str] = fk("organization.id", nullable=False, ondelete="RESTRICT")
    service_id: Mapped[str | None] = fk("service.id", ondelete="SET NULL")
    location_id: Mapped[str | None] = fk("location.id", ondelete="SET NULL")
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.draft.value, index=True)
    outcome: Mapped[str | None] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(20), default=Urgency.routine.value)
    need: Mapped[str] = mapped_column(String(500))
    # The client's name as it was sent to the organization: what a provider may still see once
    # the consent has ended (portal/referrals/disclosure.py).
    disclosed_client_name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    appointment_on: Mapped[dt.date | None] = mapped_column(Date)
    # The appointment's wall-clock time in the program's time zone, when the provider gave one.
    appointment_time: Mapped[dt.time | None] = mapped_column(Time)
    created_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Kept by the database (portal.models.derived): the first "accepted" event's time, and
    # the seconds from sending to the first answer and to the end.
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    response_seconds: Mapped[float | None] = mapped_column(
        Float, duration("sent_at", "responded_at")
    )
    completion_seconds: Mapped[float | None] = mapped_column(
        Float, duration("sent_at", "closed_at")
    )
    # When the overdue reminder went out, so `flask referrals overdue --notify` sends it once.
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship(back_populates="referrals")
    organization: Mapped[Organization] = relationship()
    service: Mapped[Service | None] = relationship()
    location: Mapped[Location | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class ReferralEventIsAppendOnly(RuntimeError):
    """Someone tried to change or delete a referral event."""


class ReferralEvent(Model):
    """One change of a referral: append-only (portal.models.append_only)."""

    __tablename__ = "referral_event"
    __table_args__ = (
        one_of("from_status", ReferralStatus),
        one_of("to_status", ReferralStatus),
        # Covering: the report asks of each referral whether it was ever accepted.
        Index("ix_referral_event_to_status", "referral_id", "to_status"),
    )

    id: Mapped[int] = _big_id()
    referral_id: Mapped[str] = fk("referral.id", nullable=False, ondelete="RESTRICT")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


make_append_only(ReferralEvent, ReferralEventIsAppendOnly)
keep_accepted_at(ReferralEvent)
keep_previous_encounter(Encounter)


class Notification(Model):
    """An in-app notice to one user; the text is fixed and carries no client details."""

    __tablename__ = "notification"
    __table_args__ = (one_of("status", ReferralStatus),)

    id: Mapped[int] = _big_id()
    user_id: Mapped[str] = fk("user_account.id", nullable=False)
    referral_id: Mapped[str | None] = fk("referral.id", ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(String(30))  # status-changed, appointment, overdue
    status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    referral: Mapped[Referral | None] = relationship()


class ConsentTemplate(Model):
    """The wording the program proposes for a new consent: what is shared and why, and how long
    it lasts. Admins edit it; each edit is a new row and the newest one is used, so the wording
    of any past day can still be read."""

    __tablename__ = "consent_template"

    id: Mapped[int] = _big_id()
    information: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    expiry_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")


class ServiceList(Model):
    """A list of services a clinician picked for someone, reachable by a short random token
    on a public page. It holds no client data."""

    __tablename__ = "service_list"

    id: Mapped[str] = id_column()
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[ServiceListItem]] = relationship(
        order_by="ServiceListItem.position", cascade="all, delete-orphan", passive_deletes=True
    )


class ServiceListItem(Model):
    __tablename__ = "service_list_item"

    service_list_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("service_list.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("service.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)

    service: Mapped[Service] = relationship()
