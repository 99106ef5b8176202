"""The API's query parameters, parsed by WTForms as the pages' forms are.

Each endpoint reads one of the forms below with `parse(FormClass)`; a bad parameter raises
BadParameter naming it, which portal.api.views answers with a JSON 400. A control character
(a NUL byte, say) in any parameter is refused first, before anything reads the value
(portal.inputs).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from flask import request
from wtforms import Field, Form
from wtforms.validators import ValidationError

from portal.api.queries import DEFAULT_PER_PAGE, MAX_PER_PAGE, BadParameter, Paging
from portal.inputs import has_control_characters

TEXT_MAX = 200
MAX_PAGE = 1_000_000
MAX_PROXIMITY_METRES = 1_000_000
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")
FORMATS = ("json", "ndjson")

P = TypeVar("P", bound="Parameters")


class Parameter(Field):
    """One query parameter: its first value; an empty one counts as not given."""

    data: Any  # each kind of parameter holds its own type of value

    def given(self, values: list[str]) -> str | None:
        return values[0] if values and values[0] != "" else None


class TextParameter(Parameter):
    """Words or an id: None when blank, surrounding spaces removed, at most 200 characters."""

    def process_formdata(self, valuelist: list[str]) -> None:
        value = self.given(valuelist)
        if value is None or not value.strip():
            self.data = None
            return
        if len(value) > TEXT_MAX:
            raise ValueError(f"is longer than {TEXT_MAX} characters")
        self.data = value.strip()


class FlagParameter(Parameter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, default=False, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        value = self.given(valuelist)
        if value is None:
            self.data = False
        elif value.lower() in TRUE_WORDS:
            self.data = True
        elif value.lower() in FALSE_WORDS:
            self.data = False
        else:
            raise ValueError("must be true or false")


class CountParameter(Parameter):
    """A whole number from 1 up to `maximum`."""

    def __init__(self, *args, default: int, maximum: int, **kwargs):
        super().__init__(*args, default=default, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist: list[str]) -> None:
        value = self.given(valuelist)
        if value is None:
            return
        try:
            number = int(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not 1 <= number <= self.maximum:
            raise ValueError(f"must be between 1 and {self.maximum}")
        self.data = number


class FormatParameter(Parameter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, default=FORMATS[0], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        value = (self.given(valuelist) or FORMATS[0]).lower()
        if value not in FORMATS:
            raise ValueError(f"must be {' or '.join(FORMATS)}")
        self.data = value


class MomentParameter(TextParameter):
    """A date or date-time in ISO 8601; UTC unless it says otherwise."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data is None:
            return
        try:
            moment = (
                dt.datetime.fromisoformat(self.data)
                if "T" in self.data or " " in self.data
                else dt.datetime.combine(dt.date.fromisoformat(self.data), dt.time())
            )
        except ValueError:
            self.data = None
            raise ValueError(
                "must be an ISO 8601 date or date-time, such as 2026-01-31T12:00:00Z"
            ) from None
        self.data = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class DistanceParameter(TextParameter):
    """A distance in metres, more than 0 and at most 1,000,000."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        if self.data is None:
            return
        try:
            metres = float(self.data)
        except ValueError:
            self.data = None
            raise ValueError("must be a distance in metres") from None
        if not 0 < metres <= MAX_PROXIMITY_METRES:
            self.data = None
            raise ValueError(f"must be between 0 and {MAX_PROXIMITY_METRES:,} metres")
        self.data = metres


class Parameters(Form):
    """The parameters of one endpoint."""


class ListParameters(Parameters):
    """Every list endpoint pages, or streams every result with format=ndjson."""

    format = FormatParameter()
    page = CountParameter(default=1, maximum=MAX_PAGE)
    per_page = CountParameter(default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE)

    def paging(self) -> Paging:
        return Paging(page=self.page.data, per_page=self.per_page.data)


class ServiceFilterParameters(ListParameters):
    search = TextParameter()
    taxonomy_term_id = TextParameter()
    taxonomy_id = TextParameter()
    organization_id = TextParameter()
    modified_after = MomentParameter()
    full = FlagParameter()


class ServiceListParameters(ServiceFilterParameters):
    minimal = FlagParameter()


class PlacementListParameters(ServiceFilterParameters):
    postcode = TextParameter()
    proximity = DistanceParameter()

    def validate_proximity(self, field: Field) -> None:
        if field.data is not None and self.postcode.data is None:
            raise ValidationError("needs a postcode to measure from")


class OrganizationListParameters(ListParameters):
    search = TextParameter()
    full = FlagParameter()
    full_service = FlagParameter()


class OrganizationParameters(Parameters):
    full_service = FlagParameter()


class TaxonomyListParameters(ListParameters):
    search = TextParameter()


class TermListParameters(ListParameters):
    search = TextParameter()
    taxonomy_id = TextParameter()
    top_only = FlagParameter()
    parent_id = TextParameter()


def parse(form_class: type[P]) -> P:
    """The request's query parameters as `form_class`, or BadParameter for the first bad one."""
    for name, values in request.args.lists():
        if any(has_control_characters(value) for value in values):
            raise BadParameter(name, "must not contain control characters")
    params = form_class(request.args)
    if not params.validate():
        name, messages = next(iter(params.errors.items()))
        raise BadParameter(name, str(messages[0]))
    return params
