"""Append-only tables (the audit log, referral events): rows are added, never changed or deleted.

Refused at two levels. The ORM refuses first, with the table's own exception: mapper events for
a loaded row, a session hook for bulk `update()`/`delete()` statements. The database refuses
too, whatever the client (raw SQL, a psql session, a future code path): BEFORE UPDATE and
BEFORE DELETE triggers on SQLite and PostgreSQL, created with the table (`create_all`) and by
the migrations (which call `trigger_statements`). On SQLite a migration that copies the table
(batch mode) drops its triggers: such a migration must create them again.

PostgreSQL's TRUNCATE fires no row trigger: the test suite empties its shared database with it.
"""

from __future__ import annotations

from sqlalchemy import Delete, Table, Update, event
from sqlalchemy.orm import ORMExecuteState, Session

PG_FUNCTION = "refuse_change_of_append_only_row"
# table name -> the exception the ORM raises for it
_TABLES: dict[str, type[Exception]] = {}


def trigger_statements(table: str, dialect: str) -> list[str]:
    """The SQL that makes the database refuse UPDATE and DELETE on `table`."""
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME "
            "|| ' rows cannot be changed or deleted', ERRCODE = 'restrict_violation'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{change} BEFORE {change.upper()} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{table} rows cannot be changed or deleted'); END"
            for change in ("update", "delete")
        ]
    return []


def drop_trigger_statements(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{change}" for change in ("update", "delete")]
    return []


def _create_triggers(table: Table, connection, **_kw) -> None:
    for statement in trigger_statements(table.name, connection.dialect.name):
        connection.exec_driver_sql(statement)


def make_append_only(model: type, error: type[Exception]) -> None:
    """Refuse changes and deletions of `model`'s rows in the ORM (raising `error`) and in the
    database."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    _TABLES[table.name] = error

    def refuse(_mapper, _connection, _target) -> None:
        raise error(f"{table.name} rows cannot be changed or deleted")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
    event.listen(table, "after_create", _create_triggers)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    # session.execute(update(Model)…) and delete(…) skip the mapper events.
    statement = state.statement
    table = getattr(statement, "table", None)
    if isinstance(statement, Update | Delete) and table is not None and table.name in _TABLES:
        raise _TABLES[table.name](f"{table.name} rows cannot be changed or deleted")
