"""The search form: every search is a GET URL, validated here into SearchParams."""

from __future__ import annotations

import datetime as dt
import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from portal.forms import name_the_fields
from portal.search import MAX_QUERY_LENGTH, SearchParams, geo
from portal.translated import lazy_gettext as _l

DAYS = [
    SelectChoice("mon", _l("Monday")),
    SelectChoice("tue", _l("Tuesday")),
    SelectChoice("wed", _l("Wednesday")),
    SelectChoice("thu", _l("Thursday")),
    SelectChoice("fri", _l("Friday")),
    SelectChoice("sat", _l("Saturday")),
    SelectChoice("sun", _l("Sunday")),
]
MAX_PAGE = 500
DEFAULT_RADIUS_MILES = 10
_ZIP_IN_TEXT = re.compile(r"\b(?:(?:near|in|around)\s+)?(\d{5})\b", re.IGNORECASE)
_NEAR_ME = re.compile(r"\b(?:near|close to|around)\s+me\b|\bnearby\b|\bcerca\b", re.IGNORECASE)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search services"))
    category = SelectMultipleField(_l("Category"), choices=[], validate_choice=True)
    language = SelectMultipleField(_l("Language"), choices=[], validate_choice=True)
    detail = SelectMultipleField(_l("Details"), choices=[], validate_choice=True)
    age = IntegerField(
        _l("Age of the person"),
        invalid_value_message=_l("Age must be a whole number of years, like 34."),
        validators=[Optional(), NumberRange(0, 120, _l("Age must be between 0 and 120."))],
    )
    accepting = BooleanField(_l("Accepting new clients"))
    room = BooleanField(_l("Has room now"))
    open = SelectField(
        _l("Open"),
        choices=[
            SelectChoice("", _l("Any time")),
            SelectChoice("now", _l("Open now")),
            SelectChoice("at", _l("Open at …")),
        ],
        default="",
    )
    day = SelectField(_l("Day"), choices=[SelectChoice("", ""), *DAYS], default="")
    time = StringField(
        _l("Time"),
        validators=[
            Optional(),
            Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Enter a time like 18:30.")),
        ],
    )
    zip = StringField(
        _l("ZIP code"),
        validators=[Optional(), Regexp(r"^\d{5}$", message=_l("Enter a 5-digit ZIP code."))],
    )
    lat = DecimalField(
        _l("Latitude"),
        places=None,
        invalid_value_message=_l("Latitude must be a number, like 38.80."),
        validators=[Optional(), NumberRange(-90, 90, _l("Latitude must be between -90 and 90."))],
    )
    lng = DecimalField(
        _l("Longitude"),
        places=None,
        invalid_value_message=_l("Longitude must be a number, like -77.05."),
        validators=[
            Optional(),
            NumberRange(-180, 180, _l("Longitude must be between -180 and 180.")),
        ],
    )
    radius = DecimalField(
        _l("Within (miles)"),
        places=None,
        invalid_value_message=_l("Distance must be a number of miles, like 5."),
        validators=[
            Optional(),
            NumberRange(0.5, 100, _l("Distance must be between 0.5 and 100 miles.")),
        ],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("relevance", _l("Best match")),
            SelectChoice("distance", _l("Distance")),
        ],
        default="relevance",
    )
    page = IntegerField(
        _l("Page"),
        invalid_value_message=_l("Page must be a whole number, like 2."),
        validators=[
            Optional(),
            NumberRange(1, MAX_PAGE, _l("Page must be between 1 and %(max)s.", max=MAX_PAGE)),
        ],
    )

    def __init__(self, *args, categories=(), languages=(), details=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice(v, label) for v, label in categories]
        self.language.choices = [SelectChoice(v, label) for v, label in languages]
        self.detail.choices = [SelectChoice(v, label) for v, label in details]
        self.near_point: geo.Point | None = None
        self.shortened = False
        self.text_without_zip: str | None = None  # set when the words gave the ZIP code

    def validate_zip(self, field) -> None:
        if field.data:
            self.near_point = geo.zip_centre(field.data)
            if self.near_point is None:
                raise ValidationError(_l("We do not know the ZIP code %(zip)s.", zip=field.data))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        name_the_fields(self)
        if (self.lat.data is None) != (self.lng.data is None) and not (
            self.lat.errors or self.lng.errors
        ):
            self.lng.errors = [
                *self.lng.errors,
                _l("Give both latitude and longitude, or neither."),
            ]
            valid = False
        return valid

    def validate_day(self, field) -> None:
        if self.open.data == "at" and not (field.data and self.time.data):
            raise ValidationError(_l("Choose a day and a time to search by opening hours."))

    def text(self) -> str:
        """The words searched: at most 200 characters, a ZIP code in them taken as "near"."""
        text = (self.q.data or "").strip()
        if len(text) > MAX_QUERY_LENGTH:
            text, self.shortened = text[:MAX_QUERY_LENGTH], True
        return text

    def params(self, now: dt.datetime, per_page: int) -> SearchParams:
        text = self.text()
        near = self.near_point
        if near is None and self.lat.data is not None and self.lng.data is not None:
            near = geo.Point(float(self.lat.data), float(self.lng.data))
        sort = self.sort.data
        if near is None:
            match = _ZIP_IN_TEXT.search(text)
            centre = geo.zip_centre(match.group(1)) if match else None
            if match is not None and centre is not None:
                near, text = centre, " ".join(_ZIP_IN_TEXT.sub(" ", text, count=1).split())
                self.zip.data = match.group(1)
                self.text_without_zip = text
        if (
            near is not None
            and not self.sort.raw_data
            and (self.text_without_zip is not None or _NEAR_ME.search(text))
        ):
            sort = "distance"  # "detox near 22314", "detox near me" (with a location)
        return SearchParams(
            q=text,
            categories=list(self.category.data or []),
            languages=list(self.language.data or []),
            details=list(self.detail.data or []),
            age=self.age.data,
            accepting=bool(self.accepting.data),
            has_room=bool(self.room.data),
            open_at=self._open_at(now),
            near=near,
            radius_miles=float(self.radius.data)
            if self.radius.data is not None
            else (DEFAULT_RADIUS_MILES if near else None),
            sort=sort if near else "relevance",
            page=self.page.data or 1,
            per_page=per_page,
        )

    def _open_at(self, now: dt.datetime) -> dt.datetime | None:
        if self.open.data == "now":
            return now
        if self.open.data == "at" and self.day.data and self.time.data:
            weekday = [day.value for day in DAYS].index(self.day.data)
            date = now.date() + dt.timedelta(days=(weekday - now.weekday()) % 7)
            return dt.datetime.combine(date, dt.time.fromisoformat(self.time.data))
        return None
