"""Program report at program scale: a covering index for "ever accepted", and the
referrals' covering index also serves the service gaps

Revision ID: c15s00000001
Revises: c15r00000001
Create Date: 2026-11-27 22:30:00
"""

from alembic import op

revision = "c15s00000001"
down_revision = "c15r00000001"
branch_labels = None
depends_on = None

# Written out as portal.models has them.
REFERRAL_REPORT = ("sent_at", "urgency", "status", "outcome", "responded_at", "closed_at", "id")
GAPS = ("organization_id", "service_id")


def upgrade():
    op.create_index(
        "ix_referral_event_to_status", "referral_event", ["referral_id", "to_status"], unique=False
    )
    op.drop_index("ix_referral_report", table_name="referral")
    op.create_index("ix_referral_report", "referral", [*REFERRAL_REPORT, *GAPS], unique=False)


def downgrade():
    op.drop_index("ix_referral_report", table_name="referral")
    op.create_index("ix_referral_report", "referral", list(REFERRAL_REPORT), unique=False)
    op.drop_index("ix_referral_event_to_status", table_name="referral_event")
