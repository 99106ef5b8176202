"""Repeat contacts without a window function: encounter.previous_at (portal.models.derived)

Revision ID: c15u00000001
Revises: c18p00000001
Create Date: 2026-11-28 04:55:00

- encounter.previous_at, the time of the same client's latest other encounter at or before
  this one, kept by a trigger on encounter and filled here from the encounters recorded so far.
- ix_encounter_repeat, which covers the report's repeat-contact count over a period.
"""

import sqlalchemy as sa
from alembic import op

from portal.models.catalog import UTCDateTime
from portal.models.derived import (
    PREVIOUS_AT,
    drop_previous_encounter_statements,
    previous_encounter_statements,
)

revision = "c15u00000001"
down_revision = "c18p00000001"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column("encounter", sa.Column("previous_at", UTCDateTime(), nullable=True))
    op.execute(f"{PREVIOUS_AT} WHERE client_id IS NOT NULL")
    for statement in previous_encounter_statements(dialect):
        op.execute(statement)
    op.create_index(
        "ix_encounter_repeat",
        "encounter",
        ["occurred_at", "previous_at", "client_id"],
        unique=False,
    )


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_encounter_repeat", table_name="encounter")
    for statement in drop_previous_encounter_statements(dialect):
        op.execute(statement)
    op.drop_column("encounter", "previous_at")
