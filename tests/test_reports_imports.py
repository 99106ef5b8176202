"""`flask calls import` and `flask encounters import` (issue 15, points 2 and 3): idempotent on
their ids, bad rows reported with row number, field and reason, nothing half-written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.models import Call, Encounter


def write(tmp_path, text: str, name: str = "file.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


CALLS = """call_id,received_at,nature,team_status,dispatcher
C-1,2026-03-07T01:30:00,welfare check,responded,Pat
C-2,2026-03-09T14:00:00,suicidal person,off-duty,Pat
C-3,2026-07-04T23:59:00-04:00,disturbance,BUSY,Lee
"""


def test_calls_import_stores_utc_local_hour_and_weekday_and_is_idempotent(app, db, tmp_path):
    path = write(tmp_path, CALLS)
    first = run(app, "calls", "import", path)
    assert first.exit_code == 0, first.output + first.stderr
    assert "3 created, 0 updated, 0 unchanged" in first.output
    calls = {c.call_id: c for c in db.session.scalars(select(Call))}
    # 7 March 2026 is a Saturday, before the DST change (8 March): EST, UTC−5.
    assert calls["C-1"].received_at == dt.datetime(2026, 3, 7, 6, 30, tzinfo=dt.UTC)
    assert (calls["C-1"].local_hour, calls["C-1"].local_weekday) == (1, 5)
    # 9 March is a Monday, after the change: EDT, UTC−4.
    assert calls["C-2"].received_at == dt.datetime(2026, 3, 9, 18, 0, tzinfo=dt.UTC)
    assert (calls["C-2"].local_hour, calls["C-2"].local_weekday) == (14, 0)
    assert (calls["C-3"].team_status, calls["C-3"].local_hour) == ("busy", 23)
    again = run(app, "calls", "import", path)
    assert "0 created, 0 updated, 3 unchanged" in again.output and count(db, Call) == 3
    corrected = write(
        tmp_path,
        CALLS.replace(
            "C-2,2026-03-09T14:00:00,suicidal person,off-duty",
            "C-2,2026-03-09T14:00:00,suicidal person,busy",
        ),
        "b.csv",
    )
    assert "0 created, 1 updated, 2 unchanged" in run(app, "calls", "import", corrected).output
    assert db.session.scalar(select(Call.team_status).where(Call.call_id == "C-2")) == "busy"


def test_calls_import_maps_the_headers_of_a_real_export(app, db, tmp_path):
    path = write(
        tmp_path,
        "Incident,Call Time,Nature,Team\nX-9,2026-05-01 08:15,crisis,other\n",
    )
    result = run(
        app,
        "calls",
        "import",
        path,
        "--map",
        "received_at=Call Time,call_id=Incident",
        "--map",
        "nature=Nature",
        "--map",
        "team_status=Team",
    )
    assert result.exit_code == 0, result.output + result.stderr
    call = db.session.scalar(select(Call))
    assert (call.call_id, call.nature, call.local_hour) == ("X-9", "crisis", 8)


def test_bad_call_rows_are_reported_and_nothing_is_written(app, db, tmp_path):
    path = write(
        tmp_path,
        "call_id,received_at,nature,team_status\n"
        "C-1,2026-03-07T01:30,ok,responded\n"
        "C-2,yesterday,ok,responded\n"
        ",2026-03-07T01:30,ok,asleep\n"
        "C-1,2026-03-08T01:30,again,busy\n"
        "C-5,2026-03-07T01:30,ok,responded\n",
    )
    result = run(app, "calls", "import", path)
    assert result.exit_code == 1
    assert "row 3, received_at: 'yesterday' is not an ISO 8601 date and time" in result.stderr
    assert "row 4, call_id: required" in result.stderr
    assert "row 4, team_status: 'asleep' is not one of responded, off-duty, busy, other" in (
        result.stderr
    )
    assert "row 5, call_id: repeats row 2" in result.stderr
    assert "Nothing was imported: 3 bad row(s)" in result.stderr
    assert count(db, Call) == 0
    skipped = run(app, "calls", "import", path, "--skip-bad")
    assert (
        skipped.exit_code == 0
        and "2 created" in skipped.output
        and "3 bad row(s) skipped" in (skipped.output)
    )
    assert set(db.session.scalars(select(Call.call_id))) == {"C-1", "C-5"}


def test_a_file_without_a_required_column_or_unreadable_is_refused(app, db, tmp_path):
    missing = run(app, "calls", "import", write(tmp_path, "call_id,nature\nC-1,x\n"))
    assert missing.exit_code == 1
    assert "row 1: missing column(s) received_at, team_status" in missing.stderr
    absent = run(app, "calls", "import", tmp_path / "nope.csv")
    assert absent.exit_code == 1 and "cannot read" in absent.stderr
    bad_map = run(app, "calls", "import", write(tmp_path, CALLS), "--map", "when")
    assert bad_map.exit_code == 1 and "--map needs column=Header" in bad_map.stderr
    assert count(db, Call) == 0


ENCOUNTERS = (
    (
        "encounter_id,occurred_at,source,disposition,arrest_eligible,diverted,call_id,"
        "triage_level,race,ethnicity,gender,age_band\n"
    )
    + """E-1,2025-12-01T10:00,dispatch,tdo,yes,no,C-1,4,black,not-hispanic-latino,man,25-34
E-2,2025-12-02T10:00,outreach,resolved,no,no,,,declined,,,
E-3,2025-12-03T10:00,walk-in,referred,yes,yes,,1,unknown,unknown,unknown,unknown
"""
)


def test_encounters_import_is_idempotent_and_anonymous(app, db, tmp_path):
    path = write(tmp_path, ENCOUNTERS)
    result = run(app, "encounters", "import", path)
    assert result.exit_code == 0, result.output + result.stderr
    assert "3 created" in result.output
    again = run(app, "encounters", "import", path)
    assert "3 unchanged" in again.output and count(db, Encounter) == 3
    first = db.session.scalar(select(Encounter).where(Encounter.external_id == "E-1"))
    assert first.client_id is None
    assert (first.disposition, first.triage_level, first.race, first.call_id) == (
        "tdo",
        4,
        "black",
        "C-1",
    )
    assert first.arrest_eligible and not first.diverted
    second = db.session.scalar(select(Encounter).where(Encounter.external_id == "E-2"))
    assert (second.triage_level, second.gender, second.race) == (None, None, "declined")


def test_bad_encounter_rows_are_reported_and_nothing_is_written(app, db, tmp_path):
    path = write(
        tmp_path,
        "encounter_id,occurred_at,source,disposition,arrest_eligible,diverted,triage_level,race\n"
        "E-1,2025-12-01T10:00,dispatch,jail,yes,no,5,purple\n"
        "E-2,2025-12-01T10:00,dispatch,resolved,no,yes,2,white\n"
        "E-3,2025-12-01T10:00,dispatch,resolved,maybe,no,2,white\n"
        "E-4,2025-12-01T10:00,dispatch,resolved,no,no,2,white\n",
    )
    result = run(app, "encounters", "import", path)
    assert result.exit_code == 1
    for line in (
        "row 2, disposition: 'jail' is not one of resolved, referred",
        "row 2, triage_level: '5' is not a triage level from 1 to 4",
        "row 2, race: 'purple' is not one of american-indian-alaska-native",
        "row 3, diverted: only an arrest-eligible encounter is diverted",
        "row 4, arrest_eligible: 'maybe' is not yes or no",
    ):
        assert line in result.stderr
    assert count(db, Encounter) == 0
