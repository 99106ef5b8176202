"""Vocabularies as CHECK constraints, one placement per service and location, referral events
and audit rows append-only in the database

Revision ID: c17t00000001
Revises: c18a00000001
Create Date: 2026-12-01

- Each vocabulary column accepts only its StrEnum's values (portal.models; NULL where the
  column allows it). The values are read from the enums: a later change to a vocabulary
  needs a migration of its own that replaces the constraint.
- service_at_location gets a unique (service_id, location_id). Rows that repeat a pair are
  merged first into the oldest-by-id row: their phones, schedules, contacts and attributes
  move to it, then they are deleted.
- audit_event and referral_event refuse UPDATE and DELETE by trigger (SQLite and PostgreSQL),
  created after the batch copies below, which would drop them on SQLite.
"""

from alembic import op

from portal.models import (
    ChangeStatus,
    ProblemKind,
    ProblemStatus,
    ServiceStatus,
    TargetType,
)
from portal.models.append_only import drop_trigger_statements, trigger_statements
from portal.models.referrals import (
    ConsentMethod,
    ContactPreference,
    Disposition,
    EncounterSource,
    ReferralOutcome,
    ReferralStatus,
    Urgency,
)

# revision identifiers, used by Alembic.
revision = "c17t00000001"
down_revision = "c18a00000001"
branch_labels = None
depends_on = None

CHECKS = {
    "service": [("status", ServiceStatus)],
    "change_request": [("target_type", TargetType), ("status", ChangeStatus)],
    "problem_report": [("kind", ProblemKind), ("status", ProblemStatus)],
    "client": [("contact_preference", ContactPreference)],
    "consent": [("method", ConsentMethod)],
    "encounter": [("source", EncounterSource), ("disposition", Disposition)],
    "referral": [("status", ReferralStatus), ("urgency", Urgency), ("outcome", ReferralOutcome)],
    "referral_event": [("from_status", ReferralStatus), ("to_status", ReferralStatus)],
    "notification": [("status", ReferralStatus)],
}
APPEND_ONLY = ("audit_event", "referral_event")
PLACEMENT_CHILDREN = ("phone", "schedule", "contact")

# The row kept for the pair of the placement `d`: the smallest id.
_KEPT = (
    "(SELECT MIN(k.id) FROM service_at_location k "
    "WHERE k.service_id = d.service_id AND k.location_id = d.location_id)"
)
_REPEATS = f"SELECT d.id FROM service_at_location d WHERE d.id <> {_KEPT}"


def _merge_repeated_placements() -> None:
    for table in PLACEMENT_CHILDREN:
        op.execute(
            f"UPDATE {table} SET service_at_location_id = "
            f"(SELECT {_KEPT} FROM service_at_location d "
            f"WHERE d.id = {table}.service_at_location_id) "
            f"WHERE service_at_location_id IN ({_REPEATS})"
        )
    op.execute(
        f"UPDATE attribute SET link_id = "
        f"(SELECT {_KEPT} FROM service_at_location d WHERE d.id = attribute.link_id) "
        f"WHERE link_entity = 'service_at_location' AND link_id IN ({_REPEATS})"
    )
    op.execute(f"DELETE FROM service_at_location WHERE id IN ({_REPEATS})")


def _one_of(column: str, vocabulary) -> str:
    return f"{column} IN ({', '.join(repr(member.value) for member in vocabulary)})"


def upgrade():
    _merge_repeated_placements()
    with op.batch_alter_table("service_at_location", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            op.f("uq_service_at_location_service_id"), ["service_id", "location_id"]
        )
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, vocabulary in columns:
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _one_of(column, vocabulary)
                )
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in trigger_statements(table, dialect):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in drop_trigger_statements(table, dialect):
            op.execute(statement)
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _vocabulary in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
    with op.batch_alter_table("service_at_location", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_service_at_location_service_id"), type_="unique")
