"""The program-evidence report at program scale (issue 15): 100,000 encounters, 50,000 calls
and 200,000 referrals over one year, then `GET /reports` for that year as a signed-in
supervisor, and `metrics.compute()` alone. Prints median / p95 / max in milliseconds.

    PYTHONPATH=. .venv/bin/python bench/reports.py [--runs 20]            # SQLite (a temp file)
    PYTHONPATH=. .venv/bin/python bench/reports.py --database postgresql+psycopg://…/test_reports

On PostgreSQL the bench creates the tables in the database's default schema and drops them
afterwards: give it a database of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import random
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
from sqlalchemy import insert, text

from bench.stats import fmt, summary
from portal import create_app
from portal.auth import sessions
from portal.extensions import db
from portal.models import (
    AgeBand,
    Call,
    Client,
    Disposition,
    Encounter,
    EncounterSource,
    Injuries,
    Organization,
    PoliceRole,
    Race,
    Referral,
    ReferralEvent,
    ReferralOutcome,
    Service,
    TeamStatus,
    Urgency,
    User,
)
from portal.referrals.workflow import overdue_sent_before
from portal.reports import metrics

YEAR = 2025
ZONE = ZoneInfo("America/New_York")
BATCH = 5000


def _moment(rng: random.Random) -> dt.datetime:
    start = dt.datetime(YEAR, 1, 1, tzinfo=ZONE).astimezone(dt.UTC)
    return start + dt.timedelta(seconds=rng.randrange(365 * 86400))


def _insert(model, rows) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def build(encounters: int, calls: int, referrals: int) -> float:
    rng = random.Random(15)
    started = time.perf_counter()
    orgs = [
        {"id": str(uuid.uuid4()), "name": f"Fictional Org {i}", "description": ""}
        for i in range(50)
    ]
    _insert(Organization, orgs)
    services = [
        {
            "id": str(uuid.uuid4()),
            "organization_id": orgs[i % 50]["id"],
            "name": f"Fictional Service {i}",
            "status": "active",
        }
        for i in range(200)
    ]
    _insert(Service, services)
    clients = [
        {"id": str(uuid.uuid4()), "name": f"Sample Person {i}", "contact_preference": "call"}
        for i in range(20000)
    ]
    _insert(Client, clients)

    call_rows = []
    for i in range(calls):
        at = _moment(rng)
        local = at.astimezone(ZONE)
        call_rows.append(
            {
                "call_id": f"CAD-{i}",
                "received_at": at,
                "local_hour": local.hour,
                "local_weekday": local.weekday(),
                "nature": "behavioral health",
                "team_status": rng.choice(list(TeamStatus)).value,
            }
        )
    _insert(Call, call_rows)

    encounter_rows = []
    for i in range(encounters):
        at = _moment(rng)
        eligible = rng.random() < 0.1
        timed = rng.random() < 0.6
        encounter_rows.append(
            {
                "id": str(uuid.uuid4()),
                "occurred_at": at,
                "source": rng.choice(list(EncounterSource)).value,
                "disposition": rng.choice(list(Disposition)).value,
                "arrest_eligible": eligible,
                "diverted": eligible and rng.random() < 0.7,
                "client_id": rng.choice(clients)["id"] if rng.random() < 0.7 else None,
                "call_id": f"CAD-{i}" if i < calls else None,
                "call_received_at": at - dt.timedelta(minutes=rng.randint(5, 60))
                if timed
                else None,
                "arrived_at": at if timed else None,
                "triage_level": rng.choice([None, 1, 2, 3, 4]),
                "police_role": rng.choice([None, *(p.value for p in PoliceRole)]),
                "force_used": rng.choice([None, False, False, True]),
                "injuries": rng.choice([None, *(j.value for j in Injuries)]),
                "race": rng.choice([None, *(r.value for r in Race)]),
                "age_band": rng.choice([None, *(a.value for a in AgeBand)]),
                "created_at": at,
            }
        )
    _insert(Encounter, encounter_rows)

    referral_rows, event_rows = [], []
    statuses = ["requested", "accepted", "rejected", "in-progress", "completed", "failed"]
    for _ in range(referrals):
        sent = _moment(rng)
        status = rng.choice(statuses)
        service = rng.choice(services)
        answered = status != "requested"
        referral_id = str(uuid.uuid4())
        referral_rows.append(
            {
                "id": referral_id,
                "version": 1,
                "client_id": rng.choice(clients)["id"],
                "organization_id": service["organization_id"],
                "service_id": service["id"],
                "status": status,
                "outcome": (
                    ReferralOutcome.got_help.value
                    if status == "completed" and rng.random() < 0.7
                    else ReferralOutcome.no_capacity.value
                    if status == "rejected" and rng.random() < 0.4
                    else None
                ),
                "urgency": rng.choice(list(Urgency)).value,
                "need": "Counseling",
                "created_at": sent,
                "sent_at": sent,
                "responded_at": sent + dt.timedelta(hours=rng.randint(1, 96)) if answered else None,
                "closed_at": (
                    sent + dt.timedelta(hours=rng.randint(24, 900))
                    if status in ("completed", "failed", "rejected")
                    else None
                ),
            }
        )
        event_rows.append({"referral_id": referral_id, "at": sent, "to_status": "requested"})
        if status not in ("requested", "rejected"):
            event_rows.append(
                {
                    "referral_id": referral_id,
                    "at": sent + dt.timedelta(hours=1),
                    "from_status": "requested",
                    "to_status": "accepted",
                }
            )
    _insert(Referral, referral_rows)
    _insert(ReferralEvent, event_rows)
    db.session.commit()
    return time.perf_counter() - started


# The sections of metrics.compute(), timed one by one while the whole report runs.
SECTIONS = (
    "_calls",
    "_encounter_groups",
    "_encounters",
    "_referrals",
    "_percentiles",  # inside _encounters (once) and _referrals (twice)
    "_repeat_contacts",
    "_gaps",
)


@contextlib.contextmanager
def sections_timed():
    """{section: [ms per call]} for the metrics sections called inside the block."""
    found: dict[str, list[float]] = {name: [] for name in SECTIONS}
    originals = {name: getattr(metrics, name) for name in SECTIONS}

    def wrap(name, function):
        @functools.wraps(function)
        def timed_section(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                found[name].append((time.perf_counter() - started) * 1000)

        return timed_section

    for name, function in originals.items():
        setattr(metrics, name, wrap(name, function))
    try:
        yield found
    finally:
        for name, function in originals.items():
            setattr(metrics, name, function)


def timed(label: str, action, runs: int) -> None:
    action()  # warm-up (statement caches, templates)
    samples = []
    with sections_timed() as sections:
        for _ in range(runs):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
    print(f"{label:<40} {fmt(summary(samples))}")
    for name, section in sections.items():
        if section:
            print(f"  {name:<38} {fmt(summary(section))}")


def run(url: str, args, folder: Path) -> None:
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "PORTAL_SEARCH_INDEX_DIR": str(folder / "index"),
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            seconds = build(args.encounters, args.calls, args.referrals)
            if db.engine.dialect.name == "postgresql":
                # As autovacuum would within a minute of such a load: planner statistics, and
                # the visibility map that lets the report's covering indexes answer alone.
                with db.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT")
                    connection.execute(text("VACUUM ANALYZE"))
            print(
                f"{db.engine.dialect.name}: {args.encounters:,} encounters, {args.calls:,} calls, "
                f"{args.referrals:,} referrals loaded in {seconds:.1f} s"
            )
            # Supervisors see client data, so the portal lets them in only with MFA set up.
            supervisor = User(
                email="supervisor@example.org",
                role="supervisor",
                active=True,
                mfa_enabled=True,
                totp_secret=pyotp.random_base32(),
            )
            db.session.add(supervisor)
            db.session.commit()
            _row, token = sessions.open_session(supervisor)
            db.session.commit()
            client = app.test_client()
            with client.session_transaction() as session:
                session[sessions.SESSION_KEY] = token
                session["_user_id"] = supervisor.id
                session["_fresh"] = True
            query = {"period": "custom", "start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}

            def get(path: str, query: dict):
                def action() -> None:
                    response = client.get(path, query_string=query)
                    assert response.status_code == 200, (path, response.status_code)

                return action

            period = metrics.Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
            timed(
                "metrics.compute() for a year",
                lambda: metrics.compute(period, overdue_sent_before=overdue_sent_before()),
                args.runs,
            )
            timed("GET /reports for a year", get("/reports", query), args.runs)
            quarter = {"period": "quarter", "day": f"{YEAR}-06-15"}
            timed("GET /reports quarter", get("/reports", quarter), args.runs)
            month = {"period": "month", "day": f"{YEAR}-06-15"}
            timed("GET /reports month", get("/reports", month), args.runs)
            equity = get("/reports/equity.csv", query)
            timed("GET /reports/equity.csv for a year", equity, args.runs)
        finally:
            db.session.rollback()
            db.drop_all()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--encounters", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--referrals", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        run(url, args, Path(folder))


if __name__ == "__main__":
    main()
