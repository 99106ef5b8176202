"""The program report's tallies (portal.models.tallies, portal.models.report_tallies)

Revision ID: c15v00000001
Revises: c15u00000001
Create Date: 2026-11-28 08:45:00

- encounter_, referral_ and call_month and _day: per UTC month or day and group, how many
  encounters, referrals or calls there are and how many meet each of the report's conditions;
  filled here from the rows recorded so far and kept by triggers on the three tables.
- ix_encounter_groups goes: the report reads the encounter tally instead.
- ix_encounter_repeat holds only the encounters within the repeat window of the client's
  previous one (a partial index), so the repeat contacts compute no gap.
- On PostgreSQL the functions behind referral.accepted_at and encounter.previous_at plan each
  statement for the table as it is (portal.models.derived.CUSTOM_PLANS): made again here.
"""

from alembic import op

from portal.models.derived import (
    drop_previous_encounter_statements,
    drop_trigger_statements,
    previous_encounter_statements,
    trigger_statements,
    within_repeat_window,
)
from portal.models.report_tallies import CALL_TALLY, ENCOUNTER_TALLY, REFERRAL_TALLY
from portal.models.tallies import SPANS

revision = "c15v00000001"
down_revision = "c15u00000001"
branch_labels = None
depends_on = None

TALLIES = (ENCOUNTER_TALLY, REFERRAL_TALLY, CALL_TALLY)
ENCOUNTER_GROUPS = (
    "disposition",
    "race",
    "occurred_at",
    "source",
    "triage_level",
    "police_role",
    "arrest_eligible",
    "diverted",
    "injuries",
    "force_used",
    "response_seconds",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in [
            *drop_trigger_statements(dialect),
            *trigger_statements(dialect),
            *drop_previous_encounter_statements(dialect),
            *previous_encounter_statements(dialect),
        ]:
            op.execute(statement)
    for tally in TALLIES:
        for span in SPANS:
            op.create_table(tally.name(span), *tally.columns(), sqlite_with_rowid=False)
        for statement in tally.create_statements(dialect):
            op.execute(statement)
    op.drop_index("ix_encounter_groups", table_name="encounter")
    op.drop_index("ix_encounter_repeat", table_name="encounter")
    op.create_index(
        "ix_encounter_repeat",
        "encounter",
        ["occurred_at", "client_id", "previous_at"],
        unique=False,
        sqlite_where=within_repeat_window(),
        postgresql_where=within_repeat_window(),
    )


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_encounter_repeat", table_name="encounter")
    op.create_index(
        "ix_encounter_repeat",
        "encounter",
        ["occurred_at", "previous_at", "client_id"],
        unique=False,
    )
    op.create_index("ix_encounter_groups", "encounter", list(ENCOUNTER_GROUPS), unique=False)
    for tally in TALLIES:
        for statement in tally.drop_trigger_statements(dialect):
            op.execute(statement)
        for span in SPANS:
            op.drop_table(tally.name(span))
