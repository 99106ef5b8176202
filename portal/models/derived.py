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
- `encounter.previous_at`, the time of the same client's latest other encounter at or before
  this one (NULL for an anonymous encounter or a first contact), for the repeat contacts: an
  AFTER trigger on encounter recomputes it for the client's encounters from the changed time
  on, after an insert, a delete, or a change of client or time. On PostgreSQL the trigger
  first locks the client's row, so two transactions writing one client's
  encounters at once recompute one after the other, each seeing the other's committed rows.
"""

from __future__ import annotations

from sqlalchemy import Computed, Float, Table, event, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

ACCEPTED = "accepted"  # portal.models.referrals.ReferralStatus.accepted
REPEAT_WINDOW_DAYS = 90  # a repeat contact: an encounter at most this long after the previous
ACCEPTED_TRIGGER = "referral_event_sets_accepted_at"
# PostgreSQL caches a trigger function's plans, and a plan made while the table was nearly
# empty (a bulk load into a new database) scans the whole table for every row afterwards;
# each statement of these functions is planned for the table as it is.
CUSTOM_PLANS = "SET plan_cache_mode = force_custom_plan"
PREVIOUS_TRIGGER = "encounter_keeps_previous_at"


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


def within_repeat_window() -> ColumnElement[bool]:
    """An encounter came at most the window after its client's previous one. The condition of
    the partial index ix_encounter_repeat, which holds only such encounters; a query uses the
    index only when it states the condition in these same words. The millisecond of slack
    absorbs the rounding of timestamps to floating-point days at exactly the window."""
    gap = seconds_between(literal_column("previous_at"), literal_column("occurred_at"))
    return gap <= literal_column(f"{REPEAT_WINDOW_DAYS * 86400}.001")


def trigger_statements(dialect: str) -> list[str]:
    """The SQL that keeps referral.accepted_at: the time of the first 'accepted' event."""
    first = (
        "UPDATE referral SET accepted_at = NEW.at WHERE id = NEW.referral_id "
        "AND (accepted_at IS NULL OR accepted_at > NEW.at)"
    )
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {ACCEPTED_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            f"{CUSTOM_PLANS} "
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


# The time of the client's latest other encounter at or before this one: the value of
# encounter.previous_at, as an UPDATE of encounter sets it.
PREVIOUS_AT = (
    "UPDATE encounter SET previous_at = (SELECT max(o.occurred_at) FROM encounter AS o "
    "WHERE o.client_id = encounter.client_id AND o.occurred_at <= encounter.occurred_at "
    "AND o.id <> encounter.id)"
)


def _previous_from(row: str, *, itself: bool = False) -> str:
    """Recompute previous_at for the encounters of `row`'s client (OLD or NEW) from its time on,
    and for the row itself when asked (it may have left its client)."""
    also = f" OR id = {row}.id" if itself else ""
    later = f"client_id = {row}.client_id AND occurred_at >= {row}.occurred_at"
    return f"{PREVIOUS_AT} WHERE ({later}){also}"


def previous_encounter_statements(dialect: str) -> list[str]:
    """The SQL that keeps encounter.previous_at."""
    if dialect == "postgresql":
        # A row lock, not an advisory one: an import of many clients' encounters in one
        # transaction would run out of the shared lock table.
        lock = "PERFORM 1 FROM client WHERE id = {row}.client_id FOR NO KEY UPDATE"
        old_lock = lock.format(row="OLD")
        new_lock = lock.format(row="NEW")
        return [
            f"CREATE OR REPLACE FUNCTION {PREVIOUS_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            f"{CUSTOM_PLANS} "
            "AS $$ BEGIN "
            "IF TG_OP <> 'INSERT' AND OLD.client_id IS NOT NULL THEN "
            f"{old_lock}; {_previous_from('OLD')}; END IF; "
            "IF TG_OP <> 'DELETE' THEN "
            f"IF NEW.client_id IS NOT NULL THEN {new_lock}; END IF; "
            f"{_previous_from('NEW', itself=True)}; END IF; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {PREVIOUS_TRIGGER} AFTER INSERT OR DELETE "
            "OR UPDATE OF client_id, occurred_at ON encounter "
            f"FOR EACH ROW EXECUTE FUNCTION {PREVIOUS_TRIGGER}()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {PREVIOUS_TRIGGER}_insert AFTER INSERT ON encounter "
            f"WHEN NEW.client_id IS NOT NULL BEGIN {_previous_from('NEW')}; END",
            f"CREATE TRIGGER {PREVIOUS_TRIGGER}_delete AFTER DELETE ON encounter "
            f"WHEN OLD.client_id IS NOT NULL BEGIN {_previous_from('OLD')}; END",
            f"CREATE TRIGGER {PREVIOUS_TRIGGER}_update AFTER UPDATE OF client_id, occurred_at "
            f"ON encounter BEGIN {_previous_from('OLD')}; "
            f"{_previous_from('NEW', itself=True)}; END",
        ]
    return []


def drop_previous_encounter_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {PREVIOUS_TRIGGER} ON encounter",
            f"DROP FUNCTION IF EXISTS {PREVIOUS_TRIGGER}()",
        ]
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {PREVIOUS_TRIGGER}_{op}"
            for op in ("insert", "delete", "update")
        ]
    return []


def _create_with_table(model: type, statements) -> None:
    """Run `statements(dialect)` whenever `create_all` creates `model`'s table."""
    table: Table = model.__table__  # type: ignore[attr-defined]

    @event.listens_for(table, "after_create")
    def _create(_table, connection, **_kw) -> None:
        for statement in statements(connection.dialect.name):
            connection.exec_driver_sql(statement)


def keep_accepted_at(model: type) -> None:
    """Create the trigger whenever `create_all` creates `model`'s table (referral_event)."""
    _create_with_table(model, trigger_statements)


def keep_previous_encounter(model: type) -> None:
    """Create the trigger whenever `create_all` creates `model`'s table (encounter)."""
    _create_with_table(model, previous_encounter_statements)
