"""referral.disclosed_client_name: the name a provider keeps seeing after consent ends

Revision ID: c18a00000001
Revises: b7c0ffee0007
Create Date: 2026-11-27 15:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c18a00000001"
down_revision = "b7c0ffee0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("disclosed_client_name", sa.String(length=200), nullable=True))
    # Referrals already sent disclosed the client's current name.
    op.execute(
        "UPDATE referral SET disclosed_client_name = "
        "(SELECT client.name FROM client WHERE client.id = referral.client_id) "
        "WHERE sent_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("disclosed_client_name")
