"""The program's time zone (PORTAL_TIMEZONE). Times are stored in UTC; people type and read
wall-clock times there, schedules are wall times there, and days begin at its midnight."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


def today(at: dt.datetime | None = None) -> dt.date:
    """The local date now, or at an aware time."""
    return (at.astimezone(zone()) if at is not None else dt.datetime.now(zone())).date()


def wall_now() -> dt.datetime:
    """Now as a naive wall-clock time (what schedules and forms use)."""
    return dt.datetime.now(zone()).replace(tzinfo=None)


def to_utc(wall: dt.datetime) -> dt.datetime:
    """A naive wall-clock time, as an aware UTC time."""
    return wall.replace(tzinfo=zone()).astimezone(dt.UTC)


def midnight_utc(day: dt.date) -> dt.datetime:
    """The start of a local day, as an aware UTC time."""
    return to_utc(dt.datetime.combine(day, dt.time(0)))
