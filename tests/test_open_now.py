""" "Open now" is true (issue 12, point 2): a service that is not active is never open, and
closed dates (HSDS schedule rows with valid_from/valid_to and no times) close a service on
those days, in the hours rules, the search filter, the card and /search.json."""

from __future__ import annotations

import datetime as dt
import html

from portal.catalog import hours
from portal.directory import presenters
from portal.models import Schedule
from portal.models.catalog import ServiceStatus
from portal.search import SearchParams, rebuild_index, search_services
from tests.factories import ServiceFactory

# 2026-11-26 is Thanksgiving, a Thursday.
THANKSGIVING = dt.date(2026, 11, 26)
NOON = dt.time(12, 0)


def weekly(service_id=None, byday="MO,TU,WE,TH,FR,SA,SU", opens="00:00", closes="00:00"):
    return Schedule(
        service_id=service_id,
        freq="WEEKLY",
        byday=byday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


def closure(first: dt.date, last: dt.date | None = None, service_id=None, why=None):
    return Schedule(service_id=service_id, valid_from=first, valid_to=last, description=why)


def test_a_closed_date_closes_the_day_and_says_why():
    schedules = [weekly(opens="09:00", closes="17:00"), closure(THANKSGIVING, why="Thanksgiving")]
    thursday = dt.datetime.combine(THANKSGIVING, NOON)
    assert hours.is_open_at(schedules, thursday) is False
    assert hours.is_open_at(schedules, thursday + dt.timedelta(days=1)) is True
    day = hours.day(schedules, THANKSGIVING)
    assert day.closed and day.notes == ["Thanksgiving"]
    assert not hours.day(schedules, THANKSGIVING + dt.timedelta(days=1)).closed


def test_a_closure_lets_the_night_before_run_out():
    schedules = [weekly(opens="20:00", closes="02:00"), closure(THANKSGIVING)]
    assert hours.is_open_at(schedules, dt.datetime.combine(THANKSGIVING, dt.time(1, 0)))
    assert not hours.is_open_at(schedules, dt.datetime.combine(THANKSGIVING, dt.time(21, 0)))
    # The closed evening does not spill into the next morning either.
    friday = THANKSGIVING + dt.timedelta(days=1)
    assert not hours.is_open_at(schedules, dt.datetime.combine(friday, dt.time(1, 0)))


def test_closed_until_follows_adjoining_closures():
    schedules = [
        closure(THANKSGIVING, THANKSGIVING + dt.timedelta(days=3)),
        closure(THANKSGIVING + dt.timedelta(days=4), THANKSGIVING + dt.timedelta(days=9)),
        closure(THANKSGIVING + dt.timedelta(days=20)),
    ]
    assert hours.closed_until(schedules, THANKSGIVING) == THANKSGIVING + dt.timedelta(days=9)
    assert hours.closed_until(schedules, THANKSGIVING - dt.timedelta(days=1)) is None


def test_a_service_that_is_not_active_is_never_open():
    always = [weekly()]
    moment = dt.datetime.combine(THANKSGIVING, NOON)
    assert hours.service_open_at(ServiceStatus.active.value, always, moment) is True
    for status in ("temporarily closed", "inactive", "defunct"):
        assert hours.service_open_at(status, always, moment) is False


def _catalog(db):
    renovating = ServiceFactory(name="Detox Unit Under Renovation", status="temporarily closed")
    db.session.add(weekly(renovating.id))
    db.session.add(
        closure(THANKSGIVING - dt.timedelta(days=3), dt.date(2026, 12, 14), renovating.id)
    )
    holiday = ServiceFactory(name="Detox Clinic Closed For Thanksgiving")
    db.session.add(weekly(holiday.id, opens="08:00", closes="20:00"))
    db.session.add(closure(THANKSGIVING, service_id=holiday.id, why="Closed for Thanksgiving"))
    always = ServiceFactory(name="Detox Line Always Open")
    db.session.add(weekly(always.id))
    db.session.commit()
    rebuild_index()


def _open_names(moment: dt.datetime, db) -> set[str]:
    from portal.models import Service

    page = search_services(SearchParams(q="detox", open_at=moment))
    return {db.session.get(Service, i).name for i in page.service_ids}


def test_the_open_now_filter_leaves_out_closed_services_and_closed_dates(db):
    _catalog(db)
    thursday = dt.datetime.combine(THANKSGIVING, NOON)
    assert _open_names(thursday, db) == {"Detox Line Always Open"}
    friday = thursday + dt.timedelta(days=1)
    assert _open_names(friday, db) == {
        "Detox Line Always Open",
        "Detox Clinic Closed For Thanksgiving",
    }
    # Without the filter the closed ones are still found (closed last).
    everything = search_services(SearchParams(q="detox")).service_ids
    assert len(everything) == 3


def test_cards_and_json_tell_the_truth(db, client, monkeypatch):
    _catalog(db)
    monkeypatch.setattr(presenters, "local_now", lambda: dt.datetime.combine(THANKSGIVING, NOON))
    results = {r["name"]: r for r in client.get("/search.json?q=detox").get_json()["results"]}
    renovating = results["Detox Unit Under Renovation"]
    assert renovating["open_now"] is False
    assert renovating["today"] is None
    assert renovating["closed_until"] == "2026-12-14"
    holiday = results["Detox Clinic Closed For Thanksgiving"]
    assert holiday["open_now"] is False and holiday["today"] == "Closed"
    assert results["Detox Line Always Open"]["open_now"] is True

    body = html.unescape(client.get("/search?q=detox").get_data(as_text=True))
    card = body[body.index("Unit Under Renovation") :]
    card = card[: card.index("</article>")]
    assert "Temporarily closed until Dec 14, 2026" in card
    assert "Today:" not in card and "Open 24 hours" not in card
    assert client.get("/search.json?q=detox&open=now").get_json()["total"] == 1


def test_the_service_page_says_until_when(db, client, monkeypatch):
    _catalog(db)
    monkeypatch.setattr(presenters, "local_now", lambda: dt.datetime.combine(THANKSGIVING, NOON))
    from portal.models import Service

    service = db.session.query(Service).filter_by(name="Detox Unit Under Renovation").one()
    body = html.unescape(client.get(f"/services/{service.id}").get_data(as_text=True))
    header = body[body.index('class="service-header"') :]
    header = header[: header.index("</header>")]
    assert "Temporarily closed until Dec 14, 2026" in header
    assert "Open now" not in header and "Today:" not in header
