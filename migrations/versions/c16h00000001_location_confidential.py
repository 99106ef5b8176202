"""A location can be confidential: its street address and coordinates are never published

Revision ID: c16h00000001
Revises: c17t00000001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c16h00000001"
down_revision = "c12p00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_column("confidential")
