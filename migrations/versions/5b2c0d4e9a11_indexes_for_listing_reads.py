"""Indexes the listing reads need (measured: SQLite chose low-selectivity indexes)

Revision ID: 5b2c0d4e9a11
Revises: 027dc5739593
Create Date: 2026-11-26 15:45:00
"""

from alembic import op

revision = "5b2c0d4e9a11"
down_revision = "027dc5739593"
branch_labels = None
depends_on = None

OWN_ROWS = ("phone", "schedule", "contact")


def upgrade():
    with op.batch_alter_table("service") as batch_op:
        batch_op.drop_index("ix_service_status")
    with op.batch_alter_table("attribute") as batch_op:
        batch_op.drop_index("ix_attribute_link_id")
        batch_op.drop_index("ix_attribute_link_entity")
        batch_op.create_index("ix_attribute_link", ["link_id", "link_entity"])
    for table in OWN_ROWS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(
                f"ix_{table}_service_own", ["service_id", "service_at_location_id"]
            )
            batch_op.create_index(
                f"ix_{table}_location_own", ["location_id", "service_at_location_id"]
            )


def downgrade():
    for table in OWN_ROWS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_location_own")
            batch_op.drop_index(f"ix_{table}_service_own")
    with op.batch_alter_table("attribute") as batch_op:
        batch_op.drop_index("ix_attribute_link")
        batch_op.create_index("ix_attribute_link_entity", ["link_entity"])
        batch_op.create_index("ix_attribute_link_id", ["link_id"])
    with op.batch_alter_table("service") as batch_op:
        batch_op.create_index("ix_service_status", ["status"])
