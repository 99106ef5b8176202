"""Program report at program scale: a covering index for "ever accepted"; the referrals'
covering index also serves the service gaps, the encounters' the repeat contacts

Revision ID: c15s00000001
Revises: c18s00000001
Create Date: 2026-11-27 22:30:00
"""

from alembic import op

revision = "c15s00000001"
down_revision = "c18s00000001"
branch_labels = None
depends_on = None

# Written out as portal.models has them.
REFERRAL_REPORT = ("sent_at", "urgency", "status", "outcome", "responded_at", "closed_at", "id")
GAPS = ("organization_id", "service_id")
ENCOUNTER_REPORT = (
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
    "call_received_at",
    "arrived_at",
)


def upgrade():
    op.create_index(
        "ix_referral_event_to_status", "referral_event", ["referral_id", "to_status"], unique=False
    )
    op.drop_index("ix_referral_report", table_name="referral")
    op.create_index("ix_referral_report", "referral", [*REFERRAL_REPORT, *GAPS], unique=False)
    op.drop_index("ix_encounter_report", table_name="encounter")
    op.create_index(
        "ix_encounter_report", "encounter", [*ENCOUNTER_REPORT, "client_id"], unique=False
    )


def downgrade():
    op.drop_index("ix_encounter_report", table_name="encounter")
    op.create_index("ix_encounter_report", "encounter", list(ENCOUNTER_REPORT), unique=False)
    op.drop_index("ix_referral_report", table_name="referral")
    op.create_index("ix_referral_report", "referral", list(REFERRAL_REPORT), unique=False)
    op.drop_index("ix_referral_event_to_status", table_name="referral_event")
