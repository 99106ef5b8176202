"""Program report at program scale: covering indexes for "ever accepted", the service gaps
and the "overdue now" count

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
INDEXES = (
    ("ix_referral_event_to_status", "referral_event", ("referral_id", "to_status")),
    (
        "ix_referral_gaps",
        "referral",
        ("outcome", "sent_at", "status", "organization_id", "service_id"),
    ),
    ("ix_referral_waiting", "referral", ("status", "urgency", "sent_at")),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade():
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
