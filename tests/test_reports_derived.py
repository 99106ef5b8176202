"""The columns the database derives for the program report (portal.models.derived) stay right
after any write: after a random sequence of workflow changes (entered in error included),
encounters recorded, edited and deleted, the CSV imports and raw SQL, the report's figures
equal the same figures computed from scratch from the rows and the referral events."""

from __future__ import annotations

import datetime as dt
import math
import random
import threading

import pytest
from sqlalchemy import select, text

from portal.models import (
    CALL_TALLY,
    ENCOUNTER_TALLY,
    REFERRAL_TALLY,
    Call,
    Encounter,
    Referral,
    ReferralEvent,
)
from portal.models.derived import REPEAT_WINDOW_DAYS
from portal.models.tallies import SPANS
from portal.referrals import clients, workflow
from portal.reports import metrics
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    OrganizationFactory,
    ServiceFactory,
    UserFactory,
)

# From now on (consents are given today), long enough for every step of the clock.
START = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
PERIOD = metrics.Period(START.date() - dt.timedelta(days=1), START.date() + dt.timedelta(days=200))
SOURCES = ("dispatch", "outreach", "walk-in")
DISPOSITIONS = ("resolved", "referred", "tdo", "eco")


class Clock:
    """The workflow's clock, moved on by whole multiples of 6 minutes (0.1 hour), so the
    hours the report rounds to a tenth are exact."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, rng: random.Random) -> None:
        self.now += dt.timedelta(minutes=6 * rng.randint(1, 400))


def _nearest_rank(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    return sorted(values)[math.ceil(percent * len(values) / 100) - 1]


def _tenth(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _from_scratch(db) -> dict:
    """The derived figures, from the rows and the events as they are now."""
    db.session.expire_all()
    start, end = PERIOD.bounds()
    sent = [
        r
        for r in db.session.scalars(select(Referral))
        if r.sent_at is not None and start <= r.sent_at < end and r.status != "entered-in-error"
    ]
    accepted = set(
        db.session.scalars(
            select(ReferralEvent.referral_id).where(ReferralEvent.to_status == "accepted")
        )
    )
    hours = [(r.responded_at - r.sent_at).total_seconds() / 3600 for r in sent if r.responded_at]
    done = [
        (r.closed_at - r.sent_at).total_seconds() / 3600
        for r in sent
        if r.status == "completed" and r.closed_at
    ]
    minutes = [
        (e.arrived_at - e.call_received_at).total_seconds() / 60
        for e in db.session.scalars(select(Encounter))
        if start <= e.occurred_at < end and e.arrived_at and e.call_received_at
    ]
    return {
        "repeat_contacts": _repeat_contacts_from_scratch(db, start, end),
        "sent": len(sent),
        "accepted": sum(r.id in accepted for r in sent),
        "completed": sum(r.status == "completed" for r in sent),
        "median_hours_to_response": _tenth(_nearest_rank(hours, 50)),
        "median_hours_to_completion": _tenth(_nearest_rank(done, 50)),
        "response_minutes": {
            "count": len(minutes),
            "median": _tenth(_nearest_rank(minutes, 50)),
            "p90": _tenth(_nearest_rank(minutes, 90)),
        },
    }


def _repeat_contacts_from_scratch(db, start: dt.datetime, end: dt.datetime) -> int:
    """Clients with an encounter in the period that came at most the window after another of
    theirs (ties included), from every encounter as it is now."""
    times: dict[str, list[dt.datetime]] = {}
    for encounter in db.session.scalars(select(Encounter).where(Encounter.client_id.is_not(None))):
        times.setdefault(encounter.client_id, []).append(encounter.occurred_at)
    window = dt.timedelta(days=REPEAT_WINDOW_DAYS)
    return sum(
        any(
            start <= later < end and later - earlier <= window
            for earlier, later in zip(sorted(each), sorted(each)[1:], strict=False)
        )
        for each in times.values()
    )


def _previous_encounters(db) -> dict[str, str | None]:
    rows = db.session.execute(text("SELECT id, previous_at FROM encounter")).all()
    return {id_: None if at is None else str(at)[:19] for id_, at in rows}


def _previous_from_scratch(db) -> dict[str, str | None]:
    """Each encounter's previous_at: the latest other encounter of its client at or before it."""
    rows = db.session.execute(text("SELECT id, client_id, occurred_at FROM encounter")).all()
    previous = {}
    for id_, client, at in rows:
        earlier = [
            other_at
            for other, other_client, other_at in rows
            if client is not None and other_client == client and other != id_ and other_at <= at
        ]
        previous[id_] = str(max(earlier))[:19] if earlier else None
    return previous


TALLIES = (ENCOUNTER_TALLY, REFERRAL_TALLY, CALL_TALLY)


def _tallies(db) -> dict[str, set]:
    """Every span and group of each tally with rows in it."""
    return {
        tally.name(span): set(
            db.session.execute(text(f"SELECT * FROM {tally.name(span)} WHERE n <> 0"))
        )
        for tally in TALLIES
        for span in SPANS
    }


def _tallies_from_scratch(db) -> dict[str, set]:
    """The same, counted from the encounters and referrals as they are now."""
    dialect = db.engine.dialect.name
    return {
        tally.name(span): set(db.session.execute(text(tally.counted_rows(dialect, span))))
        for tally in TALLIES
        for span in SPANS
    }


def _reported() -> dict:
    report = metrics.compute(PERIOD)
    referrals = report["referrals"]
    return {
        "repeat_contacts": report["repeat_contacts"],
        **{
            key: referrals[key]
            for key in (
                "sent",
                "accepted",
                "completed",
                "median_hours_to_response",
                "median_hours_to_completion",
            )
        },
        "response_minutes": report["encounters"]["response_minutes"],
    }


class Program:
    """The writes a random sequence is made of, each through its own path."""

    def __init__(self, db, app, tmp_path, rng: random.Random, clock: Clock) -> None:
        self.db, self.app, self.tmp_path, self.rng, self.clock = db, app, tmp_path, rng, clock
        self.org = OrganizationFactory(name="Receiving Org")
        self.clinician = UserFactory(role="clinician")
        self.provider = UserFactory(role="provider", organizations=[self.org])
        self.service = ServiceFactory(organization=self.org)
        self.people = [ClientFactory() for _ in range(3)]
        for person in self.people:
            ConsentFactory(client=person, organization=self.org)
        self.imports = 0

    def refer(self) -> Referral:
        referral = workflow.create(
            self.rng.choice(self.people),
            self.service,
            by=self.clinician,
            urgency=self.rng.choice(["routine", "urgent", "emergency"]),
            need="Counseling",
        )
        workflow.change_status(
            referral, "requested", by=self.clinician, expected_version=referral.version
        )
        return referral

    def change(self) -> None:
        referrals = [
            r
            for r in self.db.session.scalars(select(Referral).order_by(Referral.id))
            if r.status != "entered-in-error"
        ]
        if not referrals:
            self.refer()
            return
        referral = self.rng.choice(referrals)
        moves = [
            (to, side) for (at, to), side in workflow.TRANSITIONS.items() if at == referral.status
        ]
        to, side = self.rng.choice(moves)
        workflow.change_status(
            referral,
            to,
            by=self.clinician if side == workflow.CLINICIAN else self.provider,
            expected_version=referral.version,
            reason="A reason" if to in workflow.REASON_REQUIRED else None,
            outcome="got-help" if to in workflow.OUTCOME_REQUIRED else None,
        )

    def _times(self) -> dict:
        if self.rng.random() < 0.2:
            return {"call_received_at": None, "arrived_at": None}
        received = self.clock.now - dt.timedelta(minutes=self.rng.randint(1, 90))
        return {"call_received_at": received, "arrived_at": self.clock.now}

    def encounter(self) -> None:
        clients.record_encounter(
            {
                "occurred_at": self.clock.now,
                "source": self.rng.choice(SOURCES),
                "disposition": self.rng.choice(DISPOSITIONS),
                **self._times(),
            },
            client=self.rng.choice([None, *self.people]),
            team=[self.clinician],
            by=self.clinician,
        )

    def _any_encounter(self) -> Encounter | None:
        found = list(self.db.session.scalars(select(Encounter).order_by(Encounter.id)))
        return self.rng.choice(found) if found else None

    def edit_encounter(self) -> None:
        if (encounter := self._any_encounter()) is not None:
            for key, value in self._times().items():
                setattr(encounter, key, value)

    def move_encounter(self) -> None:
        # Across days and the repeat window, and from one client to another or to none.
        if (encounter := self._any_encounter()) is not None:
            encounter.occurred_at = self.clock.now - dt.timedelta(hours=self.rng.randint(0, 3000))
            if self.rng.random() < 0.5:
                encounter.client = self.rng.choice([None, *self.people])

    def delete_encounter(self) -> None:
        if (encounter := self._any_encounter()) is not None:
            self.db.session.delete(encounter)

    def raw_sql(self) -> None:
        # Writes no ORM hook sees: the database alone keeps its derived columns.
        self.db.session.execute(
            text(
                "UPDATE encounter SET arrived_at = call_received_at "
                "WHERE id = (SELECT MIN(id) FROM encounter WHERE call_received_at IS NOT NULL)"
            )
        )
        self.db.session.execute(
            text(
                "UPDATE encounter SET client_id = :client "
                "WHERE id = (SELECT MAX(id) FROM encounter WHERE client_id IS NULL)"
            ),
            {"client": self.rng.choice(self.people).id},
        )
        if self.rng.random() < 0.3:
            self.db.session.execute(
                text("DELETE FROM encounter WHERE id = (SELECT MIN(id) FROM encounter)")
            )

    def import_calls(self) -> None:
        # Again with the same call ids now and then: the import updates those calls.
        self.imports += 1
        path = self.tmp_path / f"calls-{self.imports}.csv"
        at = (self.clock.now - dt.timedelta(hours=self.rng.randint(0, 48))).astimezone(
            metrics.localtime.zone()
        )
        rows = [
            f"C-{number},{at.replace(tzinfo=None).isoformat()},behavioral health,"
            + self.rng.choice(["responded", "off-duty", "busy", "other"])
            for number in self.rng.sample(range(1, 7), 2)
        ]
        path.write_text(
            "call_id,received_at,nature,team_status\n" + "\n".join(rows) + "\n", encoding="utf-8"
        )
        result = self.app.test_cli_runner().invoke(args=["calls", "import", str(path)])
        assert result.exit_code == 0, result.output + result.stderr
        if self.rng.random() < 0.3:
            self.db.session.execute(text("DELETE FROM call WHERE id = (SELECT MIN(id) FROM call)"))

    def import_encounters(self) -> None:
        self.imports += 1
        path = self.tmp_path / f"encounters-{self.imports}.csv"
        day = self.clock.now.date().isoformat()
        path.write_text(
            "encounter_id,occurred_at,source,disposition,arrest_eligible,diverted\n"
            f"H-{self.imports},{day}T10:00,outreach,resolved,no,no\n",
            encoding="utf-8",
        )
        result = self.app.test_cli_runner().invoke(args=["encounters", "import", str(path)])
        assert result.exit_code == 0, result.output + result.stderr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_report_equals_the_from_scratch_figures_after_random_writes(
    app, db, tmp_path, monkeypatch, seed
):
    rng = random.Random(seed)
    clock = Clock()
    monkeypatch.setattr(workflow, "utcnow", clock)
    program = Program(db, app, tmp_path, rng, clock)
    writes = [
        (program.refer, 3),
        (program.change, 8),
        (program.encounter, 4),
        (program.edit_encounter, 1),
        (program.move_encounter, 2),
        (program.delete_encounter, 1),
        (program.raw_sql, 1),
        (program.import_encounters, 1),
        (program.import_calls, 2),
    ]
    actions, weights = zip(*writes, strict=True)
    for step in range(100):
        rng.choices(actions, weights)[0]()
        clock.advance(rng)
        db.session.flush()
        if step % 10 == 9:
            assert _reported() == _from_scratch(db), f"after step {step}"
            assert _previous_encounters(db) == _previous_from_scratch(db), f"after step {step}"
            assert _tallies(db) == _tallies_from_scratch(db), f"after step {step}"
    # And one referral through to completion, so every derived figure is exercised.
    referral = program.refer()
    for to in ("accepted", "in-progress", "completed"):
        clock.advance(rng)
        workflow.change_status(
            referral,
            to,
            by=program.provider,
            expected_version=referral.version,
            outcome="got-help" if to == "completed" else None,
        )
    db.session.flush()
    expected = _from_scratch(db)
    assert expected["accepted"] and expected["response_minutes"]["count"]
    assert expected["median_hours_to_completion"] is not None
    assert _reported() == expected
    assert _tallies(db) == _tallies_from_scratch(db)
    assert all(_tallies(db).values())


def _write_in_overlapping_transactions(engine, first_write, second_write) -> None:
    """The first write's transaction stays open while a second transaction makes the second
    write; then the first commits. Where the second must wait for the first, it waits, then
    finishes; it must not fail."""

    first = engine.connect()
    first.begin()
    first.execute(first_write)
    written, failed = threading.Event(), []

    def write_the_second() -> None:
        try:
            with engine.begin() as second:
                second.execute(second_write)
        except Exception as error:  # reported by the assertion below
            failed.append(error)
        written.set()

    thread = threading.Thread(target=write_the_second)
    thread.start()
    # Without a lock the second write finishes while the first is uncommitted; with one it
    # waits for the commit. Either way the first commits now.
    written.wait(timeout=1)
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not thread.is_alive() and not failed


@pytest.mark.fresh_database  # two transactions, each committing
def test_two_transactions_writing_one_clients_encounters_at_once_keep_previous_at(app, db):
    """The later encounter is written first and commits while the earlier one is written:
    the earlier one's trigger must wait for that commit and then see the later encounter, or
    the later one keeps "no previous encounter"."""
    client = ClientFactory()
    db.session.commit()
    day = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    encounters = Encounter.__table__

    def values(id_: str, at: dt.datetime) -> dict:
        return {
            "id": id_,
            "client_id": client.id,
            "occurred_at": at,
            "source": "outreach",
            "disposition": "resolved",
        }

    _write_in_overlapping_transactions(
        db.engine,
        encounters.insert().values(values("later", day)),
        encounters.insert().values(values("earlier", day - dt.timedelta(days=1))),
    )
    db.session.expire_all()
    previous = dict(db.session.execute(select(Encounter.id, Encounter.previous_at)).all())
    assert previous == {"earlier": None, "later": day - dt.timedelta(days=1)}


def _counted(db, tally, period: metrics.Period, *, tallied: bool) -> list:
    start, end = period.bounds()
    statement = tally.grouped(start, end) if tallied else tally.from_rows(start, end)
    return sorted(tuple(row) for row in db.session.execute(statement))


def test_a_period_sums_whole_utc_days_from_the_tally_and_its_ends_from_the_rows(app, db):
    """Local midnights fall inside UTC days (at 04:00 or 05:00 UTC in New York, either side of
    the clock changes). Rows just either side of both kinds of midnight, around the days the
    clocks change, count in the period of their local day, whether the period is a day, a week
    or a year; and the tally agrees with counting every row."""
    assert app.config["PORTAL_TIMEZONE"] == "America/New_York"
    person = ClientFactory()
    org = OrganizationFactory()
    days = [dt.date(2026, 3, 8), dt.date(2026, 6, 1), dt.date(2026, 11, 1)]
    instants = []
    for day in {d + dt.timedelta(days=shift) for d in days for shift in (0, 1)}:
        utc_midnight = dt.datetime.combine(day, dt.time(), dt.UTC)
        for edge in (utc_midnight, metrics.localtime.midnight_utc(day)):
            instants += [edge - dt.timedelta(microseconds=1), edge]
    for number, at in enumerate(instants):
        db.session.add(
            Encounter(
                occurred_at=at,
                source=("dispatch", "walk-in")[number % 2],
                disposition=("resolved", "tdo")[number % 2],
                race=(None, "asian")[number % 2],
                arrest_eligible=number % 3 == 0,
                diverted=number % 2 == 0,
                triage_level=(None, 2)[number % 2],
            )
        )
        db.session.add(
            Referral(
                version=1,
                client=person,
                organization=org,
                status=("requested", "completed", "entered-in-error")[number % 3],
                outcome=(None, "got-help")[number % 2],
                urgency="routine",
                need="Counseling",
                sent_at=at,
                responded_at=at + dt.timedelta(hours=1) if number % 2 else None,
            )
        )
        local = at.astimezone(metrics.localtime.zone())
        db.session.add(
            Call(
                call_id=f"C-{number}",
                received_at=at,
                local_hour=local.hour,
                local_weekday=local.weekday(),
                team_status=("responded", "busy")[number % 2],
            )
        )
    db.session.flush()
    periods = [metrics.Period(day, day) for day in days]
    periods += [metrics.period_of("week", day) for day in days]
    periods += [metrics.year(2026), metrics.Period(days[0], days[-1])]
    for period in periods:
        start, end = period.bounds()
        expected = sum(start <= at < end for at in instants)
        for tally in TALLIES:
            tallied = _counted(db, tally, period, tallied=True)
            assert tallied == _counted(db, tally, period, tallied=False), period
            assert sum(row[len(tally.keys)] for row in tallied) == expected, period
    # A local day holds the instant at its own midnight, the UTC midnight that follows and
    # the instant just before it, and the instant just before the next local midnight.
    for day in days:
        start, end = metrics.Period(day, day).bounds()
        assert sum(start <= at < end for at in instants) == 4


@pytest.mark.fresh_database  # two transactions, each committing
def test_two_transactions_counting_in_one_tally_row_at_once_both_count(app, db):
    """Both encounters fall in the same month, day and group: the second transaction's trigger
    meets the row the first one added and has not committed, and must add to it once the
    first commits, not fail on the key or count from a stale row."""
    day = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    encounters = Encounter.__table__

    def values(id_: str) -> dict:
        return {"id": id_, "occurred_at": day, "source": "outreach", "disposition": "resolved"}

    _write_in_overlapping_transactions(
        db.engine,
        encounters.insert().values(values("one")),
        encounters.insert().values(values("two")),
    )
    counted = {
        span: db.session.execute(
            text(f"SELECT n FROM {ENCOUNTER_TALLY.name(span)} WHERE disposition = 'resolved'")
        )
        .scalars()
        .all()
        for span in SPANS
    }
    assert counted == {span: [2] for span in SPANS}
