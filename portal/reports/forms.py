"""The period chooser of /reports and the admin's population shares."""

from __future__ import annotations

from wtforms import DateField, DecimalField, RadioField, SelectChoice
from wtforms.validators import NumberRange, Optional

from portal.forms import PortalForm
from portal.models import Race
from portal.referrals.forms import RACE_CHOICES
from portal.translated import lazy_gettext as _l


class PeriodForm(PortalForm):
    class Meta:
        csrf = False  # a GET that changes nothing

    period = RadioField(
        _l("Period"),
        choices=[
            SelectChoice("week", _l("Week")),
            SelectChoice("month", _l("Month")),
            SelectChoice("quarter", _l("Quarter")),
            SelectChoice("custom", _l("Custom dates")),
        ],
        default="month",
    )
    day = DateField(
        _l("Any day in the week, month or quarter"),
        validators=[Optional()],
        description=_l("Leave empty for today."),
    )
    start = DateField(_l("From (custom)"), validators=[Optional()])
    end = DateField(_l("To (custom, included)"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        # Here, not in validate_end: Optional() stops the field's chain when it is empty.
        valid = super().validate(extra_validators)
        if not valid or self.period.data != "custom":
            return valid
        if self.start.data is None or self.end.data is None:
            self.end.errors = [*self.end.errors, _l("Enter both dates for a custom period.")]
            return False
        if self.end.data < self.start.data:
            message = _l("The end date cannot be before the start date.")
            self.end.errors = [*self.end.errors, message]
            return False
        return True


class PopulationForm(PortalForm):
    """One percentage per group; empty means not set. Together they come to 100% at most
    (half a point over is allowed for rounding in the census figures)."""

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if sum(float(field.data or 0) for _race, field in share_fields(self)) > 100.5:
            self.form_errors.append(_l("The shares add up to more than 100%."))
            return False
        return True


for _choice in RACE_CHOICES:
    if _choice.value in (Race.declined.value, Race.unknown.value):
        continue
    setattr(
        PopulationForm,
        f"share_{_choice.value.replace('-', '_')}",
        DecimalField(
            _choice.label,
            places=None,
            validators=[
                Optional(),
                NumberRange(min=0, max=100, message=_l("Enter a percentage from 0 to 100.")),
            ],
        ),
    )


def share_fields(form: PopulationForm):
    """(race code, field) for each group the form asks about."""
    for field in form:
        if field.name.startswith("share_"):
            yield field.name.removeprefix("share_").replace("_", "-"), field
