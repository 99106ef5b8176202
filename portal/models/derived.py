"""Columns the database derives from others, for the program report (portal/reports/metrics.py):
no write path (the workflow, the pages, the CSV imports, raw SQL) can leave them stale.

- Durations are generated columns, computed by the database from the row's own timestamps
  (VIRTUAL on SQLite, STORED on PostgreSQL). An index led by a duration gives its percentiles
  by an ordered index scan, without sorting the period's rows.
- `referral.accepted_at`, the first time the provider accepted, comes from the referral's
  events: an AFTER INSERT trigger on referral_event sets it. Events are append-only
  (portal.models.append_only), so an insert is the only change it has to follow. The trigger
  is created with the table (`create_all`) and by the migrations (`trigger_statements`); on
  SQLite a migration that copies referral_event (batch mode) must create it again. The ORM
  does not see the trigger's change: a Referral loaded before the event was flushed keeps its
  old `accepted_at` until refreshed.
"""

from __future__ import annotations

from sqlalchemy import Computed, Float, Table, event, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

ACCEPTED = "accepted"  # portal.models.referrals.ReferralStatus.accepted
ACCEPTED_TRIGGER = "referral_event_sets_accepted_at"


class seconds_between(FunctionElement):
    """Seconds from the first timestamp column to the second, as a float; NULL when either is
    NULL. Deterministic on both databases, so usable in a generated column."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_default(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    # An interval's epoch is immutable (a timestamptz's is only stable).
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def duration(start: str, end: str) -> Computed:
    """A generated column: seconds from column `start` to column `end` of the same row."""
    return Computed(seconds_between(literal_column(start), literal_column(end)))


def trigger_statements(dialect: str) -> list[str]:
    """The SQL that keeps referral.accepted_at: the time of the first 'accepted' event."""
    first = (
        "UPDATE referral SET accepted_at = NEW.at WHERE id = NEW.referral_id "
        "AND (accepted_at IS NULL OR accepted_at > NEW.at)"
    )
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {ACCEPTED_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {first}; RETURN NULL; END $$",
            f"CREATE TRIGGER {ACCEPTED_TRIGGER} AFTER INSERT ON referral_event FOR EACH ROW "
            f"WHEN (NEW.to_status = '{ACCEPTED}') EXECUTE FUNCTION {ACCEPTED_TRIGGER}()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {ACCEPTED_TRIGGER} AFTER INSERT ON referral_event "
            f"WHEN NEW.to_status = '{ACCEPTED}' BEGIN {first}; END"
        ]
    return []


def drop_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {ACCEPTED_TRIGGER} ON referral_event",
            f"DROP FUNCTION IF EXISTS {ACCEPTED_TRIGGER}()",
        ]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {ACCEPTED_TRIGGER}"]
    return []


def keep_accepted_at(model: type) -> None:
    """Create the trigger whenever `create_all` creates `model`'s table (referral_event)."""
    events: Table = model.__table__  # type: ignore[attr-defined]

    @event.listens_for(events, "after_create")
    def _create(_table, connection, **_kw) -> None:
        for statement in trigger_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
