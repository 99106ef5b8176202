"""What the program's evaluation needs beyond the encounter itself: the 911 call log, the
vocabularies of the encounter's optional evaluation section, searches that found nothing, and
the city's population shares for the equity table (portal/reports reads them all)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.catalog import UTCDateTime, fk, one_of, utcnow


class TeamStatus(enum.StrEnum):
    """What the co-response team was doing when a behavioral-health call came in."""

    responded = "responded"
    off_duty = "off-duty"
    busy = "busy"
    other = "other"


class PoliceRole(enum.StrEnum):
    co_response = "co-response"  # officer and clinician together
    backup_requested = "backup-requested"  # the team asked for police backup
    police_led = "police-led"


class Injuries(enum.StrEnum):
    none = "none"
    person = "person"  # the person in crisis
    responder = "responder"
    both = "both"
    unknown = "unknown"


class Race(enum.StrEnum):
    """The 2024 federal race and ethnicity categories (OMB SPD 15, one combined question),
    with `multiple` for more than one, and `declined` / `unknown`."""

    american_indian_alaska_native = "american-indian-alaska-native"
    asian = "asian"
    black = "black"
    hispanic_latino = "hispanic-latino"
    middle_eastern_north_african = "middle-eastern-north-african"
    native_hawaiian_pacific_islander = "native-hawaiian-pacific-islander"
    white = "white"
    multiple = "multiple"
    declined = "declined"
    unknown = "unknown"


class Ethnicity(enum.StrEnum):
    """Kept for records that still ask the two-question form; the combined race code above is
    what the equity tables group by."""

    hispanic_latino = "hispanic-latino"
    not_hispanic_latino = "not-hispanic-latino"
    declined = "declined"
    unknown = "unknown"


class Gender(enum.StrEnum):
    woman = "woman"
    man = "man"
    non_binary = "non-binary"
    another = "another"
    declined = "declined"
    unknown = "unknown"


class AgeBand(enum.StrEnum):
    under_18 = "under-18"
    age_18_24 = "18-24"
    age_25_34 = "25-34"
    age_35_44 = "35-44"
    age_45_54 = "45-54"
    age_55_64 = "55-64"
    age_65_plus = "65-plus"
    declined = "declined"
    unknown = "unknown"


class DemographicsBasis(enum.StrEnum):
    self_reported = "self-reported"
    observed = "observed"


class Call(Model):
    """One behavioral-health call from the 911 centre's log (`flask calls import`).

    The local hour and weekday are kept beside the UTC time, worked out once on import in the
    program's time zone, so the coverage tables group by them the same way on every database."""

    __tablename__ = "call"
    __table_args__ = (
        one_of("team_status", TeamStatus),
        CheckConstraint("local_hour BETWEEN 0 AND 23", name="local_hour"),
        CheckConstraint("local_weekday BETWEEN 0 AND 6", name="local_weekday"),
        # Covering: the coverage tables read only this index (portal/reports/metrics.py).
        Index("ix_call_report", "received_at", "team_status", "local_hour", "local_weekday"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    local_hour: Mapped[int] = mapped_column(Integer)
    local_weekday: Mapped[int] = mapped_column(Integer)  # Monday 0 … Sunday 6
    nature: Mapped[str | None] = mapped_column(String(200))
    team_status: Mapped[str] = mapped_column(String(20))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchMiss(Model):
    """How often a search's words found nothing, per local day: the words only, never who
    searched or from where."""

    __tablename__ = "search_miss"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    words: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class PopulationShare(Model):
    """A race and ethnicity group's share of the city's population (0–1), set by an admin,
    for the equity table's ratios; none by default."""

    __tablename__ = "population_share"
    __table_args__ = (
        one_of("race", Race),
        CheckConstraint("share >= 0 AND share <= 1", name="share"),
    )

    race: Mapped[str] = mapped_column(String(40), primary_key=True)
    share: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[str | None] = fk("user_account.id", ondelete="SET NULL")
