"""Admin forms: invite, change role, the audit log filters and the HSDS import."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal import audit
from portal.forms import PortalForm, email_validators
from portal.models import Role
from portal.translated import lazy_gettext as _l

ROLE_CHOICES = [
    SelectChoice(Role.clinician.value, _l("Clinician (co-response team)")),
    SelectChoice(Role.provider.value, _l("Provider staff")),
    SelectChoice(Role.supervisor.value, _l("Program supervisor")),
    SelectChoice(Role.admin.value, _l("Administrator")),
]
ORGANIZATIONS_HELP = _l(
    "For provider staff: the organizations whose listings and referrals "
    "they work on. Hold Ctrl (or Cmd) to choose more than one."
)


class RoleFields:
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=True)
    organizations = SelectMultipleField(
        _l("Organizations"), choices=[], validate_choice=True, description=ORGANIZATIONS_HELP
    )

    def validate_organizations(self, field) -> None:
        if self.role.data == Role.provider.value and not field.data:
            raise ValidationError(_l("Choose at least one organization for provider staff."))


class InviteForm(RoleFields, PortalForm):
    email = StringField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter the person's email address.")),
            *email_validators(),
        ],
    )


class RoleForm(RoleFields, PortalForm):
    pass


class ImportForm(PortalForm):
    file = FileField(
        _l("HSDS file"),
        validators=[
            FileRequired(message=_l("Choose a file to import.")),
            FileAllowed(
                ["json", "ndjson", "jsonl", "csv", "zip"],
                _l("Choose a .json, .ndjson, .jsonl, .csv or .zip file."),
            ),
        ],
        description=_l(
            "HSDS 3.0 JSON (.json, or .ndjson/.jsonl: one record a line), one HSDS CSV "
            "file (.csv), or a zip of an HSDS "
            "3.0 data package, of older HSDS 1.x/2.0 CSV files, or of JSON files."
        ),
    )
    dry_run = BooleanField(_l("Check only (dry run): report problems, save nothing"))


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    who = StringField(
        _l("Who (email address or part of it)"), validators=[Optional(), Length(max=254)]
    )
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("Any action"))] + [SelectChoice(a, a) for a in audit.ACTIONS],
        validate_choice=True,
        validators=[Optional()],
    )
    record_type = StringField(_l("Record type"), validators=[Optional(), Length(max=40)])
    record_id = StringField(_l("Record id"), validators=[Optional(), Length(max=64)])
    start = DateField(_l("From (date)"), validators=[Optional()])
    end = DateField(_l("To (date)"), validators=[Optional()])

    def filters(self) -> audit.Filters:
        return audit.Filters(
            actor=self.who.data or None,
            action=self.action.data or None,
            record_type=self.record_type.data or None,
            record_id=self.record_id.data or None,
            start=self.start.data,
            end=self.end.data,
        )


class ConsentWordingForm(PortalForm):
    information = TextAreaField(
        _l("Information to share"),
        validators=[DataRequired(message=_l("Say what may be shared.")), Length(max=5000)],
    )
    purpose = TextAreaField(
        _l("Purpose of sharing"),
        validators=[DataRequired(message=_l("Say why it is shared.")), Length(max=5000)],
    )
    expiry_days = IntegerField(
        _l("Days until the consent expires"),
        validators=[
            InputRequired(message=_l("Enter a number of days.")),
            NumberRange(min=1, max=3650, message=_l("Enter from 1 to 3650 days.")),
        ],
    )
