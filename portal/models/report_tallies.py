"""The tallies of the program report (portal.models.tallies): encounters by disposition and
race, referrals by status, outcome and urgency, and calls by local hour, weekday and the
team's status, with the counts the report's figures are sums of."""

from __future__ import annotations

from portal.extensions import Model
from portal.models.evidence import Call, Injuries, PoliceRole
from portal.models.referrals import Encounter, EncounterSource, Referral
from portal.models.tallies import Count, Key, Tally, sql_literal

INJURED = (Injuries.person.value, Injuries.responder.value, Injuries.both.value)
INJURED_SQL = ", ".join(map(sql_literal, INJURED))
TRIAGE_LEVELS = (1, 2, 3, 4)


def _name(value: str) -> str:
    return value.replace("-", "_")


def _one_of(column: str, value: str | int | None) -> str:
    """The condition that the row's column holds `value` (NULL for None)."""
    if value is None:
        return f"{{row}}.{column} IS NULL"
    return f"{{row}}.{column} = {sql_literal(value)}"


ENCOUNTER_TALLY = Tally(
    Model.metadata,
    Encounter,
    moment="occurred_at",
    keys=(Key("disposition", length=20), Key("race", "unknown", 40)),
    counts=(
        Count("arrest_eligible", "{row}.arrest_eligible", ("arrest_eligible",)),
        Count(
            "diverted", "{row}.arrest_eligible AND {row}.diverted", ("arrest_eligible", "diverted")
        ),
        Count("injured", f"{{row}}.injuries IN ({INJURED_SQL})", ("injuries",)),
        Count("force_used", "{row}.force_used", ("force_used",)),
        # response_seconds is generated from these two.
        Count("timed", "{row}.response_seconds IS NOT NULL", ("call_received_at", "arrived_at")),
        *(
            Count(f"source_{_name(s.value)}", _one_of("source", s.value), ("source",))
            for s in EncounterSource
        ),
        *(
            Count(f"triage_{level or 'none'}", _one_of("triage_level", level), ("triage_level",))
            for level in (*TRIAGE_LEVELS, None)
        ),
        *(
            Count(
                f"role_{_name(role.value) if role else 'none'}",
                _one_of("police_role", role.value if role else None),
                ("police_role",),
            )
            for role in (*PoliceRole, None)
        ),
    ),
)

REFERRAL_TALLY = Tally(
    Model.metadata,
    Referral,
    moment="sent_at",
    keys=(Key("status", length=20), Key("outcome", length=30), Key("urgency", length=20)),
    counts=(
        Count("accepted", "{row}.accepted_at IS NOT NULL", ("accepted_at",)),
        Count("responded", "{row}.responded_at IS NOT NULL", ("responded_at",)),
        Count("closed", "{row}.closed_at IS NOT NULL", ("closed_at",)),
    ),
)

CALL_TALLY = Tally(
    Model.metadata,
    Call,
    moment="received_at",
    keys=(Key("local_hour"), Key("local_weekday"), Key("team_status", length=20)),
    counts=(),
)
