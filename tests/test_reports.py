"""Program evidence (issue 15) on the golden data set (tests/reports_golden.py): every
expected number is worked out by hand below, and checked in the JSON of `flask reports
metrics`, on the /reports page and in its CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, PopulationShare, Role, SearchMiss
from portal.search import rebuild_index
from tests import reports_golden
from tests.accounts import post_form, signed_in
from tests.conftest import csrf_token
from tests.factories import (
    ClientFactory,
    LocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    UserFactory,
)

# --- the expected numbers, by hand -----------------------------------------------------------
# Calls: C1–C6 fall in March (C6 at 23:59 on the 31st is in: the end date is included); C7 on
# 1 April and C8 on 28 February are out. Responded: C1, C2. Off duty: C3, C4. Busy: C5.
# Other: C6.
CALLS = {
    "total": 6,
    "responded": 2,
    "missed": {"off-duty": 2, "busy": 1, "other": 1, "total": 4},
}
# Local hours: C1 0, C2 9, C3 22, C4 22 (after the change to daylight time: still 22 local),
# C5 14, C6 23. Weekdays (Monday 0): C1 Sun 6, C2 Mon 0, C3 Mon 0, C4 Tue 1, C5 Sun 6, C6 Tue 1.
BY_HOUR = {0: (1, 1, 0), 9: (1, 1, 0), 14: (1, 0, 0), 22: (2, 0, 2), 23: (1, 0, 0)}
BY_WEEKDAY = {0: 2, 1: 2, 6: 2}

# Encounters E1–E13 are in March; E-out (1 April), E-B0 and E-C0 are earlier or later.
ENCOUNTERS = {
    "total": 13,
    # dispatch E1 E2 E3 E9 E10 E12; first-responder E4; outreach E5 E6 E11; walk-in E7 E13;
    # follow-up E8
    "by_source": {
        "dispatch": 6,
        "first-responder": 1,
        "outreach": 3,
        "walk-in": 2,
        "follow-up": 1,
    },
    # resolved E1 E6 E9 E11 E13; eco E3 E12; one each of the others
    "by_disposition": {
        "resolved": 5,
        "referred": 1,
        "voluntary-transport": 1,
        "eco": 2,
        "tdo": 1,
        "arrest": 1,
        "declined": 1,
        "other": 1,
    },
    "involuntary": 3,  # eco E3 E12 + tdo E2
    "arrest_eligible": 3,  # E4 E5 E9
    "diverted": 2,  # E5 E9
    "police_backup": 2,  # E2 E4
    "with_injuries": 2,  # E2 (the person), E4 (a responder); E3's "none" is not an injury
    "force_used": 2,  # E2 E4
    "by_triage_level": {"1": 0, "2": 1, "3": 1, "4": 1, "not-recorded": 10},
    # received → arrived: E1 12, E2 30, E3 20, E4 8, E9 15 minutes. In order 8 12 15 20 30;
    # n = 5: the median is rank ⌈2.5⌉ = 3 → 15, the 90th percentile rank ⌈4.5⌉ = 5 → 30.
    "response_minutes": {"count": 5, "median": 15.0, "p90": 30.0},
}

# Referrals sent in March: R1–R7 (R8 entered in error, R9 sent 2 April, R10 sent today).
REFERRALS = {
    "sent": 7,
    "accepted": 3,  # R1 R2 R6 have an "accepted" event
    "declined": 3,  # R3 R4 R5
    "completed": 2,  # R1 R2
    "got_help": 1,  # R1
    # answered after R1 4, R2 2, R3 10, R4 1, R5 6, R6 3 hours: 1 2 3 4 6 10, rank ⌈3⌉ = 3 → 3
    "median_hours_to_response": 3.0,
    # completed after R1 48, R2 12 hours: 12 48, rank ⌈1⌉ = 1 → 12
    "median_hours_to_completion": 12.0,
    "overdue_now": 1,  # R7 (still requested since March); R10 was sent today
}
DECLINED_BY_OUTCOME = {"no-capacity": 2, "not-given": 1}  # R3 R4; R5 gave none
BY_URGENCY = {
    "routine": {"sent": 4, "completed": 1, "got_help": 1},  # R1 R3 R5 R7
    "urgent": {"sent": 2, "completed": 1, "got_help": 0},  # R2 R6
    "emergency": {"sent": 1, "completed": 0, "got_help": 0},  # R4
}
# Client A: E1 (1 March) and E9 (20 March), 19 days apart: counted. Client C: E5 61 days after
# E-C0: counted. Client B: E2 124 days after E-B0: not. Client D: one encounter.
REPEAT_CONTACTS = 2
# 3 + 2 on 3 and 4 March; 1 on 5 March; the 1 April row is out.
SEARCH_MISSES = [{"words": "detox spanish", "count": 5}, {"words": "pet shelter", "count": 1}]
NO_CAPACITY = {
    "by_category": [
        {"category": "Crisis care", "count": 1},  # R3's service
        {"category": "Not categorized", "count": 1},  # R4's service
    ],
    "by_organization": [{"organization": "Fictional Full House", "count": 2}],
}
# Equity, of 13 encounters: black E1 E2 E9; white E3 E4; hispanic-latino E5 E6 E7 E11 E12 E13;
# asian E10; E8 not recorded → unknown.
# share of encounters and ratio to the population share (black 0.2, white 0.5, hispanic 0.25):
# black 3/13 = 0.2308 → 0.2308 / 0.2 = 1.154 → 1.15; white 2/13 = 0.1538 → 0.3076 → 0.31;
# hispanic-latino 6/13 = 0.4615 → 1.846 → 1.85.
EQUITY = {
    "black": {
        "encounters": 3,
        "involuntary": 1,
        "arrest": 0,
        "force": 1,
        "share_of_encounters": 0.2308,
        "ratio_to_population": 1.15,
    },
    "white": {
        "encounters": 2,
        "involuntary": 1,
        "arrest": 1,
        "force": 1,
        "share_of_encounters": 0.1538,
        "ratio_to_population": 0.31,
    },
    "hispanic-latino": {
        "encounters": 6,
        "involuntary": 1,
        "arrest": 0,
        "force": 0,
        "involuntary_rate": 0.1667,
        "arrest_rate": 0.0,
        "share_of_encounters": 0.4615,
        "ratio_to_population": 1.85,
    },
    "asian": {
        "encounters": 1,
        "involuntary": 0,
        "arrest": 0,
        "force": 0,
        "ratio_to_population": None,
    },
    "unknown": {"encounters": 1, "involuntary": 0, "arrest": 0, "force": 0},
    "white-nothing": None,
}
EQUITY.pop("white-nothing")
HISPANIC_DISPOSITIONS = {"resolved": 3, "referred": 1, "voluntary-transport": 1, "eco": 1}
# De-identified: every group but hispanic-latino has 1 to 4 encounters, so all its figures go;
# for hispanic-latino, involuntary (1) goes, arrest (0) and force (0) stay; of its
# dispositions only the zeros stay (resolved 3, the others 1).


@pytest.fixture
def golden(db):
    reports_golden.build()


def metrics_json(app, *extra):
    result = app.test_cli_runner().invoke(
        args=[
            "reports",
            "metrics",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--format",
            "json",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.output)


def test_the_json_reproduces_every_number(app, golden):
    report = metrics_json(app)
    assert report["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    calls = report["calls"]
    assert {k: calls[k] for k in CALLS} == CALLS
    hours = {
        row["hour"]: (row["total"], row["responded"], row["off_duty"])
        for row in calls["by_hour"]
        if row["total"]
    }
    assert hours == BY_HOUR
    assert {row["weekday"]: row["total"] for row in calls["by_weekday"] if row["total"]} == (
        BY_WEEKDAY
    )
    encounters = report["encounters"]
    assert {k: encounters[k] for k in ENCOUNTERS} == ENCOUNTERS
    referrals = report["referrals"]
    assert {k: referrals[k] for k in REFERRALS} == REFERRALS
    assert {k: v for k, v in referrals["declined_by_outcome"].items() if v} == DECLINED_BY_OUTCOME
    assert referrals["by_urgency"] == BY_URGENCY
    assert report["repeat_contacts"] == REPEAT_CONTACTS
    assert report["gaps"]["search_misses"] == SEARCH_MISSES
    assert report["gaps"]["no_capacity"] == NO_CAPACITY
    equity = report["equity"]["by_race_ethnicity"]
    for race, expected in EQUITY.items():
        assert {k: equity[race][k] for k in expected} == expected, race
    hispanic = equity["hispanic-latino"]["by_disposition"]
    assert {k: v for k, v in hispanic.items() if v} == HISPANIC_DISPOSITIONS
    assert equity["white"]["population_share"] == 0.5
    assert all(
        equity[r]["encounters"] == 0 for r in ("multiple", "declined", "asian-x") if r in equity
    )


def test_the_deidentified_json_hides_equity_counts_from_1_to_4_and_search_words(app, golden):
    report = metrics_json(app, "--deidentified")
    assert report["deidentified"] is True
    equity = report["equity"]["by_race_ethnicity"]
    for race in ("black", "white", "asian", "unknown"):
        figures = {k: v for k, v in equity[race].items() if k != "population_share"}
        dispositions = figures.pop("by_disposition")
        assert set(figures.values()) == {None} and set(dispositions.values()) == {None}, race
    hispanic = equity["hispanic-latino"]
    assert (hispanic["encounters"], hispanic["involuntary"], hispanic["involuntary_rate"]) == (
        6,
        None,
        None,
    )
    assert (hispanic["arrest"], hispanic["force"]) == (0, 0)
    assert {k for k, v in hispanic["by_disposition"].items() if v is None} == set(
        HISPANIC_DISPOSITIONS
    )
    assert equity["multiple"]["encounters"] == 0  # zero is not hidden
    assert report["gaps"]["search_misses"] is None
    # The rest of the report is not equity: its small counts stay.
    assert report["calls"]["missed"]["busy"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2026-03-31", "--to", "2026-03-01"], "the period ends before it starts"),
        (["--from", "March", "--to", "2026-03-01"], "'March' does not match the format"),
    ],
)
def test_a_bad_period_is_refused_clearly(app, args, message):
    result = app.test_cli_runner().invoke(args=["reports", "metrics", *args])
    assert result.exit_code == 2 and message in result.stderr


# --- the page and its CSV files ----------------------------------------------------------------

MARCH = {"period": "month", "day": "2026-03-17"}


@pytest.fixture
def supervisor(db):
    user = UserFactory(role=Role.supervisor.value)
    db.session.commit()
    return user


def page_table(html: str, key: str) -> dict[str, list[str]]:
    """{row header: [cells]} of the report table `key` on a page."""
    section = re.search(rf'<section class="report-table" id="{key}".*?</section>', html, re.S)
    assert section, f"no table {key}"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section.group(0), re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header:
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            # "–" marks an empty cell on the page (a rate of nothing); the CSV leaves it empty.
            rows[unescape(header.group(1))] = [
                unescape(re.sub("<[^>]+>", "", c)).replace("–", "") for c in cells
            ]
    return rows


def csv_table(response) -> dict[str, list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    _header, *rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
    return {row[0]: row[1:] for row in rows}


def test_the_page_and_csv_reproduce_every_number(app, golden, supervisor):
    browser = signed_in(app, supervisor)
    response = browser.get("/reports", query_string=MARCH)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "From March 1, 2026 to March 31, 2026" in html

    def both(key):
        page = page_table(html, key)
        csv_rows = csv_table(browser.get(f"/reports/{key}.csv", query_string=MARCH))
        assert page == csv_rows, key
        return page

    coverage = both("coverage")
    assert [coverage[k][0] for k in coverage] == ["6", "2", "2", "1", "1"]
    by_hour = both("calls-by-hour")
    for hour, (total, responded, off) in BY_HOUR.items():
        assert by_hour[f"{hour:02d}:00"] == [str(total), str(responded), str(off)]
    assert by_hour["05:00"] == ["0", "0", "0"]
    weekdays = both("calls-by-weekday")
    assert (weekdays["Monday"], weekdays["Tuesday"], weekdays["Sunday"]) == (["2"], ["2"], ["2"])
    summary = both("encounters")
    assert [summary[k][0] for k in summary] == ["13", "3", "3", "2", "2", "2", "2", "2"]
    assert summary["Involuntary (ECO + TDO)"][1].startswith("Encounters that ended in an")
    by_source = both("encounters-by-source")
    assert by_source["911 center dispatch"] == ["6"] and by_source["Outreach"] == ["3"]
    by_disposition = both("encounters-by-disposition")
    assert by_disposition["Resolved on scene"] == ["5"]
    assert by_disposition["Emergency custody order"] == ["2"]
    response_time = both("response-time")
    assert [response_time[k][0] for k in response_time] == ["5", "15.0", "30.0"]
    referrals = both("referrals")
    assert [referrals[k][0] for k in referrals] == ["7", "3", "3", "2", "1", "3.0", "12.0", "1"]
    declined = both("referrals-declined")
    assert declined["No capacity"] == ["2"] and declined["No outcome given"] == ["1"]
    urgency = both("referrals-by-urgency")
    assert urgency["Routine"] == ["4", "1", "1"] and urgency["Emergency"] == ["1", "0", "0"]
    assert both("search-misses") == {"detox spanish": ["5"], "pet shelter": ["1"]}
    assert both("no-capacity-by-category") == {"Crisis care": ["1"], "Not categorized": ["1"]}
    assert both("no-capacity-by-organization") == {"Fictional Full House": ["2"]}
    equity = both("equity")
    assert equity["Hispanic or Latino"][:4] == ["6", "0.4615", "0.25", "1.85"]
    assert equity["Black or African American"][:4] == ["3", "0.2308", "0.2", "1.15"]
    assert equity["White"][:4] == ["2", "0.1538", "0.5", "0.31"]
    assert equity["White"][4:] == ["1", "0.5", "1", "0.5", "1", "0.5"]
    assert equity["Asian"][:4] == ["1", "0.0769", "", ""]  # no population share set
    dispositions = both("equity-dispositions")
    assert dispositions["Hispanic or Latino"][:3] == ["3", "1", "1"]  # resolved, referred, vol.
    assert "<svg" in html and 'aria-hidden="true"' in html


def test_the_deidentified_csv_shows_counts_from_1_to_4_as_under_5(app, golden, supervisor):
    browser = signed_in(app, supervisor)
    query = {**MARCH, "deidentified": "1"}
    response = browser.get("/reports/equity.csv", query_string=query)
    assert (
        "equity-2026-03-01-2026-03-31-deidentified.csv" in response.headers["Content-Disposition"]
    )
    equity = csv_table(response)
    assert equity["Hispanic or Latino"][0] == "6"
    assert equity["Hispanic or Latino"][4] == "<5"  # 1 involuntary
    assert equity["Hispanic or Latino"][6] == "0"  # zero arrests are shown
    assert equity["Black or African American"][0] == "<5"
    assert equity["More than one"][0] == "0"  # zero is not hidden
    coverage = csv_table(browser.get("/reports/coverage.csv", query_string=query))
    assert coverage["All behavioral-health calls"] == ["6"]
    assert coverage["Answered by the team"] == ["<5"]
    # Free text people typed is not in a de-identified export.
    missing = browser.get("/reports/search-misses.csv", query_string=query)
    assert missing.status_code == 404


def test_viewing_and_exporting_are_audited(app, db, golden, supervisor):
    browser = signed_in(app, supervisor)
    browser.get("/reports", query_string=MARCH)
    browser.get("/reports/coverage.csv", query_string={**MARCH, "deidentified": "1"})
    browser.get("/reports/marcus-alert", query_string={"year": "2026"})
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.detail, AuditEvent.actor_id).order_by(AuditEvent.id)
    ).all()
    assert [(a, d) for a, d, _ in rows if a.startswith("report.")] == [
        ("report.viewed", "2026-03-01..2026-03-31"),
        ("report.exported", "coverage-2026-03-01-2026-03-31 de-identified"),
        ("report.viewed", "marcus-alert 2026"),
    ]
    assert {actor for a, _d, actor in rows if a.startswith("report.")} == {supervisor.id}


@pytest.mark.parametrize("role", ["clinician", "provider"])
def test_only_supervisors_and_admins_see_reports(app, db, role):
    user = UserFactory(role=role)
    db.session.commit()
    browser = signed_in(app, user)
    for path in ("/reports", "/reports/coverage.csv", "/reports/marcus-alert"):
        assert browser.get(path).status_code == 403
    assert app.test_client().get("/reports").status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"period": "custom", "start": "2026-03-31", "end": "2026-03-01"}, "cannot be before"),
        ({"period": "custom", "start": "2026-03-01"}, "Enter both dates"),
        ({"period": "decade"}, "Choose one of the options listed for"),
        ({"period": "week", "day": "someday"}, "must be a date, like 2026-03-31"),
    ],
)
def test_a_bad_period_gets_a_clear_message(app, supervisor, query, message):
    browser = signed_in(app, supervisor)
    response = browser.get("/reports", query_string=query)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert browser.get("/reports/coverage.csv", query_string=query).status_code == 400


def test_a_custom_period_and_a_week(app, golden, supervisor):
    browser = signed_in(app, supervisor)
    custom = browser.get(
        "/reports", query_string={"period": "custom", "start": "2026-03-02", "end": "2026-03-02"}
    ).get_data(as_text=True)
    # C2 and C3 on 2 March, one answered.
    assert [v[0] for v in page_table(custom, "coverage").values()][:3] == ["2", "1", "1"]
    week = browser.get("/reports", query_string={"period": "week", "day": "2026-03-04"})
    # Monday 2 to Sunday 8 March: C2, C3.
    html = week.get_data(as_text=True)
    assert "From March 2, 2026 to March 8, 2026" in html
    assert page_table(html, "coverage")["All behavioral-health calls"] == ["2"]


def test_supervisors_are_read_only_and_admins_set_population_shares(app, db, supervisor):
    browser = signed_in(app, supervisor)
    page = browser.get("/reports").get_data(as_text=True)
    assert "Population shares (admins)" not in page
    token = csrf_token(page) if 'name="csrf_token"' in page else "x"
    refused = browser.post("/reports/population", data={"csrf_token": token, "share_black": "20"})
    assert refused.status_code in (400, 403)
    assert db.session.scalar(select(func.count()).select_from(PopulationShare)) == 0

    admin = UserFactory(role=Role.admin.value, with_mfa=True)
    db.session.commit()
    browser = signed_in(app, admin)
    assert "Population shares (admins)" in browser.get("/reports").get_data(as_text=True)
    saved = post_form(
        browser,
        "/reports/population",
        {"share_black": "20", "share_white": "50.5"},
        token_from="/reports",
    )
    assert saved.status_code == 303
    shares = dict(db.session.execute(select(PopulationShare.race, PopulationShare.share)).all())
    assert shares == {"black": 0.2, "white": 0.505}
    too_much = post_form(
        browser,
        "/reports/population",
        {"share_black": "80", "share_white": "50"},
        token_from="/reports",
    )
    assert too_much.status_code == 303
    assert "more than 100%" in browser.get("/reports").get_data(as_text=True)
    bad = post_form(browser, "/reports/population", {"share_asian": "-3"}, token_from="/reports")
    assert bad.status_code == 303
    assert "Enter a percentage from 0 to 100." in browser.get("/reports").get_data(as_text=True)
    assert (
        len(dict(db.session.execute(select(PopulationShare.race, PopulationShare.share)).all()))
        == 2
    )
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("report.population_changed") == 1


def test_the_marcus_alert_report_and_csv_suppress_small_counts(app, golden, supervisor):
    browser = signed_in(app, supervisor)
    html = browser.get("/reports/marcus-alert", query_string={"year": "2026"}).get_data(
        as_text=True
    )
    figures = page_table(html, "marcus-alert")
    # 2026: calls C1–C8 but C8 (28 Feb) is in 2026 too → 8 calls; answered C1 C2 C7 → 3.
    assert figures["Behavioral-health calls"] == ["8"]
    assert figures["Calls the team answered"] == ["<5"]
    # Encounters in 2026: E1–E13, E-out (1 April), E-C0 (10 January) = 15; E-B0 is 2025.
    assert figures["Encounters"] == ["15"]
    outcomes = page_table(html, "marcus-alert-outcomes")
    # hispanic-latino in 2026: E5 E6 E7 E11 E12 E13 E-C0 = 7 encounters; resolved E6 E11 E13
    # E-C0 = 4 → "<5".
    assert outcomes["Hispanic or Latino"][:2] == ["7", "<5"]
    assert outcomes["Black or African American"][0] == "<5"  # E1 E2 E9 E-out = 4
    exported = csv_table(
        browser.get(
            "/reports/marcus-alert/marcus-alert-outcomes.csv", query_string={"year": "2026"}
        )
    )
    assert exported == outcomes
    assert browser.get("/reports/marcus-alert", query_string={"year": "x"}).status_code == 400


# --- service gaps: searches that found nothing ---------------------------------------------------


def test_searches_that_find_nothing_are_counted_by_their_words_only(app, db):
    service = ServiceFactory(name="Fictional Counseling Center")
    ServiceAtLocationFactory(service=service, location=LocationFactory())
    db.session.commit()
    rebuild_index()
    browser = app.test_client()
    found = browser.get("/search", query_string={"q": "counseling"})
    assert "1 service matches" in found.get_data(as_text=True)  # found: not counted
    assert browser.get("/search", query_string={"q": "Pet  Shelter"}).status_code == 200
    assert browser.get("/search", query_string={"q": "pet shelter"}).status_code == 200
    assert browser.get("/search.json", query_string={"q": " PET shelter "}).status_code == 200
    assert browser.get("/search", query_string={"q": ""}).status_code == 200  # browsing
    rows = db.session.execute(select(SearchMiss.words, SearchMiss.count)).all()
    assert rows == [("pet shelter", 3)]
    assert {c.name for c in SearchMiss.__table__.columns} == {"day", "words", "count"}


@pytest.mark.parametrize(
    "now",
    [
        "2026-03-18T15:00:00+00:00",  # a Wednesday
        "2026-03-16T13:30:00+00:00",  # a Monday morning: the deadline crossed a weekend
        "2026-03-21T12:00:00+00:00",  # a Saturday
    ],
)
def test_the_report_counts_overdue_referrals_by_the_workflows_rule(app, now):
    from portal.models import Referral
    from portal.referrals.workflow import is_overdue, overdue_sent_before

    moment = dt.datetime.fromisoformat(now)
    edges = overdue_sent_before(moment)
    assert set(edges) == {"emergency", "urgent", "routine"}
    # An emergency counts clock hours; the others working days, so their edges lie further back.
    assert edges["emergency"] > edges["urgent"] > edges["routine"]
    for urgency, edge in edges.items():

        def sent(at, urgency=urgency):
            return Referral(status="requested", sent_at=at, urgency=urgency)

        assert is_overdue(sent(edge), moment)
        assert not is_overdue(sent(edge + dt.timedelta(seconds=2)), moment)


@pytest.mark.parametrize(
    ("apart", "counted"), [(dt.timedelta(days=90), 1), (dt.timedelta(days=90, seconds=1), 0)]
)
def test_a_repeat_contact_is_one_within_90_days_even_from_before_the_period(db, apart, counted):
    """The window reaches back from the first day of the period: exactly 90 days counts."""
    from portal.models import Encounter
    from portal.reports import metrics

    client = ClientFactory()
    first_day = reports_golden.local("2026-03-01T00:00")
    for at in (first_day - apart, first_day):
        db.session.add(
            Encounter(client=client, occurred_at=at, source="dispatch", disposition="resolved")
        )
    db.session.commit()
    period = metrics.Period(reports_golden.FIRST, reports_golden.LAST)
    assert metrics.compute(period)["repeat_contacts"] == counted


def test_no_capacity_counts_each_referral_once_per_category_and_organization_name(db):
    """The counts are taken per service and per organization before the joins: a service in
    two categories (one of them linked twice) counts its referrals once in each, and two
    organizations with one name count together."""
    from portal.reports import metrics
    from tests.factories import (
        AttributeFactory,
        OrganizationFactory,
        ReferralFactory,
        TaxonomyFactory,
        TaxonomyTermFactory,
    )

    TaxonomyFactory()
    crisis, housing = (TaxonomyTermFactory(name=n) for n in ("Crisis care", "Housing"))
    first, second = (OrganizationFactory(name="Fictional Same Name") for _ in range(2))
    both = ServiceFactory(organization=first)
    for term in (crisis, housing, crisis):
        AttributeFactory(link_id=both.id, taxonomy_term=term)
    plain = ServiceFactory(organization=second)
    sent = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)
    for service in (both, both, plain):
        ReferralFactory(service=service, status="rejected", outcome="no-capacity", sent_at=sent)
    ReferralFactory(service=plain, status="rejected", outcome="other", sent_at=sent)
    db.session.commit()

    period = metrics.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert metrics.compute(period)["gaps"]["no_capacity"] == {
        "by_category": [
            {"category": "Crisis care", "count": 2},
            {"category": "Housing", "count": 2},
            {"category": "Not categorized", "count": 1},
        ],
        "by_organization": [{"organization": "Fictional Same Name", "count": 3}],
    }
