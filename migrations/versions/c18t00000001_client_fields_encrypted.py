"""client.phone and client.date_of_birth become text: they hold Fernet tokens now

Values already there stay readable as they are; `flask --app wsgi keys rotate` encrypts them
(portal/models/encrypted.py). Notes were text already.

Revision ID: c18t00000001
Revises: c17t00000001
Create Date: 2026-11-27 19:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c18t00000001"
down_revision = "c17t00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("client") as batch:
        batch.alter_column("phone", type_=sa.Text(), existing_type=sa.String(length=40))
        batch.alter_column(
            "date_of_birth",
            type_=sa.Text(),
            existing_type=sa.Date(),
            postgresql_using="date_of_birth::text",
        )


def downgrade():
    # Only for a database whose values were never encrypted (decrypt them first otherwise).
    with op.batch_alter_table("client") as batch:
        batch.alter_column("phone", type_=sa.String(length=40), existing_type=sa.Text())
        batch.alter_column(
            "date_of_birth",
            type_=sa.Date(),
            existing_type=sa.Text(),
            postgresql_using="date_of_birth::date",
        )
