"""Forms for clients, consent, encounters, referrals and the provider inbox."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal import localtime
from portal.forms import PortalForm, vocabulary_choices
from portal.models import (
    ConsentMethod,
    ContactPreference,
    Disposition,
    EncounterSource,
    ReferralOutcome,
    Urgency,
)
from portal.referrals import workflow

CONTACT_CHOICES = vocabulary_choices(
    ContactPreference,
    {
        ContactPreference.call: _l("Call"),
        ContactPreference.text: _l("Text message"),
        ContactPreference.clinician: _l("Only through the clinician"),
        ContactPreference.do_not_contact: _l("Do not contact"),
    },
)
SOURCE_CHOICES = vocabulary_choices(
    EncounterSource,
    {
        EncounterSource.dispatch: _l("911 center dispatch"),
        EncounterSource.first_responder: _l("Request by another first responder"),
        EncounterSource.outreach: _l("Outreach"),
        EncounterSource.walk_in: _l("Walk-in"),
        EncounterSource.follow_up: _l("Follow-up"),
    },
)
DISPOSITION_CHOICES = vocabulary_choices(
    Disposition,
    {
        Disposition.resolved: _l("Resolved on scene"),
        Disposition.referred: _l("Referred"),
        Disposition.voluntary_transport: _l("Voluntary transport"),
        Disposition.eco: _l("Emergency custody order"),
        Disposition.tdo: _l("Temporary detention order"),
        Disposition.arrest: _l("Arrest"),
        Disposition.declined: _l("Declined services"),
        Disposition.other: _l("Other"),
    },
)
METHOD_CHOICES = vocabulary_choices(
    ConsentMethod,
    {
        ConsentMethod.signed_on_screen: _l("Signed on screen (the person types their name)"),
        ConsentMethod.paper: _l("Signed on paper"),
        ConsentMethod.verbal: _l("Verbal, with a witness"),
    },
)
# Least urgent (the default) first.
URGENCY_CHOICES = vocabulary_choices(Urgency, workflow.URGENCY_LABELS)[::-1]
OUTCOME_CHOICES = [
    SelectChoice("", _l("Choose an outcome")),
    *vocabulary_choices(ReferralOutcome, workflow.OUTCOME_LABELS),
]

SHORT = 200
LONG = 5000


def _text(label, *, required=None, max_length=SHORT, description=None, area=False):
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=_l("At most %(max)d characters.")))
    field = TextAreaField if area else StringField
    return field(label, validators=validators, description=description)


def _convertible(form, field) -> None:
    """A local time the views can turn into UTC: a year like 9999 would overflow there (a 500)."""
    if field.data is not None and not 1 < field.data.year < 9999:
        raise ValidationError(_l("Enter a real date and time."))


def _when(label):
    return DateTimeLocalField(
        label,
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message=_l("Enter the date and time.")), _convertible],
    )


OLDEST_AGE = 120


def _a_real_birthday(form, field) -> None:
    """Not in the future, and within the last 120 years (0001-01-01 is a typing slip)."""
    if field.data is None:
        return
    today = localtime.today()
    if field.data > today:
        raise ValidationError(_l("A date of birth cannot be in the future."))
    if field.data < today.replace(year=today.year - OLDEST_AGE, day=min(today.day, 28)):
        raise ValidationError(_l("Enter a date of birth within the last 120 years."))


class ClientForm(PortalForm):
    name = _text(_l("Name or alias"), required=_l("Enter a name or an alias."))
    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[Optional(), _a_real_birthday],
        description=_l("If known. Otherwise give an approximate age."),
    )
    approximate_age = IntegerField(
        _l("Approximate age"),
        validators=[
            Optional(),
            NumberRange(min=0, max=120, message=_l("Enter an age from 0 to 120.")),
        ],
    )
    phone = _text(_l("Phone"), max_length=40)
    preferred_language = _text(_l("Preferred language"), max_length=100)
    contact_preference = RadioField(
        _l("How may the person be contacted?"),
        choices=CONTACT_CHOICES,
        default=ContactPreference.call.value,
    )
    notes = _text(
        _l("Notes"),
        max_length=LONG,
        area=True,
        description=_l("Only what the program needs. Providers never see these notes."),
    )


class ClientSearchForm(PortalForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Name or alias"), validators=[Optional(), Length(max=SHORT)])


class ConsentForm(PortalForm):
    organization_id = SelectField(
        _l("Organization that receives the information"),
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose the organization."))],
    )
    information = _text(
        _l("Information to share"),
        required=_l("Say what may be shared."),
        max_length=LONG,
        area=True,
        description=_l("For example: name, phone, the reason for the referral."),
    )
    purpose = _text(
        _l("Purpose"),
        required=_l("Say why it is shared."),
        max_length=LONG,
        area=True,
        description=_l("For example: to connect the person with treatment."),
    )
    expires_on = DateField(_l("Expiry date"), validators=[Optional()])
    expiry_event = _text(
        _l("Or the event that ends the consent"),
        max_length=300,
        description=_l("For example: when treatment ends."),
    )
    method = RadioField(
        _l("How was consent given?"),
        choices=METHOD_CHOICES,
        validators=[InputRequired(message=_l("Choose how consent was given."))],
    )
    signature = _text(_l("Signature: the person types their full name"))
    witness_name = _text(_l("Witness name (for verbal consent)"))
    given_at = _when(_l("When consent was given"))


class RevokeConsentForm(PortalForm):
    note = _text(_l("Note about the revocation"), max_length=500)


class EncounterForm(PortalForm):
    client_id = HiddenField()
    occurred_at = _when(_l("When"))
    place = _text(_l("Where (place or address)"))
    postal_code = StringField(
        _l("ZIP code"),
        validators=[Optional(), Length(min=5, max=10, message=_l("Enter a 5-digit ZIP code."))],
    )
    source = SelectField(_l("Source"), choices=SOURCE_CHOICES, validate_choice=True)
    team_members = SelectMultipleField(
        _l("Team members present"),
        choices=[],
        validate_choice=True,
        description=_l("Hold Ctrl (or Cmd) to choose more than one."),
    )
    disposition = SelectField(_l("Disposition"), choices=DISPOSITION_CHOICES, validate_choice=True)
    arrest_eligible = BooleanField(_l("The person could have been arrested"))
    diverted = BooleanField(_l("Diverted from arrest"))
    notes = _text(_l("Notes"), max_length=LONG, area=True)


class ReferralForm(PortalForm):
    """The one referral page: the person (on file or new), the referral, and the consent to
    share with the service's organization when none is in force (portal.referrals.refer)."""

    client_id = SelectField(
        _l("Client"),
        choices=[],
        validate_choice=True,
        validators=[Optional()],
        description=_l("A person on file. For someone new, leave this and fill in below."),
    )
    # No "client" in these labels: the person picking from the list above reads them apart.
    new_name = _text(_l("Name or alias"))
    new_phone = _text(_l("Phone"), max_length=40)
    new_contact_preference = RadioField(
        _l("How may the person be contacted?"),
        choices=CONTACT_CHOICES,
        default=ContactPreference.call.value,
    )
    location_id = SelectField(
        _l("Location"), choices=[], validate_choice=True, validators=[Optional()]
    )
    urgency = RadioField(_l("Urgency"), choices=URGENCY_CHOICES, default=Urgency.routine.value)
    need = _text(
        _l("What the person needs"), required=_l("Say what the person needs."), max_length=500
    )
    note = _text(
        _l("Note for the provider"),
        max_length=LONG,
        area=True,
        description=_l("The provider sees this note. Share only what the consent allows."),
    )
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])
    consent_method = RadioField(
        _l("How was consent given?"),
        choices=METHOD_CHOICES,
        validators=[Optional()],
        description=_l(
            "Leave this empty if the person has not agreed yet: the referral is "
            "then kept as a draft, waiting for consent."
        ),
    )
    consent_information = _text(_l("Information to share"), max_length=LONG, area=True)
    consent_purpose = _text(_l("Purpose of sharing"), max_length=LONG, area=True)
    consent_expires_on = DateField(_l("Expiry date"), validators=[Optional()])
    consent_expiry_event = _text(
        _l("Or the event that ends the consent"),
        max_length=300,
        description=_l("For example: when treatment ends."),
    )
    consent_signature = _text(_l("Signature: the person types their full name"))
    consent_witness_name = _text(_l("Witness name (for verbal consent)"))
    consent_given_at = DateTimeLocalField(
        _l("When consent was given"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), _convertible],
    )


class VersionedForm(PortalForm):
    # The version of the referral the page showed; a change made meanwhile answers 409.
    version = IntegerField(
        widget=HiddenField.widget,
        validators=[InputRequired(message=_l("This form is out of date; reload the page."))],
    )


class StatusForm(VersionedForm):
    to = HiddenField(validators=[DataRequired()])
    reason = _text(_l("Reason"), max_length=500)
    outcome = SelectField(
        _l("Outcome"), choices=OUTCOME_CHOICES, validate_choice=True, validators=[Optional()]
    )
    note = _text(_l("Note"), max_length=LONG, area=True)


class AppointmentForm(VersionedForm):
    appointment_on = DateField(_l("Appointment date"), validators=[Optional()])
    appointment_time = TimeField(
        _l("Appointment time"), validators=[Optional()], description=_l("If known.")
    )


class FollowUpForm(VersionedForm):
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])


class ServiceListForm(PortalForm):
    service_ids = SelectMultipleField(
        _l("Services to include"),
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose at least one service."))],
    )


class NotificationReadForm(PortalForm):
    # Empty: mark all of the signed-in person's notifications as read.
    notification_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
