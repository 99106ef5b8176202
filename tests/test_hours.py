import datetime as dt

import pytest
from flask_babel import force_locale

from portal.catalog import hours
from portal.models import Schedule


def schedule(byday="MO,TU,WE,TH,FR", opens="09:00", closes="17:00", **extra) -> Schedule:
    parse = lambda v: dt.time.fromisoformat(v) if v else None  # noqa: E731
    return Schedule(
        byday=byday, opens_at=parse(opens), closes_at=parse(closes), freq="WEEKLY", **extra
    )


# 2026-11-23 is a Monday.
MONDAY = dt.date(2026, 11, 23)


def at(day_offset: int, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day_offset), dt.time.fromisoformat(hhmm))


@pytest.mark.parametrize(
    "moment, expected",
    [
        (at(0, "09:00"), True),
        (at(0, "16:59"), True),
        (at(0, "17:00"), False),
        (at(0, "08:59"), False),
        (at(5, "12:00"), False),
        (at(4, "12:00"), True),
    ],
)
def test_weekday_office_hours(moment, expected):
    assert hours.is_open_at([schedule()], moment) is expected


def test_hours_past_midnight_count_on_the_next_morning():
    late = [schedule(byday="FR,SA", opens="20:00", closes="02:00")]
    assert hours.is_open_at(late, at(4, "23:30")) is True
    assert hours.is_open_at(late, at(5, "01:59")) is True  # Friday's hours, Saturday morning
    assert hours.is_open_at(late, at(5, "02:00")) is False
    assert hours.is_open_at(late, at(0, "01:00")) is False  # Sunday night was closed
    assert hours.is_open_at(late, at(6, "01:00")) is True  # Saturday's hours, Sunday morning
    assert hours.week(late, MONDAY)[4].label() == "8 pm – 2 am"


@pytest.mark.parametrize("opens, closes", [("00:00", "00:00"), ("00:00", "23:59")])
def test_round_the_clock(opens, closes):
    always = [schedule(byday="MO,TU,WE,TH,FR,SA,SU", opens=opens, closes=closes)]
    for day in range(7):
        assert hours.is_open_at(always, at(day, "03:17")) is True
        assert hours.is_open_at(always, at(day, "23:59")) is True
    assert all(day.label() == "Open 24 hours" for day in hours.week(always, MONDAY))


def test_split_hours_and_closed_days_in_the_week():
    split = [
        schedule(byday="MO", opens="08:00", closes="12:00"),
        schedule(byday="MO", opens="13:00", closes="17:30"),
    ]
    week = hours.week(split, MONDAY + dt.timedelta(days=3))
    assert week[0].label() == "8 am – 12 pm, 1 pm – 5:30 pm"
    assert week[1].closed and week[1].label() == "Closed"
    assert hours.is_open_at(split, at(0, "12:30")) is False
    assert hours.is_open_at(split, at(0, "13:00")) is True


def test_by_appointment_has_no_hours_but_keeps_its_description():
    appointment = [Schedule(description="By appointment")]
    assert hours.is_open_at(appointment, at(0, "10:00")) is None
    assert hours.has_regular_hours(appointment) is False
    assert hours.notes(appointment) == ["By appointment"]


def test_times_without_days_mean_every_day():
    daily = [schedule(byday=None, opens="10:00", closes="14:00")]
    assert all(hours.is_open_at(daily, at(d, "11:00")) for d in range(7))


def test_monthly_nth_weekday():
    second_tuesday = [
        schedule(
            byday="2TU",
            opens="18:00",
            closes="20:00",
        )
    ]
    second_tuesday[0].freq = "MONTHLY"
    assert hours.is_open_at(second_tuesday, dt.datetime(2026, 11, 10, 19, 0)) is True
    assert hours.is_open_at(second_tuesday, dt.datetime(2026, 11, 17, 19, 0)) is False
    last_friday = [schedule(byday="-1FR", opens="09:00", closes="10:00")]
    last_friday[0].freq = "MONTHLY"
    assert hours.is_open_at(last_friday, dt.datetime(2026, 11, 27, 9, 30)) is True
    assert hours.is_open_at(last_friday, dt.datetime(2026, 11, 20, 9, 30)) is False


def test_validity_dates_limit_a_schedule():
    seasonal = [
        schedule(byday="MO", valid_from=dt.date(2026, 12, 1), valid_to=dt.date(2027, 3, 31))
    ]
    assert hours.is_open_at(seasonal, at(0, "10:00")) is False
    assert hours.is_open_at(seasonal, dt.datetime(2026, 12, 7, 10, 0)) is True


def test_overlapping_and_touching_hours_are_shown_once():
    rows = [
        schedule(byday="MO", opens="08:30", closes="17:00"),
        schedule(byday="MO", opens="09:00", closes="17:00"),
        schedule(byday="MO", opens="17:00", closes="20:00"),
    ]
    assert hours.week(rows, MONDAY)[0].label() == "8:30 am – 8 pm"


def test_times_are_written_as_the_readers_language_writes_them(app):
    # Babel's CLDR patterns: a 12-hour clock in English, a 24-hour one in Spanish.
    with app.test_request_context():
        assert hours.Interval(480, 1050).label() == "8 am – 5:30 pm"
        with force_locale("es"):
            assert hours.Interval(480, 1050).label() == "8:00 – 17:30"
            assert hours.Interval(1200, 1560).label() == "20:00 – 2:00"
