"""Provider forms: a service, a location, an organization, and the weekly hours editor.

Each form's `proposal()` gives the cleaned values in the shape portal.catalog.editing
compares and publishes; the cleaning rules themselves live there.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.catalog import editing, hours
from portal.forms import PortalForm

DAY_MODES = [
    SelectChoice("closed", _l("Closed")),
    SelectChoice("hours", _l("Open these hours")),
    SelectChoice("all_day", _l("Open 24 hours")),
]
PHONE_TYPES = [
    SelectChoice("voice", _l("Voice")),
    SelectChoice("text", _l("Text messages")),
    SelectChoice("cell", _l("Mobile")),
    SelectChoice("fax", _l("Fax")),
    SelectChoice("textphone", _l("TTY / textphone")),
    SelectChoice("video", _l("Video")),
]
STATUS_CHOICES = [
    SelectChoice("active", _l("Open (active)")),
    SelectChoice("temporarily closed", _l("Temporarily closed")),
    SelectChoice("inactive", _l("No longer offered (inactive)")),
]
YES_NO_UNKNOWN = [
    SelectChoice("", _l("Not saying")),
    SelectChoice("yes", _l("Yes")),
    SelectChoice("no", _l("No")),
]
MAX_PHONES = 5


def cleaned(rule, *args):
    """A validator that keeps what an editing rule makes of the field's data (as `clean`),
    leaving the typed text to show again if the form has errors."""

    def check(_form, field):
        try:
            field.clean = rule(field.data, *args)
        except editing.EditError as error:
            raise ValidationError(str(error)) from None

    return check


def _c(field):
    return getattr(field, "clean", field.data)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- hours -------------------------------------------------------------------------------


class DayForm(Form):
    mode = SelectField(_l("This day"), choices=DAY_MODES, default="closed")
    opens_1 = TimeField(_l("Opens"), validators=[Optional()])
    closes_1 = TimeField(_l("Closes"), validators=[Optional()])
    overnight_1 = BooleanField(_l("Closes after midnight (next day)"))
    opens_2 = TimeField(_l("Opens again"), validators=[Optional()])
    closes_2 = TimeField(_l("Closes again"), validators=[Optional()])
    overnight_2 = BooleanField(_l("Closes after midnight (next day)"))

    def periods(self) -> list[hours.Interval]:
        if self.mode.data == "all_day":
            return [hours.Interval(0, hours.MINUTES_PER_DAY)]
        if self.mode.data != "hours":
            return []
        return getattr(self, "_periods", [])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.mode.data != "hours":
            return True
        found = []
        for n in ("1", "2"):
            opens, closes = self[f"opens_{n}"], self[f"closes_{n}"]
            if opens.data is None and closes.data is None:
                continue
            if opens.data is None or closes.data is None:
                (opens if opens.data is None else closes).errors.append(
                    _l("Enter both the opening and the closing time.")
                )
                return False
            try:
                found.append(hours.period(opens.data, closes.data, self[f"overnight_{n}"].data))
            except hours.HoursError as error:
                closes.errors.append(str(error))
                return False
        if not found:
            self.opens_1.errors.append(_l("Enter the hours, or choose Closed or Open 24 hours."))
            return False
        try:
            self._periods = hours.day_periods(found)
        except hours.HoursError as error:
            self.opens_2.errors.append(str(error))
            return False
        return True


def day_data(periods: list[list[int]]) -> dict:
    """A day of editing.py's grid as the day form's data."""
    if any(end - start >= hours.MINUTES_PER_DAY for start, end in periods):
        return {"mode": "all_day"}
    if not periods:
        return {"mode": "closed"}
    data = {"mode": "hours"}
    for n, (start, end) in enumerate(periods[:2], start=1):
        data[f"opens_{n}"] = hours.time_of(start)
        data[f"closes_{n}"] = hours.time_of(end)
        data[f"overnight_{n}"] = end > hours.MINUTES_PER_DAY
    return data


class CapacityForm(Form):
    unit_id = HiddenField()
    available = IntegerField(_l("Open now"), validators=[Optional(), NumberRange(0, 100000)])
    maximum = IntegerField(_l("In all"), validators=[Optional(), NumberRange(0, 100000)])


class PhoneForm(Form):
    number = StringField(_l("Number"), validators=[cleaned(editing.clean_phone)])
    extension = IntegerField(_l("Extension"), validators=[Optional(), NumberRange(1, 99999)])
    type = SelectField(_l("Kind"), choices=PHONE_TYPES, default="voice")
    description = StringField(
        _l("Note (for example: after hours)"), validators=[cleaned(editing.clean_text, 255)]
    )


def _phones(entries) -> list[dict]:
    rows = [entry.form for entry in entries]
    return [
        {
            "number": _c(r.number),
            "extension": r.extension.data,
            "type": r.type.data,
            "description": _c(r.description),
        }
        for r in rows
        if _c(r.number)
    ]


def _grid(days) -> list[list[list[int]]]:
    return [[[p.start, p.end] for p in day.form.periods()] for day in days]


def _languages(text: str | None) -> list[str]:
    return sorted(editing.clean_lines((text or "").replace(",", "\n"), 80))


class ListingFields(PortalForm):
    """What services, locations and organizations share."""

    name = StringField(
        _l("Name"),
        validators=[InputRequired(message=_l("Enter the name.")), cleaned(editing.clean_name)],
    )
    description = TextAreaField(_l("Description"), validators=[cleaned(editing.clean_text)])
    phones = FieldList(FormField(PhoneForm), min_entries=1, max_entries=MAX_PHONES)


class HoursFields:
    hours = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
    languages = StringField(
        _l("Languages (separate them with commas)"), validators=[cleaned(_languages)]
    )


class ServiceForm(HoursFields, ListingFields):
    eligibility_description = TextAreaField(
        _l("Who is eligible"), validators=[cleaned(editing.clean_text)]
    )
    minimum_age = IntegerField(
        _l("Youngest age served"), validators=[Optional(), NumberRange(0, 120)]
    )
    maximum_age = IntegerField(
        _l("Oldest age served"), validators=[Optional(), NumberRange(0, 120)]
    )
    application_process = TextAreaField(
        _l("How to apply or get started"), validators=[cleaned(editing.clean_text)]
    )
    required_documents = TextAreaField(
        _l("What to bring (one item a line)"), validators=[cleaned(editing.clean_lines)]
    )
    url = StringField(_l("Website"), validators=[cleaned(editing.clean_url)])
    email = StringField(_l("Email"), validators=[cleaned(editing.clean_email)])
    fees_description = TextAreaField(_l("Fees"), validators=[cleaned(editing.clean_text)])
    cost_options = TextAreaField(
        _l("Cost options (one a line)"), validators=[cleaned(editing.clean_lines)]
    )
    service_areas = TextAreaField(
        _l("Areas served (one a line)"), validators=[cleaned(editing.clean_lines)]
    )
    locations = MultiCheckboxField(
        _l("Where it is offered (your locations)"), choices=[], validate_choice=True
    )
    categories = MultiCheckboxField(_l("Categories"), choices=[], validate_choice=True)
    details = MultiCheckboxField(
        _l("Payment, ways to get help and who it is for"), choices=[], validate_choice=True
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="active")
    alert = TextAreaField(
        _l("Notice for the public (for example why and until when it is closed)"),
        validators=[cleaned(editing.clean_text, 500)],
    )
    accepting_new_clients = SelectField(_l("Accepting new clients"), choices=YES_NO_UNKNOWN)
    waitlist_length = IntegerField(
        _l("People on the waitlist"), validators=[Optional(), NumberRange(0, 100000)]
    )
    capacity = FieldList(FormField(CapacityForm), min_entries=0)

    def validate_maximum_age(self, field) -> None:
        if (
            field.data is not None
            and self.minimum_age.data is not None
            and field.data < self.minimum_age.data
        ):
            raise ValidationError(_l("The oldest age must not be below the youngest age."))

    def validate_alert(self, field) -> None:
        if self.status.data == "temporarily closed" and not _c(field):
            raise ValidationError(_l("Tell people why the service is closed and until when."))

    def proposal(self) -> dict:
        accepting = {"yes": True, "no": False}.get(self.accepting_new_clients.data)
        return {
            "name": _c(self.name),
            "description": _c(self.description),
            "eligibility_description": _c(self.eligibility_description),
            "minimum_age": self.minimum_age.data,
            "maximum_age": self.maximum_age.data,
            "application_process": _c(self.application_process),
            "required_documents": _c(self.required_documents),
            "url": _c(self.url),
            "email": _c(self.email),
            "locations": sorted(self.locations.data),
            "phones": _phones(self.phones),
            "hours": _grid(self.hours),
            "languages": _c(self.languages),
            "fees_description": _c(self.fees_description),
            "cost_options": _c(self.cost_options),
            "service_areas": _c(self.service_areas),
            "categories": sorted(self.categories.data),
            "details": sorted(self.details.data),
            "status": self.status.data,
            "alert": _c(self.alert),
            "accepting_new_clients": accepting,
            "waitlist_length": self.waitlist_length.data,
            "capacity": sorted(
                (
                    {
                        "unit_id": row.form.unit_id.data,
                        "available": row.form.available.data,
                        "maximum": row.form.maximum.data,
                    }
                    for row in self.capacity
                    if row.form.available.data is not None
                ),
                key=lambda c: c["unit_id"],
            ),
        }


class LocationForm(HoursFields, ListingFields):
    address_1 = StringField(_l("Street address"), validators=[cleaned(editing.clean_text, 255)])
    address_2 = StringField(
        _l("Suite, floor or building (optional)"), validators=[cleaned(editing.clean_text, 255)]
    )
    city = StringField(_l("City"), validators=[cleaned(editing.clean_text, 255)])
    state_province = StringField(_l("State"), validators=[cleaned(editing.clean_text, 2)])
    postal_code = StringField(_l("ZIP code"), validators=[cleaned(editing.clean_text, 10)])
    transportation = TextAreaField(
        _l("Getting there (bus, parking)"), validators=[cleaned(editing.clean_text)]
    )
    accessibility = TextAreaField(
        _l("Accessibility (one item a line)"), validators=[cleaned(editing.clean_lines)]
    )

    def validate(self, extra_validators=None) -> bool:
        # After every field is cleaned: the city, state and ZIP code come after the street.
        if not super().validate(extra_validators):
            return False
        if _c(self.address_1) and not (
            _c(self.city) and _c(self.state_province) and _c(self.postal_code)
        ):
            self.address_1.errors.append(
                _l("Give the city, state and ZIP code with the street address.")
            )
            return False
        return True

    def proposal(self) -> dict:
        address = None
        if _c(self.address_1):
            address = {
                "address_1": _c(self.address_1),
                "address_2": _c(self.address_2),
                "city": _c(self.city),
                "state_province": _c(self.state_province).upper(),
                "postal_code": _c(self.postal_code),
            }
        return {
            "name": _c(self.name),
            "description": _c(self.description),
            "address": address,
            "transportation": _c(self.transportation),
            "phones": _phones(self.phones),
            "hours": _grid(self.hours),
            "languages": _c(self.languages),
            "accessibility": _c(self.accessibility),
        }


class OrganizationForm(ListingFields):
    email = StringField(_l("Email"), validators=[cleaned(editing.clean_email)])
    website = StringField(_l("Website"), validators=[cleaned(editing.clean_url)])

    def proposal(self) -> dict:
        return {
            "name": _c(self.name),
            "description": _c(self.description) or "",
            "email": _c(self.email),
            "website": _c(self.website),
            "phones": _phones(self.phones),
        }


def _whole(value):
    """Capacity is stored as a float (HSDS 3.1); the form counts whole beds and slots."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def form_data(values: dict, units=()) -> dict:
    """A record's current values (editing.current_values) as its form's data."""
    data = dict(values)
    for name in ("required_documents", "cost_options", "service_areas", "accessibility"):
        if name in data:
            data[name] = "\n".join(data[name])
    if "languages" in data:
        data["languages"] = ", ".join(data["languages"])
    if "hours" in data:
        data["hours"] = [day_data(day) for day in data["hours"]]
    if "phones" in data:
        data["phones"] = [*data["phones"], {}][:MAX_PHONES]
    if "accepting_new_clients" in data:
        data["accepting_new_clients"] = {True: "yes", False: "no"}.get(
            data["accepting_new_clients"], ""
        )
    if data.get("address"):
        data.update(data.pop("address"))
    if "capacity" in data:
        known = {c["unit_id"]: c for c in data["capacity"]}
        data["capacity"] = [
            {
                "unit_id": unit.id,
                **{k: _whole(v) for k, v in known.get(unit.id, {}).items() if k != "unit_id"},
            }
            for unit in units
        ]
    return data
