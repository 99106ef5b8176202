"""Admin forms for listings: review decisions, problem notes, organizations, the taxonomy."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm
from portal.translated import lazy_gettext as _l

NOTE_MAX = 2000


class DecisionForm(PortalForm):
    comment = TextAreaField(
        _l("Comment for the provider (required to reject)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )


class ResolveForm(PortalForm):
    note = TextAreaField(
        _l("What was done"),
        validators=[
            DataRequired(message=_l("Say what was done about the report.")),
            Length(max=NOTE_MAX),
        ],
    )


class OrganizationAdminForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the organization's name.")), Length(max=255)],
    )
    trusted = BooleanField(_l("Trusted: publishes capacity and status changes without review"))
    staff = SelectMultipleField(
        _l("Provider staff who look after its listings"),
        choices=[],
        validate_choice=True,
        description=_l("Hold Ctrl (or Cmd) to choose more than one."),
    )


class TermForm(PortalForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=_l("Enter the term's name.")), Length(max=255)]
    )
    parent = SelectField(_l("Under"), choices=[], validate_choice=True)


class MergeForm(PortalForm):
    into = SelectField(
        _l("Merge into"),
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose the term to merge into."))],
    )
