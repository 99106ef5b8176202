"""Template filters and globals shared by every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_timedelta

from portal.catalog import cleaning, places


def page_url(page: int) -> str:
    """The current URL with another page number, keeping every other query parameter."""
    if request.endpoint is None:  # only a page that matched a route lists pages
        raise RuntimeError("page_url needs a routed request")
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(flat=False)}
    values["page"] = [str(page)]
    return url_for(request.endpoint, **values)


def nice_number(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def ago(moment: dt.datetime | None) -> str:
    """How long ago, in words ("25 minutes ago"), in the reader's language."""
    if moment is None:
        return ""
    return format_timedelta(moment - dt.datetime.now(dt.UTC), add_direction=True)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": (
        format_datetime(d, fmt) if isinstance(d, dt.datetime) else ""
    )
    app.jinja_env.filters["number"] = nice_number
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["public_address_line"] = places.public_address_line
    app.jinja_env.filters["display_name"] = cleaning.display_name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
