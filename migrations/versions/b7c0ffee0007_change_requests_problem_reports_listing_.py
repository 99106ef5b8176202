"""change requests, problem reports, listing reminders, trusted organizations

Revision ID: b7c0ffee0007
Revises: a5c0ffee0005
Create Date: 2026-11-26 17:06:18.595415

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7c0ffee0007"
down_revision = "a5c0ffee0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=True),
        sa.Column("proposed_values", sa.JSON(), nullable=False),
        sa.Column("previous_values", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.String(length=36), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer_id", sa.String(length=36), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_change_request_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_change_request_reviewer_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_change_request_submitted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
    )
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_request_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_request_reviewer_id"), ["reviewer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_request_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_change_request_submitted_by_id"), ["submitted_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_request_target_id"), ["target_id"], unique=False
        )

    op.create_table(
        "listing_reminder",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_listing_reminder_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_reminder")),
    )
    with op.batch_alter_table("listing_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_reminder_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "problem_report",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
            name=op.f("fk_problem_report_resolved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_problem_report_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_report")),
    )
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_problem_report_resolved_by_id"), ["resolved_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_problem_report_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_problem_report_status"), ["status"], unique=False)

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trusted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("trusted")

    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_report_status"))
        batch_op.drop_index(batch_op.f("ix_problem_report_service_id"))
        batch_op.drop_index(batch_op.f("ix_problem_report_resolved_by_id"))

    op.drop_table("problem_report")
    with op.batch_alter_table("listing_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_reminder_service_id"))

    op.drop_table("listing_reminder")
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_request_target_id"))
        batch_op.drop_index(batch_op.f("ix_change_request_submitted_by_id"))
        batch_op.drop_index(batch_op.f("ix_change_request_status"))
        batch_op.drop_index(batch_op.f("ix_change_request_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_change_request_organization_id"))

    op.drop_table("change_request")
