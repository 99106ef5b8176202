"""service.capacity_updated: when the intake figures (openings, accepting, waitlist) last changed

Revision ID: c12p00000001
Revises: c17t00000001
Create Date: 2026-11-27 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c12p00000001"
down_revision = "c13r00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("capacity_updated", sa.DateTime(timezone=True), nullable=True))
    # Services with openings already listed were last updated when those rows were written.
    op.execute(
        "UPDATE service SET capacity_updated = "
        "(SELECT max(service_capacity.updated) FROM service_capacity "
        "WHERE service_capacity.service_id = service.id)"
    )


def downgrade():
    with op.batch_alter_table("service") as batch:
        batch.drop_column("capacity_updated")
