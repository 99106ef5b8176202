"""The referral in the field: consent wording templates, the clinician's name and phone for
providers, and an appointment time

Revision ID: c13r00000001
Revises: c17t00000001
Create Date: 2026-11-27 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c13r00000001"
down_revision = "c18t00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_template",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("information", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_template_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_template")),
    )
    with op.batch_alter_table("consent_template") as batch:
        batch.create_index(
            batch.f("ix_consent_template_created_by_id"), ["created_by_id"], unique=False
        )
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("appointment_time", sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("appointment_time")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("phone")
        batch.drop_column("display_name")
    with op.batch_alter_table("consent_template") as batch:
        batch.drop_index(batch.f("ix_consent_template_created_by_id"))
    op.drop_table("consent_template")
