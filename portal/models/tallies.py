"""Tallies the database keeps for the program report (portal/reports/metrics.py): per UTC month
and per UTC day, and per group of a table's rows, how many rows there are and how many meet
each of a few conditions. A report over a long period sums a few rows per month and day
instead of reading every row.

Triggers on the counted table keep the tallies right after any write (the workflow, the
pages, the CSV imports, raw SQL): an insert adds the new row's counts to its month, day and
group, a delete takes the old row's away, and an update that changes a counted column does
both. The tally tables are created with the counted table (`create_all`) and by the
migrations (`Tally.create_statements`), which also fill them from the rows already there.

The spans are UTC months and days because SQLite cannot work out a local date inside a
trigger. A period of local days starts and ends inside UTC days, so `Tally.grouped` sums the
month tally over the whole UTC months the period covers, the day tally over the whole UTC
days left at either side, and counts the rows of the part-days at its two ends from the
counted table itself: exact for any time zone.

On PostgreSQL a write waits for any other open transaction that changed the same span and
group's tally row, until that one commits. Each write changes its rows in one order (months
before days, a smaller group before a larger), so two single-row writers never deadlock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    cast,
    event,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.types import TypeEngine

MONTH, DAY = "month", "day"
SPANS = (MONTH, DAY)  # the order a write changes its tally rows in


@dataclass(frozen=True)
class Count:
    """A tally column: how many rows meet `condition` (SQL over the counted table's columns,
    written `{row}.column`), and the columns whose change can change it."""

    name: str
    condition: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Key:
    """A group column: the counted table's column of the same name, `absent` where it is NULL
    (a primary key column cannot be NULL, and NULLs never meet in ON CONFLICT). A text key
    has a length (absent: '' unless given); a key without one is a whole number (absent: -1)."""

    name: str
    absent: str | int | None = None
    length: int | None = None

    @property
    def type(self) -> TypeEngine:
        return Integer() if self.length is None else String(self.length)

    @property
    def absent_sql(self) -> str:
        if self.length is None:
            return sql_literal(-1 if self.absent is None else int(self.absent))
        return sql_literal("" if self.absent is None else str(self.absent))


def sql_literal(value: str | int) -> str:
    """A constant as the tallies' SQL writes it: the triggers are text, so no parameters."""
    if isinstance(value, int):
        return str(value)
    if "'" in value:
        raise ValueError("a constant written into the tallies' SQL may not hold a quote")
    return f"'{value}'"


class Tally:
    """The month and day tallies of one table, `<counted>_month` and `<counted>_day`."""

    def __init__(
        self,
        metadata: MetaData,
        model: type[Any],
        *,
        moment: str,
        keys: tuple[Key, ...],
        counts: tuple[Count, ...],
    ) -> None:
        self.counted: Table = model.__table__
        self.moment = moment  # the counted table's timestamp column that decides the span
        self.keys = keys
        self.counts = counts  # besides `n`, the number of rows
        self.tables = {span: self._table(metadata, span) for span in SPANS}

    def name(self, span: str) -> str:
        return f"{self.counted.name}_{span}"

    @property
    def trigger(self) -> str:
        return f"{self.counted.name}_keeps_tallies"

    @property
    def watched(self) -> tuple[str, ...]:
        """The columns whose change moves a row's counts."""
        found = [self.moment, *(key.name for key in self.keys)]
        for count in self.counts:
            found.extend(c for c in count.columns if c not in found)
        return tuple(found)

    def columns(self) -> list[Column]:
        """A tally table's columns (new ones each time, for a table or a migration)."""
        return [
            Column("starts_on", Date, primary_key=True),  # the span's first day
            *(Column(key.name, key.type, primary_key=True) for key in self.keys),
            Column("n", Integer, nullable=False),
            *(Column(count.name, Integer, nullable=False) for count in self.counts),
        ]

    def _table(self, metadata: MetaData, span: str) -> Table:
        # Without a rowid, SQLite keeps the rows in primary key order: a period's rows are
        # read in one run, not looked up one by one.
        table = Table(self.name(span), metadata, *self.columns(), sqlite_with_rowid=False)
        # The triggers go on the counted table: create it first.
        table.add_is_dependent_on(self.counted)
        if span == DAY:

            @event.listens_for(table, "after_create")
            def _create_triggers(_table, connection, **_kw) -> None:
                for statement in self.trigger_statements(connection.dialect.name):
                    connection.exec_driver_sql(statement)

        return table

    # --- SQL shared by the triggers and the fill ---------------------------------------------

    def _starts_on(self, row: str, dialect: str, span: str) -> str:
        moment = f"{row}.{self.moment}"
        if dialect == "postgresql":
            utc = f"({moment} AT TIME ZONE 'UTC')"
            return (
                f"CAST(date_trunc('month', {utc}) AS DATE)"
                if span == MONTH
                else (f"CAST({utc} AS DATE)")
            )
        return f"date({moment}, 'start of month')" if span == MONTH else f"date({moment})"

    def _group(self, row: str, dialect: str, span: str) -> list[str]:
        return [
            self._starts_on(row, dialect, span),
            *(f"coalesce({row}.{key.name}, {key.absent_sql})" for key in self.keys),
        ]

    def _conditions(self, row: str) -> list[str]:
        return [count.condition.format(row=row) for count in self.counts]

    @property
    def _names(self) -> list[str]:
        return ["starts_on", *(key.name for key in self.keys), "n", *(c.name for c in self.counts)]

    def _add(self, row: str, sign: int, dialect: str, span: str) -> str:
        """Add `sign` times `row`'s counts to its span and group."""
        table = self.name(span)
        values = [
            *self._group(row, dialect, span),
            str(sign),
            *(f"CASE WHEN {c} THEN {sign} ELSE 0 END" for c in self._conditions(row)),
        ]
        group = ", ".join(["starts_on", *(key.name for key in self.keys)])
        sums = ", ".join(
            f"{c} = {table}.{c} + excluded.{c}" for c in self._names[1 + len(self.keys) :]
        )
        return (
            f"INSERT INTO {table} ({', '.join(self._names)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT ({group}) DO UPDATE SET {sums}"
        )

    def _adds(self, row: str, sign: int, dialect: str) -> str:
        return "; ".join(self._add(row, sign, dialect, span) for span in SPANS)

    def _changed(self, dialect: str) -> str:
        differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
        return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in self.watched)

    def _pg_update(self) -> str:
        """An update's changes, span by span, the smaller group's row first."""
        moment, steps = self.moment, []
        for span in SPANS:
            old = ", ".join(self._group("OLD", "postgresql", span))
            new = ", ".join(self._group("NEW", "postgresql", span))
            take = self._add("OLD", -1, "postgresql", span)
            give = self._add("NEW", 1, "postgresql", span)
            steps.append(
                f"IF NEW.{moment} IS NOT NULL AND (OLD.{moment} IS NULL "
                f"OR ROW({new}) < ROW({old})) THEN "
                f"{give}; IF OLD.{moment} IS NOT NULL THEN {take}; END IF; "
                f"ELSE IF OLD.{moment} IS NOT NULL THEN {take}; END IF; "
                f"IF NEW.{moment} IS NOT NULL THEN {give}; END IF; END IF;"
            )
        return " ".join(steps)

    def trigger_statements(self, dialect: str) -> list[str]:
        watched, counted, moment = ", ".join(self.watched), self.counted.name, self.moment
        if dialect == "postgresql":
            return [
                f"CREATE OR REPLACE FUNCTION {self.trigger}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "IF TG_OP = 'INSERT' THEN "
                f"IF NEW.{moment} IS NOT NULL THEN {self._adds('NEW', 1, dialect)}; END IF; "
                "ELSIF TG_OP = 'DELETE' THEN "
                f"IF OLD.{moment} IS NOT NULL THEN {self._adds('OLD', -1, dialect)}; END IF; "
                f"ELSE {self._pg_update()} END IF; RETURN NULL; END $$",
                f"CREATE TRIGGER {self.trigger} AFTER INSERT OR DELETE ON {counted} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.trigger}()",
                f"CREATE TRIGGER {self.trigger}_update AFTER UPDATE OF {watched} ON {counted} "
                f"FOR EACH ROW WHEN ({self._changed(dialect)}) "
                f"EXECUTE FUNCTION {self.trigger}()",
            ]
        if dialect == "sqlite":
            changed = self._changed(dialect)
            return [
                f"CREATE TRIGGER {self.trigger}_insert AFTER INSERT ON {counted} "
                f"WHEN NEW.{moment} IS NOT NULL BEGIN {self._adds('NEW', 1, dialect)}; END",
                f"CREATE TRIGGER {self.trigger}_delete AFTER DELETE ON {counted} "
                f"WHEN OLD.{moment} IS NOT NULL BEGIN {self._adds('OLD', -1, dialect)}; END",
                f"CREATE TRIGGER {self.trigger}_update_old AFTER UPDATE OF {watched} "
                f"ON {counted} WHEN OLD.{moment} IS NOT NULL AND ({changed}) "
                f"BEGIN {self._adds('OLD', -1, dialect)}; END",
                f"CREATE TRIGGER {self.trigger}_update_new AFTER UPDATE OF {watched} "
                f"ON {counted} WHEN NEW.{moment} IS NOT NULL AND ({changed}) "
                f"BEGIN {self._adds('NEW', 1, dialect)}; END",
            ]
        return []

    def drop_trigger_statements(self, dialect: str) -> list[str]:
        counted = self.counted.name
        if dialect == "postgresql":
            return [
                f"DROP TRIGGER IF EXISTS {self.trigger} ON {counted}",
                f"DROP TRIGGER IF EXISTS {self.trigger}_update ON {counted}",
                f"DROP FUNCTION IF EXISTS {self.trigger}()",
            ]
        if dialect == "sqlite":
            return [
                f"DROP TRIGGER IF EXISTS {self.trigger}_{when}"
                for when in ("insert", "delete", "update_old", "update_new")
            ]
        return []

    def counted_rows(self, dialect: str, span: str) -> str:
        """A tally's rows, counted from the counted table as it is now."""
        row = self.counted.name
        group = self._group(row, dialect, span)
        counts = [f"count(CASE WHEN {c} THEN 1 END)" for c in self._conditions(row)]
        return (
            f"SELECT {', '.join([*group, 'count(*)', *counts])} FROM {row} "
            f"WHERE {row}.{self.moment} IS NOT NULL GROUP BY {', '.join(group)}"
        )

    def create_statements(self, dialect: str) -> list[str]:
        """For a migration, after it creates the tally tables: fill them, then keep them."""
        names = ", ".join(self._names)
        fill = [
            f"INSERT INTO {self.name(span)} ({names}) {self.counted_rows(dialect, span)}"
            for span in SPANS
        ]
        return [*fill, *self.trigger_statements(dialect)]

    # --- reading -----------------------------------------------------------------------------

    def grouped(self, start: dt.datetime, end: dt.datetime, *, where=None) -> Select:
        """Per group, the sums over the counted rows whose moment falls in [start, end): the
        key columns (`absent` where NULL), then `n` and the counts. `where(table)`, a
        condition on the key columns, applies to every part."""
        first_day, last_day = _next_midnight(start), _midnight(end)
        if first_day >= last_day:
            return self.from_rows(start, end, where=where)
        first_month = _first_of_month(first_day.date(), next_one=first_day.day != 1)
        last_month = _first_of_month(last_day.date())
        days = [(first_day.date(), last_day.date())]
        parts: list[Select] = []
        if first_month < last_month:
            parts.append(self._from_tally(MONTH, first_month, last_month, where))
            days = [(first_day.date(), first_month), (last_month, last_day.date())]
        parts += [self._from_tally(DAY, a, b, where) for a, b in days if a < b]
        rows = [(start, first_day), (last_day, end)]
        parts += [self._from_rows(a, b, where) for a, b in rows if a < b]
        return self._summed(parts)

    def from_rows(self, start: dt.datetime, end: dt.datetime, *, where=None) -> Select:
        """As `grouped`, counting every row from the counted table (the tallies' check)."""
        return self._summed([self._from_rows(start, end, where)])

    def _from_tally(self, span: str, first: dt.date, after: dt.date, where) -> Select:
        table = self.tables[span]
        statement = select(*(table.c[c] for c in self._names[1:])).where(
            table.c.starts_on >= first, table.c.starts_on < after
        )
        return statement.where(where(table)) if where is not None else statement

    def _from_rows(self, start: dt.datetime, end: dt.datetime, where) -> Select:
        counted = self.counted
        keys = [
            func.coalesce(counted.c[key.name], literal_column(key.absent_sql)).label(key.name)
            for key in self.keys
        ]
        counts = [
            func.count().filter(literal_column(c)).label(count.name)
            for c, count in zip(self._conditions(counted.name), self.counts, strict=True)
        ]
        moment = counted.c[self.moment]
        statement = (
            select(*keys, func.count().label("n"), *counts)
            .where(moment >= start, moment < end)
            .group_by(*keys)
        )
        return statement.where(where(counted)) if where is not None else statement

    def _summed(self, parts: list[Select]) -> Select:
        rows: Any = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        keys = [rows.c[key.name] for key in self.keys]
        # As integers: PostgreSQL sums bigints to numeric.
        sums = (
            cast(func.sum(rows.c[c]), BigInteger).label(c) for c in self._names[1 + len(keys) :]
        )
        return select(*keys, *sums).group_by(*keys)


def _midnight(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _next_midnight(moment: dt.datetime) -> dt.datetime:
    midnight = _midnight(moment)
    return midnight if midnight == moment else midnight + dt.timedelta(days=1)


def _first_of_month(day: dt.date, *, next_one: bool = False) -> dt.date:
    first = day.replace(day=1)
    if not next_one:
        return first
    return (first + dt.timedelta(days=32)).replace(day=1)


__all__ = ["Count", "Key", "Tally", "sql_literal"]
