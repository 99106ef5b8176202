"""The editing rules on their own: cleaning what providers type and the weekly hours."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.catalog import cleaning, hours
from portal.models import Schedule


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("703-555-0100", "(703) 555-0100"),
        ("(703) 555-0142", "(703) 555-0142"),
        ("+1 202 555 0199", "(202) 555-0199"),
        ("988", "988"),
        ("911", "911"),
        ("", None),
    ],
)
def test_phone_numbers_are_normalised_and_short_numbers_allowed(app, typed, stored):
    assert cleaning.clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12", "555-12", "555-0100", "call us", "703-555-01000000", "1" * 50]
)
def test_numbers_that_cannot_be_dialled_are_refused(app, typed):
    with pytest.raises(cleaning.CleaningError):
        cleaning.clean_phone(typed)


def test_urls_and_emails_are_checked(app):
    assert cleaning.clean_url("www.example.org/help") == "https://www.example.org/help"
    assert cleaning.clean_url("http://example.org") == "http://example.org"
    for bad in ("javascript:alert(1)", "ftp://example.org", "https://localhost", "not a url"):
        with pytest.raises(cleaning.CleaningError):
            cleaning.clean_url(bad)
    assert cleaning.clean_email("intake@example.org") == "intake@example.org"
    for bad in ("intake", "a@b", "two@@example.org"):
        with pytest.raises(cleaning.CleaningError):
            cleaning.clean_email(bad)


def test_html_and_scripts_are_removed_from_text(app):
    typed = '<script>alert("x")</script><b>Walk-in</b> counseling & <a href="x">more</a>'
    assert cleaning.clean_text(typed) == "Walk-in counseling & more"
    assert cleaning.clean_text("&lt;script&gt;alert(1)&lt;/script&gt;ok") == "ok"
    assert cleaning.clean_text("   ") is None


def test_text_has_a_size_limit(app):
    with pytest.raises(cleaning.CleaningError, match="4000"):
        cleaning.clean_text("x" * 4001)
    with pytest.raises(cleaning.CleaningError):
        cleaning.clean_lines("\n".join(f"item {n}" for n in range(cleaning.LIST_ITEMS + 1)))


def test_closing_before_opening_needs_the_past_midnight_box(app):
    with pytest.raises(hours.HoursError, match="past midnight"):
        hours.period(dt.time(20), dt.time(2), past_midnight=False)
    assert hours.period(dt.time(20), dt.time(2), past_midnight=True) == hours.Interval(1200, 1560)
    with pytest.raises(hours.HoursError):
        hours.period(dt.time(9), dt.time(17), past_midnight=True)
    # 12 am closing is the end of the day, no box needed.
    assert hours.period(dt.time(18), dt.time(0), past_midnight=False) == hours.Interval(1080, 1440)
    with pytest.raises(hours.HoursError):
        hours.day_periods([hours.Interval(540, 780), hours.Interval(720, 1020)])


def test_weekly_grid_round_trips_through_schedule_rows(app):
    grid = [
        [hours.Interval(540, 720), hours.Interval(780, 1020)],  # split hours
        [hours.Interval(0, 1440)],  # open 24 hours
        [],  # closed
        [hours.Interval(1200, 1560)],  # 8 pm to 2 am
        [hours.Interval(540, 720), hours.Interval(780, 1020)],
        [hours.Interval(1080, 1440)],  # until midnight
        [],
    ]
    rows = [Schedule(**fields) for fields in hours.schedule_fields(grid)]
    assert hours.weekly_grid(rows) == grid
    assert len(rows) == 5  # Monday and Friday share their rows
    # The public rules read the stored rows the same way.
    thursday_late = dt.datetime(2026, 11, 27, 1, 30)  # a Friday, 1:30 am
    assert hours.is_open_at(rows, thursday_late) is True
    assert "Open 24 hours" in hours.grid_label(grid)
