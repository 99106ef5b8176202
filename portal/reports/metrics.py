"""Every figure of the program's evidence, computed by the database (sums over the tallies
it keeps, portal.models.tallies, GROUP BYs and ordered index reads), each with its definition
beside its query. No web imports: the /reports pages, the CSV files and `flask reports
metrics` all read `compute()`.

A period is a range of whole local days in the program's time zone, both ends included.
Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the n values in order, read at that
rank from an index led by the duration (portal.models.derived keeps the durations).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel.speaklater import LazyString
from sqlalchemy import and_, distinct, func, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from portal import localtime
from portal.extensions import db
from portal.models import (
    CALL_TALLY,
    ENCOUNTER_TALLY,
    REFERRAL_TALLY,
    TRIAGE_LEVELS,
    Attribute,
    Disposition,
    Encounter,
    EncounterSource,
    Organization,
    PoliceRole,
    PopulationShare,
    Race,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    SearchMiss,
    TaxonomyTerm,
    TeamStatus,
    Urgency,
)
from portal.models.derived import within_repeat_window
from portal.translated import lazy_gettext as _l

SUPPRESS_BELOW = 5  # de-identified outputs show counts from 1 to 4 as "<5" (or null)
TOP_WORDS = 20
INVOLUNTARY = (Disposition.eco.value, Disposition.tdo.value)
CATEGORY_LINK = "service_category"  # portal.catalog.vocabulary.CATEGORY_LINK
NOT_CATEGORIZED = "Not categorized"

DEFINITIONS: dict[str, LazyString] = {
    "calls.total": _l("Behavioral-health calls in the 911 centre's log received in the period."),
    "calls.responded": _l("Of those, calls the co-response team answered (team_status responded)."),
    "calls.missed": _l(
        "Calls the team did not answer, by the reason in the log: off duty, busy "
        "on another call, or other."
    ),
    "calls.by_hour": _l(
        "Calls by local hour of the day they were received, with how many the "
        "team answered and how many came while it was off duty: hours with many off-duty calls "
        "are where a second shift would help."
    ),
    "calls.by_weekday": _l("Calls by local day of the week they were received."),
    "encounters.total": _l(
        "Encounters (calls and outreach contacts) that took place in the "
        "period, imported ones included."
    ),
    "encounters.by_source": _l("Encounters by how they began."),
    "encounters.by_disposition": _l("Encounters by how they ended."),
    "encounters.involuntary": _l(
        "Encounters that ended in an emergency custody order (ECO) or a "
        "temporary detention order (TDO)."
    ),
    "encounters.arrest_eligible": _l("Encounters where the person could have been arrested."),
    "encounters.diverted": _l(
        "Arrest-eligible encounters where the person was not arrested and was diverted instead."
    ),
    "encounters.response_minutes": _l(
        "Minutes from the call being received to the team "
        "arriving, for encounters with both times recorded: median and 90th percentile "
        "(nearest rank)."
    ),
    "encounters.police_backup": _l("Encounters where the team asked for police backup."),
    "encounters.with_injuries": _l(
        "Encounters where the person, a responder, or both were injured."
    ),
    "encounters.force_used": _l("Encounters where force was used."),
    "encounters.by_triage_level": _l(
        "Encounters by Marcus Alert triage level (1 routine to 4 "
        "emergent); not recorded where left blank."
    ),
    "referrals.sent": _l(
        "Referrals sent to a provider in the period (entered-in-error excluded). "
        "The other referral figures follow these referrals to today."
    ),
    "referrals.accepted": _l("Of those, referrals the provider accepted."),
    "referrals.declined": _l("Of those, referrals the provider declined, by the outcome given."),
    "referrals.completed": _l("Of those, referrals marked completed."),
    "referrals.got_help": _l(
        "Of those, referrals that ended with the outcome got help (linkage to care)."
    ),
    "referrals.hours_to_response": _l(
        "Hours from sending to the provider's first answer "
        "(accept or decline): median (nearest rank)."
    ),
    "referrals.hours_to_completion": _l(
        "Hours from sending to completion, for completed referrals: median (nearest rank)."
    ),
    "referrals.overdue_now": _l(
        "Referrals waiting now for the provider's answer past the answer deadline (any period)."
    ),
    "referrals.by_urgency": _l(
        "Referrals sent in the period by urgency, with how many were completed and got help."
    ),
    "repeat_contacts": _l(
        "People with a client record who had an encounter in the period within "
        "90 days of their previous encounter."
    ),
    "gaps.search_misses": _l(
        "Public searches in the period that found nothing, by the words "
        "searched (only the words are kept, never who searched)."
    ),
    "gaps.no_capacity": _l(
        "Referrals sent in the period and declined for no capacity, by the "
        "service's category and by organization."
    ),
    "equity.by_race_ethnicity": _l(
        "Encounters in the period by race and ethnicity (2024 "
        "federal categories; not recorded counts as unknown), with involuntary holds, arrests "
        "and use of force: counts, rates per encounter, the group's share of encounters, and "
        "that share divided by the group's share of the city's population (when an admin has "
        "set it)."
    ),
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[first instant, instant after the last) in UTC."""
        return (
            localtime.midnight_utc(self.start),
            localtime.midnight_utc(self.end + dt.timedelta(days=1)),
        )


PERIOD_KINDS = ("week", "month", "quarter", "year")


def period_of(kind: str, day: dt.date) -> Period:
    """The week (Monday to Sunday), month, quarter or calendar year that holds `day`."""
    if kind == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    if kind == "year":
        return year(day.year)
    months = 3 if kind == "quarter" else 1
    if kind not in ("month", "quarter"):
        raise ValueError(f"unknown period {kind!r}")
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    after = dt.date(
        start.year + (first_month + months > 12), (first_month + months - 1) % 12 + 1, 1
    )
    return Period(start, after - dt.timedelta(days=1))


# --- portable SQL helpers --------------------------------------------------------------------


def _percentiles(values, where, n: int, *percents: int) -> list[float | None]:
    """Nearest-rank percentiles of a duration column over the `n` rows `where` selects (n is
    known from the section's counting pass). Each is one row read at its rank from an index
    led by the column (portal.models.derived), from the nearer end: no sort of the rows."""
    found: list[float | None] = []
    for p in percents:
        rank = (p * n + 99) // 100
        if not n:
            found.append(None)
            continue
        from_top = n - rank + 1 < rank
        statement = (
            select(values)
            .where(where, values.is_not(None))
            .order_by(values.desc() if from_top else values)
            .offset(n - rank if from_top else rank - 1)
            .limit(1)
        )
        found.append(db.session.scalar(statement))
    return found


class whole_scan(FunctionElement):
    """The column as it is. On SQLite it is written `+column`, which keeps the planner from
    answering this condition with an index: without statistics it would take the period's
    range on the time index and then sort, where a covering index read in the GROUP BY's or
    ORDER BY's order needs no sort. PostgreSQL's planner chooses by its statistics."""

    inherit_cache = True

    def __init__(self, column) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(whole_scan)
def _whole_scan_default(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(whole_scan, "sqlite")
def _whole_scan_sqlite(element, compiler, **kw):
    return f"+{compiler.process(element.clauses, **kw)}"


def _during(column, start: dt.datetime, end: dt.datetime) -> ColumnElement:
    """The column's time falls in [start, end), read by a scan of the query's own index."""
    moment = whole_scan(column)
    return and_(moment >= start, moment < end)


def _tenth(value, unit: float = 1.0) -> float | None:
    return round(float(value) / unit, 1) if value is not None else None


def _pairs(statement) -> dict[Any, Any]:
    """{first column: second column} of a two-column query."""
    return {row[0]: row[1] for row in db.session.execute(statement)}


# --- the sections ----------------------------------------------------------------------------


def _calls(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    # Counts per (hour, weekday, status) from the tallies; every figure is a sum of these.
    groups = db.session.execute(CALL_TALLY.grouped(start, end)).all()
    status = dict.fromkeys((s.value for s in TeamStatus), 0)
    hours = {h: {"hour": h, "total": 0, "responded": 0, "off_duty": 0} for h in range(24)}
    weekdays = {d: {"weekday": d, "total": 0} for d in range(7)}
    for hour, weekday, team_status, count in groups:
        status[team_status] += count
        hours[hour]["total"] += count
        weekdays[weekday]["total"] += count
        if team_status == TeamStatus.responded.value:
            hours[hour]["responded"] += count
        elif team_status == TeamStatus.off_duty.value:
            hours[hour]["off_duty"] += count
    missed = {key: status[key] for key in ("off-duty", "busy", "other")}
    return {
        "total": sum(status.values()),
        "responded": status["responded"],
        "missed": {**missed, "total": sum(missed.values())},
        "by_hour": list(hours.values()),
        "by_weekday": list(weekdays.values()),
    }


def _encounter_groups(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The period's encounters counted per (disposition, race) from the tallies
    (portal.models.report_tallies), with how many of each group have each flag, source,
    triage level and police role. Every encounter and equity figure is a sum of these. Race
    not recorded counts as unknown (the tally's key)."""
    sources = [s.value for s in EncounterSource]
    levels: list[int | None] = [*TRIAGE_LEVELS, None]
    roles: list[str | None] = [*(r.value for r in PoliceRole), None]
    rows = db.session.execute(ENCOUNTER_TALLY.grouped(start, end)).all()
    outcomes, timed = [], 0
    source, triage, role = Counter[Any](), Counter[Any](), Counter[Any]()
    for disposition, race, count, *sums in rows:
        eligible, diverted, injured, force, n_timed, *rest = (int(n or 0) for n in sums)
        outcomes.append((disposition, race, int(count), eligible, diverted, injured, force))
        timed += n_timed
        for counter, keys in ((source, sources), (triage, levels), (role, roles)):
            counter.update(dict(zip(keys, rest[: len(keys)], strict=True)))
            rest = rest[len(keys) :]
    return {"outcomes": outcomes, "timed": timed, "source": source, "triage": triage, "role": role}


def _encounters(start: dt.datetime, end: dt.datetime, groups: dict[str, Any]) -> dict[str, Any]:
    by_disposition = dict.fromkeys((d.value for d in Disposition), 0)
    eligible = diverted = injured = force = 0
    for disposition, _race, count, *flags in groups["outcomes"]:
        by_disposition[disposition] += count
        eligible, diverted, injured, force = (
            total + flag
            for total, flag in zip((eligible, diverted, injured, force), flags, strict=True)
        )
    triage = {
        **{str(level): groups["triage"][level] for level in (1, 2, 3, 4)},
        "not-recorded": groups["triage"][None],
    }
    roles = {
        **{r.value: groups["role"][r.value] for r in PoliceRole},
        "not-recorded": groups["role"][None],
    }
    in_period = _during(Encounter.occurred_at, start, end)
    median, p90 = (
        _tenth(seconds, 60.0)
        for seconds in _percentiles(Encounter.response_seconds, in_period, groups["timed"], 50, 90)
    )
    return {
        "total": sum(by_disposition.values()),
        "by_source": {s.value: groups["source"][s.value] for s in EncounterSource},
        "by_disposition": by_disposition,
        "involuntary": sum(by_disposition[d] for d in INVOLUNTARY),
        "arrest_eligible": eligible,
        "diverted": diverted,
        "police_backup": roles[PoliceRole.backup_requested.value],
        "by_police_role": roles,
        "with_injuries": injured,
        "force_used": force,
        "by_triage_level": triage,
        "response_minutes": {"count": groups["timed"], "median": median, "p90": p90},
    }


def _referrals(
    start: dt.datetime, end: dt.datetime, overdue_sent_before: dict[str, dt.datetime] | None
):
    sent = and_(
        _during(Referral.sent_at, start, end),
        Referral.status != ReferralStatus.entered_in_error.value,
    )
    # Counts per (status, outcome, urgency) from the tallies, with how many were ever
    # accepted (accepted_at, kept from the events by the database) and how many have each
    # duration the medians are taken over (closed_at counts only in the completed groups).
    groups = db.session.execute(
        REFERRAL_TALLY.grouped(
            start, end, where=lambda rows: rows.c.status != ReferralStatus.entered_in_error.value
        )
    ).all()
    declined_by = {**dict.fromkeys((o.value for o in ReferralOutcome), 0), "not-given": 0}
    by_urgency = {u.value: {"sent": 0, "completed": 0, "got_help": 0} for u in Urgency}
    total = n_accepted = n_declined = n_completed = n_got_help = n_responded = n_closed = 0
    for status, absent_or_outcome, urgency, count, accepted, responded, closed in groups:
        outcome = absent_or_outcome or None
        total += count
        n_accepted += int(accepted or 0)
        n_responded += int(responded or 0)
        by_urgency[urgency]["sent"] += count
        if status == ReferralStatus.rejected.value:
            n_declined += count
            declined_by[outcome or "not-given"] += count
        if status == ReferralStatus.completed.value:
            n_completed += count
            n_closed += int(closed or 0)
            by_urgency[urgency]["completed"] += count
        if outcome == ReferralOutcome.got_help.value:
            n_got_help += count
            by_urgency[urgency]["got_help"] += count
    (to_response,) = _percentiles(Referral.response_seconds, sent, n_responded, 50)
    # Not by the status index either: read ix_referral_completion in order.
    done = whole_scan(Referral.status) == ReferralStatus.completed.value
    (to_completion,) = _percentiles(Referral.completion_seconds, and_(sent, done), n_closed, 50)
    overdue: int | None = 0
    if overdue_sent_before is not None:
        overdue = db.session.scalar(
            select(func.count()).where(
                Referral.status == ReferralStatus.requested.value,
                or_(
                    *(
                        and_(Referral.urgency == urgency, Referral.sent_at <= edge)
                        for urgency, edge in overdue_sent_before.items()
                    )
                ),
            )
        )
    return {
        "sent": total,
        "accepted": int(n_accepted or 0),
        "declined": n_declined,
        "declined_by_outcome": declined_by,
        "completed": n_completed,
        "got_help": n_got_help,
        "median_hours_to_response": _tenth(to_response, 3600.0),
        "median_hours_to_completion": _tenth(to_completion, 3600.0),
        "overdue_now": int(overdue or 0),
        "by_urgency": by_urgency,
    }


def _repeat_contacts(start: dt.datetime, end: dt.datetime) -> int:
    # previous_at, the client's previous encounter, is kept by the database
    # (portal.models.derived), so the gap needs no window over the clients' histories.
    return int(
        db.session.scalar(
            select(func.count(distinct(Encounter.client_id))).where(
                # A range on the partial index ix_encounter_repeat, which covers the query.
                Encounter.occurred_at >= start,
                Encounter.occurred_at < end,
                within_repeat_window(),
            )
        )
        or 0
    )


def _gaps(period: Period, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    words = db.session.execute(
        select(SearchMiss.words, func.sum(SearchMiss.count).label("n"))
        .where(SearchMiss.day >= period.start, SearchMiss.day <= period.end)
        .group_by(SearchMiss.words)
        .order_by(func.sum(SearchMiss.count).desc(), SearchMiss.words)
        .limit(TOP_WORDS)
    ).all()
    # Counted per organization and per service first, from the referral report index, so the
    # joins meet one row per organization or service, not one per referral.
    no_capacity = and_(
        Referral.status == ReferralStatus.rejected.value,
        Referral.outcome == ReferralOutcome.no_capacity.value,
        Referral.sent_at >= start,
        Referral.sent_at < end,
    )
    # One pass over the declines, counted per organization and service; the few groups then
    # meet their organization's name and their service's categories.
    groups = db.session.execute(
        select(Referral.organization_id, Referral.service_id, func.count())
        .where(no_capacity)
        .group_by(Referral.organization_id, Referral.service_id)
    ).all()
    names = _pairs(
        select(Organization.id, Organization.name).where(
            Organization.id.in_({organization for organization, _service, _n in groups})
        )
    )
    categories: dict[str, set[str]] = {}
    in_category = (
        select(Attribute.link_id, TaxonomyTerm.name)
        .outerjoin(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_id.in_({service for _organization, service, _n in groups} - {None}),
            Attribute.link_entity == "service",
            Attribute.link_type == CATEGORY_LINK,
        )
    )
    for service, category in db.session.execute(in_category):
        categories.setdefault(service, set()).add(category or NOT_CATEGORIZED)
    by_org: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for organization, service, n in groups:
        by_org[names[organization]] += n
        # A service in several categories counts in each; a referral once per category.
        for category in categories.get(service) or {NOT_CATEGORIZED}:
            by_category[category] += n
    return {
        "search_misses": [{"words": w, "count": int(n)} for w, n in words],
        "no_capacity": {
            "by_category": [{"category": c, "count": n} for c, n in _most_first(by_category)],
            "by_organization": [{"organization": o, "count": n} for o, n in _most_first(by_org)],
        },
    }


def _most_first(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _equity(groups: dict[str, Any]) -> dict[str, Any]:
    shares = _pairs(select(PopulationShare.race, PopulationShare.share))
    result: dict[str, Any] = {
        race.value: {
            "encounters": 0,
            "involuntary": 0,
            "arrest": 0,
            "force": 0,
            "by_disposition": dict.fromkeys((d.value for d in Disposition), 0),
            "population_share": shares.get(race.value),
        }
        for race in Race
    }
    for disposition, race, count, _eligible, _diverted, _injured, force in groups["outcomes"]:
        figures = result[race]
        figures["encounters"] += count
        figures["by_disposition"][disposition] += count
        figures["involuntary"] += count if disposition in INVOLUNTARY else 0
        figures["arrest"] += count if disposition == Disposition.arrest.value else 0
        figures["force"] += force
    total = sum(figures["encounters"] for figures in result.values())
    for figures in result.values():
        _add_rates(figures, total)
    return {"by_race_ethnicity": result, "encounters": total}


def _add_rates(figures: dict[str, Any], total: int) -> None:
    n = figures["encounters"]
    for key in ("involuntary", "arrest", "force"):
        figures[f"{key}_rate"] = round(figures[key] / n, 4) if n else None
    figures["share_of_encounters"] = round(n / total, 4) if total else None
    population = figures["population_share"]
    share = figures["share_of_encounters"]
    figures["ratio_to_population"] = (
        round(share / population, 2) if population and share is not None else None
    )


# --- the whole report ------------------------------------------------------------------------


def _plan_for_the_period() -> None:
    """On PostgreSQL, plan each query for the period it is given, for this transaction: a
    statement the driver has prepared may otherwise get a generic plan, which assumes a few
    rows and loops over a year's referrals one by one."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def compute(
    period: Period,
    *,
    overdue_sent_before: dict[str, dt.datetime] | None = None,
    deidentified: bool = False,
) -> dict[str, Any]:
    """Every figure for the period, as one JSON-ready object. `overdue_sent_before`: a
    referral still waiting for an answer is overdue when sent at or before this instant for
    its urgency (portal.referrals.workflow.overdue_sent_before; None leaves overdue at 0).
    De-identified: equity counts from 1 to 4 (and rates built on them) are None, and the
    words people searched (free text) are left out."""
    start, end = period.bounds()
    _plan_for_the_period()
    groups = _encounter_groups(start, end)
    report = {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "deidentified": deidentified,
        "calls": _calls(start, end),
        "encounters": _encounters(start, end, groups),
        "referrals": _referrals(start, end, overdue_sent_before),
        "repeat_contacts": _repeat_contacts(start, end),
        "gaps": _gaps(period, start, end),
        "equity": _equity(groups),
    }
    if deidentified:
        report["gaps"]["search_misses"] = None
        _suppress_equity(report["equity"])
    return report


def small(count: int | None) -> bool:
    """A count the de-identified outputs hide: 1 to 4."""
    return count is not None and 0 < count < SUPPRESS_BELOW


def _suppress_equity(equity: dict[str, Any]) -> None:
    for figures in equity["by_race_ethnicity"].values():
        if small(figures["encounters"]):
            # Every figure of the group would narrow the people down: hide it all.
            for key in list(figures):
                if key not in ("population_share", "by_disposition"):
                    figures[key] = None
            figures["by_disposition"] = dict.fromkeys(figures["by_disposition"])
            continue
        for key in ("involuntary", "arrest", "force"):
            if small(figures[key]):
                figures[key] = None
                figures[f"{key}_rate"] = None
        figures["by_disposition"] = {
            d: (None if small(n) else n) for d, n in figures["by_disposition"].items()
        }


def year(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def marcus_alert(year_number: int) -> dict[str, Any]:
    """The statutory items a local program can answer, for one calendar year."""
    start, end = year(year_number).bounds()
    _plan_for_the_period()
    calls = _calls(start, end)
    groups = _encounter_groups(start, end)
    encounters = _encounters(start, end, groups)
    equity = _equity(groups)
    _suppress_equity(equity)
    return {
        "year": year_number,
        "calls": calls["total"],
        "team_responses": calls["responded"],
        "encounters": encounters["total"],
        "with_police_backup": encounters["police_backup"],
        "by_police_role": encounters["by_police_role"],
        "with_injuries": encounters["with_injuries"],
        "force_used": encounters["force_used"],
        "by_triage_level": encounters["by_triage_level"],
        "outcomes_by_race_ethnicity": equity["by_race_ethnicity"],
    }


__all__ = ["DEFINITIONS", "Period", "compute", "marcus_alert", "small", "year"]
