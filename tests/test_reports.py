"""Program evidence (issue 15) on the golden data set (tests/reports_golden.py): every
expected number is worked out by hand below, and checked in the JSON of `flask reports
metrics`, on the /reports page and in its CSV files."""

from __future__ import annotations

import json

import pytest

from tests import reports_golden

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
        assert all(v is None for k, v in equity[race].items() if k != "population_share"), race
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
