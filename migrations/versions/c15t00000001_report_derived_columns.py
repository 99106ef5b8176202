"""Program report at program scale: columns the database derives (portal.models.derived)

Revision ID: c15t00000001
Revises: c15s00000001
Create Date: 2026-11-28 01:10:00

- referral.accepted_at, the time of the referral's first "accepted" event, kept by a trigger
  on referral_event and filled here from the events recorded so far.
- Generated durations: referral.response_seconds and completion_seconds, and
  encounter.response_seconds, each with an index led by it (percentiles by an ordered scan).
- Covering indexes led by the report's GROUP BY columns; the report indexes carry the new
  columns.
"""

import sqlalchemy as sa
from alembic import op

from portal.models.catalog import UTCDateTime
from portal.models.derived import drop_trigger_statements, duration, trigger_statements

revision = "c15t00000001"
down_revision = "c15s00000001"
branch_labels = None
depends_on = None

# Written out as portal.models has them.
REFERRAL_REPORT = (
    "sent_at",
    "urgency",
    "status",
    "outcome",
    "accepted_at",
    "responded_at",
    "closed_at",
    "id",
    "organization_id",
    "service_id",
)
REFERRAL_GROUPS = (
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
ENCOUNTER_FLAGS = (
    "source",
    "triage_level",
    "police_role",
    "arrest_eligible",
    "diverted",
    "injuries",
    "force_used",
    "response_seconds",
)
ENCOUNTER_REPORT = ("occurred_at", "disposition", "race", *ENCOUNTER_FLAGS, "client_id")
ENCOUNTER_GROUPS = ("disposition", "race", "occurred_at", *ENCOUNTER_FLAGS)
# c15s00000001's
OLD_REFERRAL_REPORT = (
    "sent_at",
    "urgency",
    "status",
    "outcome",
    "responded_at",
    "closed_at",
    "id",
    "organization_id",
    "service_id",
)
OLD_ENCOUNTER_REPORT = (
    *ENCOUNTER_REPORT[:-3],
    "force_used",
    "call_received_at",
    "arrived_at",
    "client_id",
)
DURATIONS = {
    "referral": {
        "response_seconds": ("sent_at", "responded_at"),
        "completion_seconds": ("sent_at", "closed_at"),
    },
    "encounter": {"response_seconds": ("call_received_at", "arrived_at")},
}
NEW_INDEXES = {
    "ix_referral_groups": ("referral", REFERRAL_GROUPS),
    "ix_referral_response": ("referral", ("response_seconds", "sent_at", "status")),
    "ix_referral_completion": ("referral", ("completion_seconds", "sent_at", "status")),
    "ix_encounter_groups": ("encounter", ENCOUNTER_GROUPS),
    "ix_encounter_response": ("encounter", ("response_seconds", "occurred_at")),
}


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column("referral", sa.Column("accepted_at", UTCDateTime(), nullable=True))
    # A generated column is added in place (VIRTUAL on SQLite, STORED on PostgreSQL).
    for table, columns in DURATIONS.items():
        for name, (start, end) in columns.items():
            op.add_column(table, sa.Column(name, sa.Float(), duration(start, end), nullable=True))
    op.execute(
        "UPDATE referral SET accepted_at = (SELECT MIN(e.at) FROM referral_event e "
        "WHERE e.referral_id = referral.id AND e.to_status = 'accepted')"
    )
    for statement in trigger_statements(dialect):
        op.execute(statement)
    op.drop_index("ix_referral_report", table_name="referral")
    op.create_index("ix_referral_report", "referral", list(REFERRAL_REPORT), unique=False)
    op.drop_index("ix_encounter_report", table_name="encounter")
    op.create_index("ix_encounter_report", "encounter", list(ENCOUNTER_REPORT), unique=False)
    for name, (table, columns) in NEW_INDEXES.items():
        op.create_index(name, table, list(columns), unique=False)


def downgrade():
    dialect = op.get_bind().dialect.name
    for name, (table, _columns) in NEW_INDEXES.items():
        op.drop_index(name, table_name=table)
    op.drop_index("ix_encounter_report", table_name="encounter")
    op.create_index("ix_encounter_report", "encounter", list(OLD_ENCOUNTER_REPORT), unique=False)
    op.drop_index("ix_referral_report", table_name="referral")
    op.create_index("ix_referral_report", "referral", list(OLD_REFERRAL_REPORT), unique=False)
    for statement in drop_trigger_statements(dialect):
        op.execute(statement)
    for table, columns in DURATIONS.items():
        for name in columns:
            op.drop_column(table, name)
    op.drop_column("referral", "accepted_at")
