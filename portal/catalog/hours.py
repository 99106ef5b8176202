"""Opening hours from HSDS schedules: the one place that reads opens_at, closes_at and byday.

Rules (wall-clock times in the program's time zone):
- a schedule with `byday` (MO,TU,… or, when freq is MONTHLY, 1MO / -1FR) opens on those days;
  with times but no byday it opens every day;
- `closes_at` earlier than `opens_at` means the hours run past midnight into the next day;
- `opens_at` equal to `closes_at`, or 00:00 to 23:59, means open all 24 hours;
- a schedule without times ("by appointment") adds no open hours, only its description;
- `valid_from` / `valid_to` limit the dates a schedule applies to;
- a schedule with `valid_from` but no times is a closure (a holiday, a closed week): the
  service is closed from valid_from to valid_to (or that one day), whatever its weekly hours
  say; its description says why ("Closed for Thanksgiving");
- a service that is not active (temporarily closed, inactive, defunct) is never open.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field

from babel import Locale
from babel.dates import format_time
from flask_babel import get_locale

from portal.models import Schedule, Service
from portal.models.catalog import ServiceStatus
from portal.translated import gettext as _

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DEFAULT_LOCALE = "en"  # outside a request (the CLI, a script)
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def day_names() -> tuple[str, ...]:
    return (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )


@dataclass(frozen=True)
class Interval:
    """Minutes from the start of its day; `end` may pass 1440 when hours run past midnight."""

    start: int
    end: int

    def __iter__(self):
        return iter((self.start, self.end))

    @property
    def all_day(self) -> bool:
        return self.start == 0 and self.end >= MINUTES_PER_DAY

    def label(self) -> str:
        if self.all_day:
            return _("Open 24 hours")
        return f"{format_minutes(self.start)} – {format_minutes(self.end % MINUTES_PER_DAY)}"


@dataclass
class DayHours:
    weekday: int  # 0 = Monday
    name: str
    intervals: list[Interval] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return not self.intervals

    def label(self) -> str:
        if self.closed:
            return _("Closed")
        if any(i.all_day for i in self.intervals):
            return _("Open 24 hours")
        return ", ".join(i.label() for i in self.intervals)


@dataclass(frozen=True)
class ScheduleFacts:
    """The fields of a schedule that the rules here read, detached from the database, so a
    list entry can be kept between requests and still tell whether it is open now."""

    opens_at: dt.time | None
    closes_at: dt.time | None
    byday: str | None
    freq: str | None
    interval: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    description: str | None
    notes: str | None

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleFacts:
        return cls(
            schedule.opens_at,
            schedule.closes_at,
            schedule.byday,
            schedule.freq,
            schedule.interval,
            schedule.valid_from,
            schedule.valid_to,
            schedule.description,
            schedule.notes,
        )

    def as_strings(self) -> list:
        """JSON-ready values (the search index keeps the schedules it cannot reduce to
        weekly minutes this way)."""
        return [
            value.isoformat() if isinstance(value, (dt.time, dt.date)) else value
            for value in astuple(self)
        ]

    @classmethod
    def from_strings(cls, values: list) -> ScheduleFacts:
        opens, closes, byday, freq, interval, valid_from, valid_to, description, notes = values
        return cls(
            dt.time.fromisoformat(opens) if opens else None,
            dt.time.fromisoformat(closes) if closes else None,
            byday,
            freq,
            interval,
            dt.date.fromisoformat(valid_from) if valid_from else None,
            dt.date.fromisoformat(valid_to) if valid_to else None,
            description,
            notes,
        )


# What the rules here read: a schedule row, or its detached facts.
ScheduleLike = Schedule | ScheduleFacts


def format_minutes(minutes: int) -> str:
    """A time of day as the reader's language writes it (Babel's format_time, CLDR patterns):
    "8 am" and "5:30 pm" in English, where a whole hour drops its ":00"; "20:00" in Spanish.
    Lower case is the portal's plain style for am and pm."""
    locale = get_locale() or Locale.parse(DEFAULT_LOCALE)
    moment = time_of(minutes)
    pattern = locale.time_formats["short"]
    if "h" in pattern.pattern:  # a 12-hour clock
        pattern = locale.datetime_skeletons["h" if moment.minute == 0 else "hm"]
    return format_time(moment, pattern, locale=locale).lower()


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def interval_of(schedule: ScheduleLike) -> Interval | None:
    if schedule.opens_at is None or schedule.closes_at is None:
        return None
    start, end = _minutes(schedule.opens_at), _minutes(schedule.closes_at)
    if end == start or (start == 0 and end == MINUTES_PER_DAY - 1):
        return Interval(0, MINUTES_PER_DAY)
    if end < start:
        end += MINUTES_PER_DAY
    return Interval(start, end)


def _day_rules(schedule: ScheduleLike) -> list[tuple[int, int | None]]:
    """(weekday, nth occurrence in the month or None) for each byday entry."""
    if not schedule.byday:
        return [(day, None) for day in range(7)]
    rules = []
    monthly = (schedule.freq or "").upper() == "MONTHLY"
    for part in schedule.byday.upper().replace(" ", "").split(","):
        code, prefix = part[-2:], part[:-2]
        if code not in DAY_CODES:
            continue
        nth = int(prefix) if monthly and prefix.lstrip("+-").isdigit() else None
        rules.append((DAY_CODES.index(code), nth))
    return rules


def _occurs_on(schedule: ScheduleLike, day: dt.date) -> bool:
    if schedule.valid_from and day < schedule.valid_from:
        return False
    if schedule.valid_to and day > schedule.valid_to:
        return False
    for weekday, nth in _day_rules(schedule):
        if weekday != day.weekday():
            continue
        if nth is None:
            return True
        if nth > 0 and (day.day - 1) // 7 + 1 == nth:
            return True
        if nth < 0:
            next_month_same_day = day + dt.timedelta(days=7 * -nth)
            if (
                next_month_same_day.month != day.month
                and (day + dt.timedelta(days=7 * (-nth - 1))).month == day.month
            ):
                return True
    return False


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals as one (several locations or rows of one day)."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            last = merged.pop()
            interval = Interval(last.start, max(last.end, interval.end))
        merged.append(interval)
    return merged


def has_regular_hours(schedules: Iterable[ScheduleLike]) -> bool:
    return any(interval_of(s) is not None for s in schedules)


def week(schedules: Sequence[ScheduleLike], today: dt.date) -> list[DayHours]:
    """The seven days starting Monday of today's week, as the schedules give them."""
    monday = today - dt.timedelta(days=today.weekday())
    names = day_names()
    return [
        day(schedules, monday + dt.timedelta(days=offset), names[offset]) for offset in range(7)
    ]


def is_closure(schedule: ScheduleLike) -> bool:
    return (
        schedule.valid_from is not None and schedule.opens_at is None and schedule.closes_at is None
    )


def closure_on(schedules: Sequence[ScheduleLike], date: dt.date) -> ScheduleLike | None:
    """The closure that covers this date, if any (the one that ends last)."""
    covering = [
        s
        for s in schedules
        if is_closure(s) and s.valid_from is not None and s.valid_from <= date <= _last_day(s)
    ]
    return max(covering, key=_last_day, default=None)


def _last_day(closure: ScheduleLike) -> dt.date:
    last = closure.valid_to or closure.valid_from
    assert last is not None
    return last


def closed_until(schedules: Sequence[ScheduleLike], today: dt.date) -> dt.date | None:
    """The last day of the closure that covers today, following closures that adjoin it."""
    closure = closure_on(schedules, today)
    last = None
    while closure is not None:
        last = _last_day(closure)
        closure = closure_on(schedules, last + dt.timedelta(days=1))
    return last


def day(schedules: Sequence[ScheduleLike], date: dt.date, name: str | None = None) -> DayHours:
    """One date's hours, as the schedules give them."""
    hours = DayHours(weekday=date.weekday(), name=name or day_names()[date.weekday()])
    if (closure := closure_on(schedules, date)) is not None:
        hours.notes.append(closure.description or _("Closed on this date"))
        return hours
    for schedule in schedules:
        interval = interval_of(schedule)
        if interval is None or not _occurs_on(schedule, date):
            continue
        hours.intervals.append(interval)
        if schedule.freq and schedule.freq.upper() == "MONTHLY":
            hours.notes.append(schedule.description or _("Some weeks of the month only"))
    hours.intervals = merge(hours.intervals)
    return hours


def is_open_at(schedules: Sequence[ScheduleLike], moment: dt.datetime) -> bool | None:
    """Open at this local moment? None when the schedules give no regular hours."""
    if not has_regular_hours(schedules):
        return None
    minute = moment.hour * 60 + moment.minute
    today, yesterday = moment.date(), moment.date() - dt.timedelta(days=1)
    # Hours belong to the day they start on: a closure today still lets last night's
    # late hours run out.
    open_today = closure_on(schedules, today) is None
    open_yesterday = closure_on(schedules, yesterday) is None
    for schedule in schedules:
        interval = interval_of(schedule)
        if interval is None:
            continue
        if open_today and _occurs_on(schedule, today) and interval.start <= minute < interval.end:
            return True
        if (
            open_yesterday
            and _occurs_on(schedule, yesterday)
            and minute < interval.end - MINUTES_PER_DAY
        ):
            return True
    return False


def service_open_at(
    status: str, schedules: Sequence[ScheduleLike], moment: dt.datetime
) -> bool | None:
    """Is the service open at this moment: never when it is not active, else as its
    schedules say (None when they give no regular hours)."""
    if status != ServiceStatus.active.value:
        return False
    return is_open_at(schedules, moment)


def notes(schedules: Sequence[ScheduleLike]) -> list[str]:
    """What people should know beyond the weekly hours: by appointment, holidays, …"""
    seen: list[str] = []
    for schedule in schedules:
        for text in (schedule.description, schedule.notes):
            if text and text not in seen:
                seen.append(text)
    return seen


def service_schedules(service: Service) -> list[Schedule]:
    """The hours that count for a service: its own, or else those of its locations."""
    if service.schedules:
        return list(service.schedules)
    found: list[Schedule] = []
    for sal in service.service_at_locations:
        found.extend(sal.schedules or sal.location.schedules)
    return found


def is_regular(schedule: ScheduleLike) -> bool:
    """Weekly hours on fixed days, with no date limits: the same every week."""
    return (
        interval_of(schedule) is not None
        and (schedule.freq or "WEEKLY").upper() == "WEEKLY"
        and not (schedule.interval and schedule.interval > 1)
        and schedule.valid_from is None
        and schedule.valid_to is None
        and all(nth is None for _day, nth in _day_rules(schedule))
    )


def weekly_intervals(schedules: Sequence[ScheduleLike]) -> list[Interval]:
    """Open intervals in minutes from Monday 00:00 (end may pass the end of the week)."""
    found = []
    for schedule in schedules:
        interval = interval_of(schedule)
        if interval is None:
            continue
        for weekday, _nth in _day_rules(schedule):
            offset = weekday * MINUTES_PER_DAY
            found.append(Interval(offset + interval.start, offset + interval.end))
    return found


# --- the weekly editor (portal/providers): a grid of seven days, Monday first ---------------


class HoursError(ValueError):
    """Opening hours that cannot be right; the message says what to change."""


def period(opens: dt.time, closes: dt.time, past_midnight: bool) -> Interval:
    """One opening period as a person enters it. Closing at or before opening is taken as
    running past midnight only when they say so; closing at 12 am is the end of the day."""
    start, end = _minutes(opens), _minutes(closes)
    if past_midnight:
        if end >= start:
            raise HoursError(
                _(
                    "These hours end on the same day. Untick “closes after "
                    "midnight”, or choose a closing time after midnight."
                )
            )
        return Interval(start, end + MINUTES_PER_DAY)
    if end == 0:
        end = MINUTES_PER_DAY
    if end <= start:
        raise HoursError(
            _(
                "The closing time is before the opening time. If these hours run "
                "past midnight, tick “closes after midnight”."
            )
        )
    return Interval(start, end)


def day_periods(periods: Sequence[Interval]) -> list[Interval]:
    """A day's periods in order; overlapping periods are an error, not silently merged."""
    ordered = sorted(periods, key=lambda i: i.start)
    for first, second in itertools.pairwise(ordered):
        if second.start < first.end:
            raise HoursError(
                _("The two periods overlap. Make the second start after the first ends.")
            )
    return ordered


def weekly_grid(schedules: Sequence[ScheduleLike]) -> list[list[Interval]]:
    """The regular weekly hours as seven lists of periods (what the editor shows).
    Irregular schedules (monthly, dated) are not part of it and are left as they are."""
    days: list[list[Interval]] = [[] for _day in range(7)]
    for interval in weekly_intervals([s for s in schedules if is_regular(s)]):
        day = interval.start // MINUTES_PER_DAY
        offset = day * MINUTES_PER_DAY
        days[day].append(Interval(interval.start - offset, interval.end - offset))
    return [merge(periods) for periods in days]


def time_of(minutes: int) -> dt.time:
    hour, minute = divmod(minutes % MINUTES_PER_DAY, 60)
    return dt.time(hour, minute)


def schedule_fields(grid: Sequence[Sequence[Interval]]) -> list[dict]:
    """Schedule column values for a weekly grid; days with the same period share one row.
    Open all day is stored as 00:00–00:00 and past midnight as closes_at < opens_at, the
    forms `interval_of` reads back."""
    days_of: dict[Interval, list[str]] = {}
    for day, periods in enumerate(grid):
        for interval in periods:
            days_of.setdefault(Interval(*interval), []).append(DAY_CODES[day])
    return [
        {
            "freq": "WEEKLY",
            "byday": ",".join(days),
            "opens_at": time_of(interval.start),
            "closes_at": time_of(0 if interval.all_day else interval.end),
        }
        for interval, days in days_of.items()
    ]


def grid_label(grid: Sequence[Sequence[Interval]]) -> str:
    """The week in words, one day after another (for change reviews and history)."""
    names = day_names()
    return "; ".join(
        f"{names[day]}: {DayHours(day, names[day], [Interval(*i) for i in periods]).label()}"
        for day, periods in enumerate(grid)
    )
