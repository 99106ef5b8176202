"""Provider forms: a service, a location, an organization, and the weekly hours editor.

Typed values are normalised as they are read, by WTForms filters that apply the rules of
portal.catalog.cleaning (a value a rule refuses becomes the field's error). Each form's
`proposal()` gives the values in the shape of portal.catalog.fields, which change requests
compare and publish. The service form builds its own choices (locations, categories, details).
"""

from __future__ import annotations

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
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.catalog import cleaning, hours, phones, terms, vocabulary
from portal.forms import PortalForm, cleaned
from portal.models import Organization, Service, ServiceStatus
from portal.translated import lazy_gettext as _l

DAY_MODES = [
    SelectChoice("closed", _l("Closed")),
    SelectChoice("hours", _l("Open these hours")),
    SelectChoice("all_day", _l("Open 24 hours")),
]
PHONE_TYPES = [SelectChoice(code, label) for code, label in phones.TYPE_LABELS.items()]
# What a provider may set (defunct is for admins and imports).
STATUS_CHOICES = [
    SelectChoice(ServiceStatus.active.value, _l("Open (active)")),
    SelectChoice(ServiceStatus.temporarily_closed.value, _l("Temporarily closed")),
    SelectChoice(ServiceStatus.inactive.value, _l("No longer offered (inactive)")),
]
YES_NO_UNKNOWN = [
    SelectChoice("", _l("Not saying")),
    SelectChoice("yes", _l("Yes")),
    SelectChoice("no", _l("No")),
]
MAX_PHONES = 5


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LinesField(TextAreaField):
    """One item a line; once cleaned, its data is the list of items."""

    separator = "\n"

    def _value(self) -> str:
        if isinstance(self.data, list):
            return self.separator.join(self.data)
        return super()._value()


class CommaListField(StringField):
    """Items separated by commas; once cleaned, its data is the list of items."""

    def _value(self) -> str:
        if isinstance(self.data, list):
            return ", ".join(self.data)
        return super()._value()


def _upper(value: str | None) -> str | None:
    return value.upper() if value else value


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
    """A day of the hours grid (portal.catalog.fields) as the day form's data."""
    if any(end - start >= hours.MINUTES_PER_DAY for start, end in periods):
        return {"mode": "all_day"}
    if not periods:
        return {"mode": "closed"}
    data: dict[str, object] = {"mode": "hours"}
    for n, (start, end) in enumerate(periods[:2], start=1):
        data[f"opens_{n}"] = hours.time_of(start)
        data[f"closes_{n}"] = hours.time_of(end)
        data[f"overnight_{n}"] = end > hours.MINUTES_PER_DAY
    return data


class CapacityForm(Form):
    unit_id = HiddenField()
    available = IntegerField(_l("Open now"), validators=[Optional(), NumberRange(0, 100000)])
    maximum = IntegerField(_l("In all"), validators=[Optional(), NumberRange(0, 100000)])


class OpeningForm(Form):
    unit_id = HiddenField()
    available = IntegerField(
        _l("Open now"),
        validators=[
            Optional(),
            NumberRange(0, 100000, _l("Openings must be a whole number from 0 to 100000.")),
        ],
    )


class CapacityUpdateForm(PortalForm):
    """The one-tap capacity update on the provider's service list: each button posts
    `accepting` (keep, yes or no) with the open counts shown beside it."""

    accepting = SelectField(
        _l("Accepting new clients"),
        choices=[SelectChoice("keep", ""), *YES_NO_UNKNOWN[1:]],
        default="keep",
    )
    openings = FieldList(FormField(OpeningForm), min_entries=0)

    def accepting_value(self) -> bool | str:
        return {"yes": True, "no": False}.get(self.accepting.data, "keep")

    def available(self) -> dict[str, int]:
        return {
            row.form.unit_id.data: row.form.available.data
            for row in self.openings
            if row.form.available.data is not None
        }


class PhoneForm(Form):
    number = StringField(_l("Number"), filters=[cleaned(cleaning.clean_phone)])
    extension = IntegerField(_l("Extension"), validators=[Optional(), NumberRange(1, 99999)])
    type = SelectField(_l("Kind"), choices=PHONE_TYPES, default="voice")
    description = StringField(
        _l("Note (for example: after hours)"),
        filters=[cleaned(cleaning.clean_text, cleaning.SHORT_TEXT)],
    )


def _phones(entries) -> list[dict]:
    rows = [entry.form for entry in entries]
    return [
        {
            "number": r.number.data,
            "extension": r.extension.data,
            "type": r.type.data,
            "description": r.description.data,
        }
        for r in rows
        if r.number.data
    ]


def _grid(days) -> list[list[list[int]]]:
    return [[[p.start, p.end] for p in day.form.periods()] for day in days]


def _languages(text: str | None) -> list[str]:
    return sorted(cleaning.clean_lines((text or "").replace(",", "\n"), 80))


class ListingFields(PortalForm):
    """What services, locations and organizations share."""

    name = StringField(
        _l("Name"),
        filters=[cleaned(cleaning.clean_text, cleaning.SHORT_TEXT)],
        validators=[DataRequired(message=_l("Enter the name."))],
    )
    description = TextAreaField(_l("Description"), filters=[cleaned(cleaning.clean_text)])
    phones = FieldList(FormField(PhoneForm), min_entries=1, max_entries=MAX_PHONES)


class HoursFields:
    hours = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
    languages = CommaListField(
        _l("Languages (separate them with commas)"), filters=[cleaned(_languages)]
    )


def _location_choices(organization: Organization, service: Service | None) -> list[SelectChoice]:
    """Where a service can be offered: the organization's own locations, and any other place
    it is already linked to (which can be unlinked, not added anywhere else)."""
    places = {loc.id: loc for loc in organization.locations}
    for sal in service.service_at_locations if service is not None else []:
        places.setdefault(sal.location_id, sal.location)
    return [
        SelectChoice(
            loc.id, loc.name or (loc.physical_address.one_line if loc.physical_address else loc.id)
        )
        for loc in sorted(places.values(), key=lambda loc: loc.name or "")
    ]


def _term_choices(taxonomy_id: str) -> list[SelectChoice]:
    """The terms a service can be filed under, as "Group: term"."""
    choices = [
        SelectChoice(t.id, f"{t.parent.name}: {t.name}" if t.parent else t.name)
        for t in terms.fileable_terms(taxonomy_id)
    ]
    return sorted(choices, key=lambda c: c.label)


class ServiceForm(HoursFields, ListingFields):
    eligibility_description = TextAreaField(
        _l("Who is eligible"), filters=[cleaned(cleaning.clean_text)]
    )
    minimum_age = IntegerField(
        _l("Youngest age served"), validators=[Optional(), NumberRange(0, 120)]
    )
    maximum_age = IntegerField(
        _l("Oldest age served"), validators=[Optional(), NumberRange(0, 120)]
    )
    application_process = TextAreaField(
        _l("How to apply or get started"), filters=[cleaned(cleaning.clean_text)]
    )
    required_documents = LinesField(
        _l("What to bring (one item a line)"), filters=[cleaned(cleaning.clean_lines)]
    )
    url = StringField(_l("Website"), filters=[cleaned(cleaning.clean_url)])
    email = StringField(_l("Email"), filters=[cleaned(cleaning.clean_email)])
    fees_description = TextAreaField(_l("Fees"), filters=[cleaned(cleaning.clean_text)])
    cost_options = LinesField(
        _l("Cost options (one a line)"), filters=[cleaned(cleaning.clean_lines)]
    )
    service_areas = LinesField(
        _l("Areas served (one a line)"), filters=[cleaned(cleaning.clean_lines)]
    )
    locations = MultiCheckboxField(
        _l("Where it is offered (your locations)"), choices=[], validate_choice=True
    )
    categories = MultiCheckboxField(_l("Categories"), choices=[], validate_choice=True)
    details = MultiCheckboxField(
        _l("Payment, ways to get help and who it is for"), choices=[], validate_choice=True
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default=ServiceStatus.active.value)
    alert = TextAreaField(
        _l("Notice for the public (for example why and until when it is closed)"),
        filters=[cleaned(cleaning.clean_text, 500)],
    )
    accepting_new_clients = SelectField(_l("Accepting new clients"), choices=YES_NO_UNKNOWN)
    waitlist_length = IntegerField(
        _l("People on the waitlist"), validators=[Optional(), NumberRange(0, 100000)]
    )
    capacity = FieldList(FormField(CapacityForm), min_entries=0)

    def __init__(self, *args, organization: Organization, service: Service | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.locations.choices = _location_choices(organization, service)
        self.categories.choices = _term_choices(vocabulary.SERVICE_CATEGORIES_TAXONOMY_ID)
        self.details.choices = _term_choices(vocabulary.SERVICE_DETAILS_TAXONOMY_ID)

    def validate_maximum_age(self, field) -> None:
        if (
            field.data is not None
            and self.minimum_age.data is not None
            and field.data < self.minimum_age.data
        ):
            raise ValidationError(_l("The oldest age must not be below the youngest age."))

    def validate_alert(self, field) -> None:
        if self.status.data == ServiceStatus.temporarily_closed and not field.data:
            raise ValidationError(_l("Tell people why the service is closed and until when."))

    def proposal(self) -> dict:
        accepting = {"yes": True, "no": False}.get(self.accepting_new_clients.data)
        return {
            "name": self.name.data,
            "description": self.description.data,
            "eligibility_description": self.eligibility_description.data,
            "minimum_age": self.minimum_age.data,
            "maximum_age": self.maximum_age.data,
            "application_process": self.application_process.data,
            "required_documents": self.required_documents.data,
            "url": self.url.data,
            "email": self.email.data,
            "locations": sorted(self.locations.data),
            "phones": _phones(self.phones),
            "hours": _grid(self.hours),
            "languages": self.languages.data,
            "fees_description": self.fees_description.data,
            "cost_options": self.cost_options.data,
            "service_areas": self.service_areas.data,
            "categories": sorted(self.categories.data),
            "details": sorted(self.details.data),
            "status": self.status.data,
            "alert": self.alert.data,
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
    address_1 = StringField(_l("Street address"), filters=[cleaned(cleaning.clean_text, 255)])
    address_2 = StringField(
        _l("Suite, floor or building (optional)"), filters=[cleaned(cleaning.clean_text, 255)]
    )
    city = StringField(_l("City"), filters=[cleaned(cleaning.clean_text, 255)])
    state_province = StringField(_l("State"), filters=[cleaned(cleaning.clean_text, 2), _upper])
    postal_code = StringField(_l("ZIP code"), filters=[cleaned(cleaning.clean_text, 10)])
    transportation = TextAreaField(
        _l("Getting there (bus, parking)"), filters=[cleaned(cleaning.clean_text)]
    )
    accessibility = LinesField(
        _l("Accessibility (one item a line)"), filters=[cleaned(cleaning.clean_lines)]
    )
    confidential = BooleanField(
        _l("Confidential place: never publish the street address or a map pin"),
        description=_l(
            "For a shelter or a safe house. The public sees only the town and ZIP code, and "
            "distances are given as about."
        ),
    )

    def validate(self, extra_validators=None) -> bool:
        # After every field is cleaned: the city, state and ZIP code come after the street.
        if not super().validate(extra_validators):
            return False
        if self.address_1.data and not (
            self.city.data and self.state_province.data and self.postal_code.data
        ):
            self.address_1.errors.append(
                _l("Give the city, state and ZIP code with the street address.")
            )
            return False
        return True

    def proposal(self) -> dict:
        address = None
        if self.address_1.data:
            address = {
                "address_1": self.address_1.data,
                "address_2": self.address_2.data,
                "city": self.city.data,
                "state_province": self.state_province.data,
                "postal_code": self.postal_code.data,
            }
        return {
            "name": self.name.data,
            "description": self.description.data,
            "address": address,
            "transportation": self.transportation.data,
            "phones": _phones(self.phones),
            "hours": _grid(self.hours),
            "languages": self.languages.data,
            "accessibility": self.accessibility.data,
            "confidential": bool(self.confidential.data),
        }


class OrganizationForm(ListingFields):
    email = StringField(_l("Email"), filters=[cleaned(cleaning.clean_email)])
    website = StringField(_l("Website"), filters=[cleaned(cleaning.clean_url)])

    def proposal(self) -> dict:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "email": self.email.data,
            "website": self.website.data,
            "phones": _phones(self.phones),
        }


def _whole(value):
    """Capacity is stored as a float (HSDS 3.1); the form counts whole beds and slots."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def form_data(values: dict, units=()) -> dict:
    """A record's current values (portal.catalog.fields.current_values) as its form's data."""
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
