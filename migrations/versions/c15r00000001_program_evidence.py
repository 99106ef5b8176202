"""Program evidence: the encounter's evaluation section, the 911 call log, searches that
found nothing, population shares

Revision ID: c15r00000001
Revises: c17t00000001
Create Date: 2026-11-27 19:00:00

The vocabularies are written out in full here, as they were when this revision was made: a
later change to one needs a migration of its own.
"""

import sqlalchemy as sa
from alembic import op

revision = "c15r00000001"
down_revision = "c16h00000001"
branch_labels = None
depends_on = None

RACE = (
    "american-indian-alaska-native",
    "asian",
    "black",
    "hispanic-latino",
    "middle-eastern-north-african",
    "native-hawaiian-pacific-islander",
    "white",
    "multiple",
    "declined",
    "unknown",
)
ENCOUNTER_CHECKS = {
    "police_role": ("co-response", "backup-requested", "police-led"),
    "injuries": ("none", "person", "responder", "both", "unknown"),
    "race": RACE,
    "ethnicity": ("hispanic-latino", "not-hispanic-latino", "declined", "unknown"),
    "gender": ("woman", "man", "non-binary", "another", "declined", "unknown"),
    "age_band": (
        "under-18",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65-plus",
        "declined",
        "unknown",
    ),
    "demographics_basis": ("self-reported", "observed"),
}
TEAM_STATUS = ("responded", "off-duty", "busy", "other")


# Covering indexes of the program report, written out as portal.models has them.
REPORT_INDEXES = (
    (
        "ix_encounter_report",
        "encounter",
        (
            "occurred_at",
            "disposition",
            "race",
            "source",
            "triage_level",
            "police_role",
            "arrest_eligible",
            "diverted",
            "injuries",
            "force_used",
            "call_received_at",
            "arrived_at",
        ),
    ),
    ("ix_encounter_client_time", "encounter", ("client_id", "occurred_at")),
    (
        "ix_referral_report",
        "referral",
        ("sent_at", "urgency", "status", "outcome", "responded_at", "closed_at", "id"),
    ),
    ("ix_call_report", "call", ("received_at", "team_status", "local_hour", "local_weekday")),
)


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _big_id() -> sa.Column:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def upgrade():
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("call_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("call_received_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("triage_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("police_role", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("force_used", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("injuries", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("race", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("ethnicity", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("gender", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("age_band", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("demographics_basis", sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_encounter_external_id"), ["external_id"])
        batch_op.create_index(op.f("ix_encounter_call_id"), ["call_id"], unique=False)
        for column, values in ENCOUNTER_CHECKS.items():
            batch_op.create_check_constraint(
                op.f(f"ck_encounter_{column}"), _one_of(column, values)
            )
        batch_op.create_check_constraint(
            op.f("ck_encounter_triage_level"), "triage_level BETWEEN 1 AND 4"
        )

    op.create_table(
        "call",
        _big_id(),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_hour", sa.Integer(), nullable=False),
        sa.Column("local_weekday", sa.Integer(), nullable=False),
        sa.Column("nature", sa.String(length=200), nullable=True),
        sa.Column("team_status", sa.String(length=20), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("team_status", TEAM_STATUS), name=op.f("ck_call_team_status")),
        sa.CheckConstraint("local_hour BETWEEN 0 AND 23", name=op.f("ck_call_local_hour")),
        sa.CheckConstraint("local_weekday BETWEEN 0 AND 6", name=op.f("ck_call_local_weekday")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_call_id")),
    )
    op.create_index(op.f("ix_call_received_at"), "call", ["received_at"], unique=False)
    for name, table, columns in REPORT_INDEXES:
        op.create_index(name, table, list(columns), unique=False)

    op.create_table(
        "search_miss",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("words", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "words", name=op.f("pk_search_miss")),
    )

    op.create_table(
        "population_share",
        sa.Column("race", sa.String(length=40), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.String(length=36), nullable=True),
        sa.CheckConstraint(_one_of("race", RACE), name=op.f("ck_population_share_race")),
        sa.CheckConstraint("share >= 0 AND share <= 1", name=op.f("ck_population_share_share")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_population_share_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("race", name=op.f("pk_population_share")),
    )
    op.create_index(
        op.f("ix_population_share_updated_by_id"),
        "population_share",
        ["updated_by_id"],
        unique=False,
    )


def downgrade():
    for name, table, _columns in REPORT_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index(op.f("ix_population_share_updated_by_id"), table_name="population_share")
    op.drop_table("population_share")
    op.drop_table("search_miss")
    op.drop_index(op.f("ix_call_received_at"), table_name="call")
    op.drop_table("call")
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_encounter_triage_level"), type_="check")
        for column in reversed(list(ENCOUNTER_CHECKS)):
            batch_op.drop_constraint(op.f(f"ck_encounter_{column}"), type_="check")
        batch_op.drop_index(op.f("ix_encounter_call_id"))
        batch_op.drop_constraint(op.f("uq_encounter_external_id"), type_="unique")
        for column in (
            "demographics_basis",
            "age_band",
            "gender",
            "ethnicity",
            "race",
            "injuries",
            "force_used",
            "police_role",
            "triage_level",
            "arrived_at",
            "call_received_at",
            "call_id",
            "external_id",
        ):
            batch_op.drop_column(column)
