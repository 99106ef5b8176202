"""The golden data set of the program-evidence tests (tests/test_reports.py), all fictional.

The period is March 2026 in America/New_York: it crosses the change to daylight time on
8 March, and rows just outside it (28 February, 1 April) must be left out. Every expected
number is worked out by hand in tests/test_reports.py from the rows below.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.models import (
    Call,
    Encounter,
    PopulationShare,
    ReferralEvent,
    SearchMiss,
)
from portal.models.catalog import utcnow
from tests.factories import (
    AttributeFactory,
    ClientFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
FIRST, LAST = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def local(text: str) -> dt.datetime:
    """A wall-clock time in New York, as an aware UTC time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(dt.UTC)


# call_id, received (local), weekday/hour for the reader, team_status
CALLS = [
    ("C1", "2026-03-01T00:30", "responded"),  # Sunday, hour 0
    ("C2", "2026-03-02T09:15", "responded"),  # Monday, hour 9
    ("C3", "2026-03-02T22:10", "off-duty"),  # Monday, hour 22
    ("C4", "2026-03-10T22:45", "off-duty"),  # Tuesday, hour 22 (daylight time)
    ("C5", "2026-03-15T14:00", "busy"),  # Sunday, hour 14
    ("C6", "2026-03-31T23:59", "other"),  # Tuesday, hour 23: last minute of the period
    ("C7", "2026-04-01T00:00", "responded"),  # outside
    ("C8", "2026-02-28T23:59", "off-duty"),  # outside
]

# (key, local time, source, disposition, race, client, extra fields)
ENCOUNTERS = [
    (
        "E1",
        "2026-03-01T00:30",
        "dispatch",
        "resolved",
        "black",
        "A",
        dict(
            call_id="C1",
            received="2026-03-01T00:30",
            arrived="2026-03-01T00:42",
            triage_level=2,
            police_role="co-response",
        ),
    ),
    (
        "E2",
        "2026-03-05T09:15",
        "dispatch",
        "tdo",
        "black",
        "B",
        dict(
            received="2026-03-05T09:15",
            arrived="2026-03-05T09:45",
            triage_level=4,
            police_role="backup-requested",
            force_used=True,
            injuries="person",
        ),
    ),
    (
        "E3",
        "2026-03-06T10:00",
        "dispatch",
        "eco",
        "white",
        None,
        dict(
            received="2026-03-06T09:40", arrived="2026-03-06T10:00", triage_level=3, injuries="none"
        ),
    ),
    (
        "E4",
        "2026-03-09T11:00",
        "first-responder",
        "arrest",
        "white",
        None,
        dict(
            received="2026-03-09T10:52",
            arrived="2026-03-09T11:00",
            arrest_eligible=True,
            police_role="backup-requested",
            force_used=True,
            injuries="responder",
        ),
    ),
    (
        "E5",
        "2026-03-12T13:00",
        "outreach",
        "referred",
        "hispanic-latino",
        "C",
        dict(arrest_eligible=True, diverted=True),
    ),
    ("E6", "2026-03-13T13:00", "outreach", "resolved", "hispanic-latino", "D", {}),
    ("E7", "2026-03-14T13:00", "walk-in", "voluntary-transport", "hispanic-latino", None, {}),
    ("E8", "2026-03-16T13:00", "follow-up", "declined", None, None, {}),
    (
        "E9",
        "2026-03-20T08:00",
        "dispatch",
        "resolved",
        "black",
        "A",
        dict(
            received="2026-03-20T07:50",
            arrived="2026-03-20T08:05",
            arrest_eligible=True,
            diverted=True,
        ),
    ),
    ("E10", "2026-03-22T08:00", "dispatch", "other", "asian", None, {}),
    ("E11", "2026-03-24T08:00", "outreach", "resolved", "hispanic-latino", None, {}),
    ("E12", "2026-03-26T08:00", "dispatch", "eco", "hispanic-latino", None, {}),
    ("E13", "2026-03-31T23:30", "walk-in", "resolved", "hispanic-latino", None, {}),
    # outside the period, but earlier contacts of clients B and C
    ("E-out", "2026-04-01T00:30", "dispatch", "arrest", "black", None, {}),
    ("E-B0", "2025-11-01T12:00", "outreach", "resolved", "black", "B", {}),  # 124 days before E2
    ("E-C0", "2026-01-10T12:00", "outreach", "resolved", "hispanic-latino", "C", {}),  # 61 days
]

SEARCH_MISSES = [
    (dt.date(2026, 3, 3), "detox spanish", 3),
    (dt.date(2026, 3, 4), "detox spanish", 2),
    (dt.date(2026, 3, 5), "pet shelter", 1),
    (dt.date(2026, 4, 1), "outside the period", 9),
]

POPULATION = {"black": 0.2, "white": 0.5, "hispanic-latino": 0.25}


def _referral(
    client,
    service,
    urgency,
    sent,
    *,
    status,
    outcome=None,
    responded_h=None,
    accepted=False,
    closed_h=None,
):
    sent_at = local(sent) if isinstance(sent, str) else sent
    referral = ReferralFactory(
        client=client,
        service=service,
        urgency=urgency,
        status=status,
        outcome=outcome,
        sent_at=sent_at,
        responded_at=sent_at + dt.timedelta(hours=responded_h) if responded_h else None,
        closed_at=sent_at + dt.timedelta(hours=closed_h) if closed_h else None,
    )
    db.session.add(ReferralEvent(referral=referral, at=sent_at, to_status="requested"))
    if accepted:
        db.session.add(
            ReferralEvent(
                referral=referral,
                at=sent_at + dt.timedelta(hours=responded_h),
                from_status="requested",
                to_status="accepted",
            )
        )
    return referral


def build() -> None:
    for call_id, received, status in CALLS:
        at = local(received)
        wall = at.astimezone(NEW_YORK)
        db.session.add(
            Call(
                call_id=call_id,
                received_at=at,
                local_hour=wall.hour,
                local_weekday=wall.weekday(),
                nature="behavioral health",
                team_status=status,
            )
        )
    clients = {key: ClientFactory() for key in "ABCD"}
    for key, when, source, disposition, race, client, extra in ENCOUNTERS:
        extra = dict(extra)
        received, arrived = extra.pop("received", None), extra.pop("arrived", None)
        db.session.add(
            Encounter(
                external_id=key,
                occurred_at=local(when),
                source=source,
                disposition=disposition,
                race=race,
                client=clients[client] if client else None,
                call_received_at=local(received) if received else None,
                arrived_at=local(arrived) if arrived else None,
                arrest_eligible=extra.pop("arrest_eligible", False),
                diverted=extra.pop("diverted", False),
                **extra,
            )
        )
    for day, words, count in SEARCH_MISSES:
        db.session.add(SearchMiss(day=day, words=words, count=count))
    for race, share in POPULATION.items():
        db.session.add(PopulationShare(race=race, share=share))

    TaxonomyFactory()
    crisis = TaxonomyTermFactory(name="Crisis care")
    full = OrganizationFactory(name="Fictional Full House")
    other = OrganizationFactory(name="Fictional Open Door")
    categorized = ServiceFactory(organization=full)
    AttributeFactory(link_id=categorized.id, taxonomy_term=crisis)
    uncategorized = ServiceFactory(organization=full)
    open_door = ServiceFactory(organization=other)
    person = clients["A"]
    _referral(
        person,
        open_door,
        "routine",
        "2026-03-02T10:00",
        status="completed",
        outcome="got-help",
        responded_h=4,
        accepted=True,
        closed_h=48,
    )
    _referral(
        person,
        open_door,
        "urgent",
        "2026-03-03T09:00",
        status="completed",
        outcome="other",
        responded_h=2,
        accepted=True,
        closed_h=12,
    )
    _referral(
        person,
        categorized,
        "routine",
        "2026-03-05T08:00",
        status="rejected",
        outcome="no-capacity",
        responded_h=10,
    )
    _referral(
        person,
        uncategorized,
        "emergency",
        "2026-03-06T12:00",
        status="rejected",
        outcome="no-capacity",
        responded_h=1,
    )
    _referral(person, open_door, "routine", "2026-03-07T12:00", status="rejected", responded_h=6)
    _referral(
        person,
        open_door,
        "urgent",
        "2026-03-09T10:00",
        status="in-progress",
        responded_h=3,
        accepted=True,
    )
    _referral(person, open_door, "routine", "2026-03-20T10:00", status="requested")
    _referral(person, open_door, "routine", "2026-03-10T10:00", status="entered-in-error")
    _referral(
        person,
        open_door,
        "routine",
        "2026-04-02T10:00",
        status="completed",
        outcome="got-help",
        responded_h=1,
        accepted=True,
        closed_h=2,
    )
    _referral(person, open_door, "routine", utcnow(), status="requested")  # not overdue yet
    db.session.commit()
