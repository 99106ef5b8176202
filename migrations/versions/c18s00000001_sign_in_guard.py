"""sign_in_guard: failed sign-ins counted per client address and account; the account keeps a
ceiling that asks for the emailed reset

Revision ID: c18s00000001
Revises: c15r00000001
Create Date: 2026-11-27 22:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c18s00000001"
down_revision = "c15r00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_guard",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "address"),
    )
    with op.batch_alter_table("sign_in_guard") as batch:
        batch.create_index(batch.f("ix_sign_in_guard_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("failures_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column(
                "password_reset_required",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("guessing_reported_at", sa.DateTime(timezone=True), nullable=True)
        )
        # Account-wide locks are gone: a lock now belongs to an address and account pair.
        batch.drop_column("locked_until")


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("guessing_reported_at")
        batch.drop_column("password_reset_required")
        batch.drop_column("failures_since")
    with op.batch_alter_table("sign_in_guard") as batch:
        batch.drop_index(batch.f("ix_sign_in_guard_user_id"))
    op.drop_table("sign_in_guard")
