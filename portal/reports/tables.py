"""The report as tables: what the /reports pages show (each beside its chart) and what each
CSV file holds. Labels are translated here; the numbers come from portal.reports.metrics."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from portal import spreadsheets
from portal.models import Disposition, EncounterSource, Race, Urgency
from portal.referrals import forms, workflow
from portal.reports.metrics import DEFINITIONS, small
from portal.translated import lazy_gettext as _l

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
TEAM_STATUS_LABELS = {
    "off-duty": _l("Missed: team off duty"),
    "busy": _l("Missed: team busy"),
    "other": _l("Missed: other reason"),
}


def _labels(choices) -> dict[str, Any]:
    return {choice.value: choice.label for choice in choices}


SOURCE = _labels(forms.SOURCE_CHOICES)
DISPOSITION = _labels(forms.DISPOSITION_CHOICES)
RACE = _labels(forms.RACE_CHOICES)
OUTCOME = {**workflow.OUTCOME_LABELS, "not-given": _l("No outcome given")}
URGENCY = workflow.URGENCY_LABELS
SUPPRESSED = "<5"


@dataclass
class Table:
    key: str  # also the CSV file's name
    title: Any
    definition: Any
    headers: list[Any]
    rows: list[list[Any]]
    count_columns: frozenset[int] = frozenset()  # cells that are counts of people or events
    chart: int | None = None  # the column drawn as bars (labels from column 0)
    notes: list[Any] = field(default_factory=list)

    def chart_bars(self) -> list[tuple[Any, float]]:
        if self.chart is None:
            return []
        return [(row[0], row[self.chart] or 0) for row in self.rows]

    def csv(self, *, deidentified: bool = False) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(h) for h in self.headers])
        for row in self.rows:
            writer.writerow(
                [_csv_safe(self._cell(i, value, deidentified)) for i, value in enumerate(row)]
            )
        return out.getvalue()

    def _cell(self, index: int, value, deidentified: bool):
        # A count that de-identification removed (None) is a small one too.
        if deidentified and index in self.count_columns and (value is None or small(value)):
            return SUPPRESSED
        return "" if value is None else str(value)


def _csv_safe(value: str) -> str:
    # Numbers (a negative difference) are written as they are; text a spreadsheet would run
    # as a formula (a category name starting with "=") is neutralised.
    return value if _is_number(value) else spreadsheets.neutralise(value)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _summary(key: str, title, rows: Iterable[tuple[Any, Any, str]], counts=True) -> Table:
    """A table of single figures, each with its definition beside it."""
    return Table(
        key=key,
        title=title,
        definition="",
        headers=[_l("Figure"), _l("Value"), _l("Definition")],
        rows=[[label, value, DEFINITIONS[definition]] for label, value, definition in rows],
        count_columns=frozenset({1}) if counts else frozenset(),
    )


def report_tables(report: dict[str, Any]) -> list[Table]:
    calls, encounters, referrals = report["calls"], report["encounters"], report["referrals"]
    equity = report["equity"]["by_race_ethnicity"]
    tables = [
        Table(
            key="coverage",
            title=_l("Coverage: behavioral-health calls"),
            definition=" ".join(str(DEFINITIONS[key]) for key in ("calls.total", "calls.missed")),
            headers=[_l("Calls"), _l("Number")],
            rows=[
                [_l("All behavioral-health calls"), calls["total"]],
                [_l("Answered by the team"), calls["responded"]],
                *[[TEAM_STATUS_LABELS[k], calls["missed"][k]] for k in TEAM_STATUS_LABELS],
            ],
            count_columns=frozenset({1}),
            chart=1,
        ),
        Table(
            key="calls-by-hour",
            title=_l("Calls by hour of the day"),
            definition=DEFINITIONS["calls.by_hour"],
            headers=[_l("Hour"), _l("Calls"), _l("Answered by the team"), _l("Team off duty")],
            rows=[
                [f"{r['hour']:02d}:00", r["total"], r["responded"], r["off_duty"]]
                for r in calls["by_hour"]
            ],
            count_columns=frozenset({1, 2, 3}),
            chart=3,
        ),
        Table(
            key="calls-by-weekday",
            title=_l("Calls by day of the week"),
            definition=DEFINITIONS["calls.by_weekday"],
            headers=[_l("Day"), _l("Calls")],
            rows=[[WEEKDAYS[r["weekday"]], r["total"]] for r in calls["by_weekday"]],
            count_columns=frozenset({1}),
            chart=1,
        ),
        _summary(
            "encounters",
            _l("Encounters"),
            [
                (_l("Encounters"), encounters["total"], "encounters.total"),
                (
                    _l("Involuntary (ECO + TDO)"),
                    encounters["involuntary"],
                    "encounters.involuntary",
                ),
                (
                    _l("Arrest-eligible"),
                    encounters["arrest_eligible"],
                    "encounters.arrest_eligible",
                ),
                (_l("Diverted from arrest"), encounters["diverted"], "encounters.diverted"),
                (
                    _l("Police backup requested"),
                    encounters["police_backup"],
                    "encounters.police_backup",
                ),
                (_l("With injuries"), encounters["with_injuries"], "encounters.with_injuries"),
                (_l("Force used"), encounters["force_used"], "encounters.force_used"),
                (_l("People with repeat contacts"), report["repeat_contacts"], "repeat_contacts"),
            ],
        ),
        Table(
            key="encounters-by-source",
            title=_l("Encounters by source"),
            definition=DEFINITIONS["encounters.by_source"],
            headers=[_l("Source"), _l("Encounters")],
            rows=[[SOURCE[s.value], encounters["by_source"][s.value]] for s in EncounterSource],
            count_columns=frozenset({1}),
            chart=1,
        ),
        Table(
            key="encounters-by-disposition",
            title=_l("Encounters by disposition"),
            definition=DEFINITIONS["encounters.by_disposition"],
            headers=[_l("Disposition"), _l("Encounters")],
            rows=[
                [DISPOSITION[d.value], encounters["by_disposition"][d.value]] for d in Disposition
            ],
            count_columns=frozenset({1}),
            chart=1,
        ),
        Table(
            key="triage-levels",
            title=_l("Encounters by Marcus Alert triage level"),
            definition=DEFINITIONS["encounters.by_triage_level"],
            headers=[_l("Triage level"), _l("Encounters")],
            rows=[
                *[
                    [forms.TRIAGE_LABELS[level], encounters["by_triage_level"][str(level)]]
                    for level in (1, 2, 3, 4)
                ],
                [_l("Not recorded"), encounters["by_triage_level"]["not-recorded"]],
            ],
            count_columns=frozenset({1}),
            chart=1,
        ),
        _summary(
            "response-time",
            _l("Response time (minutes)"),
            [
                (
                    _l("Encounters with both times"),
                    encounters["response_minutes"]["count"],
                    "encounters.response_minutes",
                ),
                (
                    _l("Median minutes"),
                    encounters["response_minutes"]["median"],
                    "encounters.response_minutes",
                ),
                (
                    _l("90th percentile minutes"),
                    encounters["response_minutes"]["p90"],
                    "encounters.response_minutes",
                ),
            ],
            counts=False,
        ),
        _summary(
            "referrals",
            _l("Referrals"),
            [
                (_l("Sent"), referrals["sent"], "referrals.sent"),
                (_l("Accepted"), referrals["accepted"], "referrals.accepted"),
                (_l("Declined"), referrals["declined"], "referrals.declined"),
                (_l("Completed"), referrals["completed"], "referrals.completed"),
                (_l("Got help (linkage to care)"), referrals["got_help"], "referrals.got_help"),
                (
                    _l("Median hours to the provider's first answer"),
                    referrals["median_hours_to_response"],
                    "referrals.hours_to_response",
                ),
                (
                    _l("Median hours to completion"),
                    referrals["median_hours_to_completion"],
                    "referrals.hours_to_completion",
                ),
                (_l("Overdue now"), referrals["overdue_now"], "referrals.overdue_now"),
            ],
        ),
        Table(
            key="referrals-declined",
            title=_l("Referrals declined, by outcome"),
            definition=DEFINITIONS["referrals.declined"],
            headers=[_l("Outcome"), _l("Referrals")],
            rows=[
                [OUTCOME[key], count]
                for key, count in referrals["declined_by_outcome"].items()
                if key in OUTCOME
            ],
            count_columns=frozenset({1}),
            chart=1,
        ),
        Table(
            key="referrals-by-urgency",
            title=_l("Referrals by urgency"),
            definition=DEFINITIONS["referrals.by_urgency"],
            headers=[_l("Urgency"), _l("Sent"), _l("Completed"), _l("Got help")],
            rows=[
                [
                    URGENCY[u.value],
                    referrals["by_urgency"][u.value]["sent"],
                    referrals["by_urgency"][u.value]["completed"],
                    referrals["by_urgency"][u.value]["got_help"],
                ]
                for u in Urgency
            ],
            count_columns=frozenset({1, 2, 3}),
            chart=1,
        ),
    ]
    misses = report["gaps"]["search_misses"]
    if misses is not None:
        tables.append(
            Table(
                key="search-misses",
                title=_l("Service gaps: searches that found nothing"),
                definition=DEFINITIONS["gaps.search_misses"],
                headers=[_l("Words searched"), _l("Searches")],
                rows=[[m["words"], m["count"]] for m in misses],
                count_columns=frozenset({1}),
                chart=1,
            )
        )
    no_capacity = report["gaps"]["no_capacity"]
    tables += [
        Table(
            key="no-capacity-by-category",
            title=_l("Service gaps: declined for no capacity, by category"),
            definition=DEFINITIONS["gaps.no_capacity"],
            headers=[_l("Category"), _l("Referrals")],
            rows=[[r["category"], r["count"]] for r in no_capacity["by_category"]],
            count_columns=frozenset({1}),
            chart=1,
        ),
        Table(
            key="no-capacity-by-organization",
            title=_l("Service gaps: declined for no capacity, by organization"),
            definition=DEFINITIONS["gaps.no_capacity"],
            headers=[_l("Organization"), _l("Referrals")],
            rows=[[r["organization"], r["count"]] for r in no_capacity["by_organization"]],
            count_columns=frozenset({1}),
            chart=1,
        ),
        Table(
            key="equity",
            title=_l("Equity: encounters and outcomes by race and ethnicity"),
            definition=DEFINITIONS["equity.by_race_ethnicity"],
            headers=[
                _l("Race and ethnicity"),
                _l("Encounters"),
                _l("Share of encounters"),
                _l("Share of the city's population"),
                _l("Ratio to population share"),
                _l("Involuntary"),
                _l("Involuntary rate"),
                _l("Arrests"),
                _l("Arrest rate"),
                _l("Force used"),
                _l("Force rate"),
            ],
            rows=[
                [
                    RACE[race.value],
                    *(
                        equity[race.value][key]
                        for key in (
                            "encounters",
                            "share_of_encounters",
                            "population_share",
                            "ratio_to_population",
                            "involuntary",
                            "involuntary_rate",
                            "arrest",
                            "arrest_rate",
                            "force",
                            "force_rate",
                        )
                    ),
                ]
                for race in Race
            ],
            count_columns=frozenset({1, 5, 7, 9}),
            chart=1,
        ),
        Table(
            key="equity-dispositions",
            title=_l("Equity: dispositions by race and ethnicity"),
            definition=DEFINITIONS["equity.by_race_ethnicity"],
            headers=[_l("Race and ethnicity"), *(DISPOSITION[d.value] for d in Disposition)],
            rows=[
                [
                    RACE[race.value],
                    *(equity[race.value]["by_disposition"][d.value] for d in Disposition),
                ]
                for race in Race
            ],
            count_columns=frozenset(range(1, len(Disposition) + 1)),
        ),
    ]
    return tables


def marcus_alert_tables(report: dict[str, Any]) -> list[Table]:
    roles = report["by_police_role"]
    equity = report["outcomes_by_race_ethnicity"]
    return [
        Table(
            key="marcus-alert",
            title=_l("Marcus Alert: the year's figures"),
            definition=DEFINITIONS["calls.total"],
            headers=[_l("Item"), _l("Number")],
            rows=[
                [_l("Behavioral-health calls"), report["calls"]],
                [_l("Calls the team answered"), report["team_responses"]],
                [_l("Encounters"), report["encounters"]],
                [_l("Encounters with police backup requested"), report["with_police_backup"]],
                *[[forms.POLICE_ROLE_LABELS[k], v] for k, v in roles.items()],
                [_l("Encounters with injuries"), report["with_injuries"]],
                [_l("Encounters where force was used"), report["force_used"]],
                *[
                    [forms.TRIAGE_LABELS[int(k)] if k.isdigit() else _l("Triage not recorded"), v]
                    for k, v in report["by_triage_level"].items()
                ],
            ],
            count_columns=frozenset({1}),
        ),
        Table(
            key="marcus-alert-outcomes",
            title=_l("Marcus Alert: outcomes by race and ethnicity"),
            definition=DEFINITIONS["equity.by_race_ethnicity"],
            headers=[
                _l("Race and ethnicity"),
                _l("Encounters"),
                *(DISPOSITION[d.value] for d in Disposition),
                _l("Force used"),
            ],
            rows=[
                [
                    RACE[race.value],
                    equity[race.value]["encounters"],
                    *(equity[race.value]["by_disposition"][d.value] for d in Disposition),
                    equity[race.value]["force"],
                ]
                for race in Race
            ],
            count_columns=frozenset(range(1, len(Disposition) + 3)),
        ),
    ]
