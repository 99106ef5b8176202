"""Client records and encounters: search, create, change, and a client's timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import Client, Encounter, Role, User

SEARCH_LIMIT = 50
CLIENT_FIELDS = (
    "name",
    "date_of_birth",
    "approximate_age",
    "phone",
    "preferred_language",
    "contact_preference",
    "notes",
)
ENCOUNTER_FIELDS = (
    "occurred_at",
    "place",
    "postal_code",
    "source",
    "disposition",
    "arrest_eligible",
    "diverted",
    "notes",
    "call_id",
    "call_received_at",
    "arrived_at",
    "triage_level",
    "police_role",
    "force_used",
    "injuries",
    "race",
    "ethnicity",
    "gender",
    "age_band",
    "demographics_basis",
)


def _clean(value):
    return (value.strip() or None) if isinstance(value, str) else value


def search(text: str | None) -> list[Client]:
    """The program's clients whose name or alias contains the text (all when empty)."""
    statement = select(Client).order_by(Client.name).limit(SEARCH_LIMIT)
    if text and text.strip():
        statement = statement.where(Client.name.icontains(text.strip(), autoescape=True))
    return list(db.session.scalars(statement))


def create(values: dict, *, by: User) -> Client:
    client = Client(created_by_id=by.id, **{k: _clean(values.get(k)) for k in CLIENT_FIELDS})
    client.contact_preference = client.contact_preference or "call"
    db.session.add(client)
    db.session.flush()
    audit.record("client.created", record=client, actor=by)
    return client


def update(client: Client, values: dict, *, by: User) -> None:
    for key in CLIENT_FIELDS:
        setattr(client, key, _clean(values.get(key)))
    client.contact_preference = client.contact_preference or "call"
    audit.record("client.updated", record=client, actor=by)


def clinicians() -> list[User]:
    """Who can be named as present at an encounter."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.clinician.value, User.active.is_(True))
            .order_by(User.email)
        )
    )


def record_encounter(
    values: dict, *, client: Client | None, team: list[User], by: User
) -> Encounter:
    encounter = Encounter(
        client=client,
        recorded_by_id=by.id,
        team_members=team,
        **{k: _clean(values.get(k)) for k in ENCOUNTER_FIELDS},
    )
    encounter.arrest_eligible = bool(encounter.arrest_eligible)
    encounter.diverted = bool(encounter.diverted) and encounter.arrest_eligible
    db.session.add(encounter)
    db.session.flush()
    audit.record("encounter.created", record=encounter, actor=by)
    return encounter


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # encounter, consent, referral
    record: object


def timeline(client: Client) -> list[TimelineEntry]:
    """Encounters, consents and referrals, newest first."""
    entries = [TimelineEntry(e.occurred_at, "encounter", e) for e in client.encounters]
    entries += [TimelineEntry(c.given_at, "consent", c) for c in client.consents]
    entries += [TimelineEntry(r.created_at, "referral", r) for r in client.referrals]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
