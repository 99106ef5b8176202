"""Forms for clients, consent, encounters, referrals and the provider inbox."""

from __future__ import annotations

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
    AgeBand,
    ConsentMethod,
    ContactPreference,
    DemographicsBasis,
    Disposition,
    EncounterSource,
    Ethnicity,
    Gender,
    Injuries,
    PoliceRole,
    Race,
    ReferralOutcome,
    Urgency,
)
from portal.referrals import workflow
from portal.translated import lazy_gettext as _l

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
NOT_RECORDED = SelectChoice("", _l("Not recorded"))
TRIAGE_LABELS = {
    1: _l("1 – Routine"),
    2: _l("2 – Moderate"),
    3: _l("3 – Urgent"),
    4: _l("4 – Emergent"),
}
POLICE_ROLE_LABELS = {
    PoliceRole.co_response: _l("Co-response (officer and clinician together)"),
    PoliceRole.backup_requested: _l("Police backup requested"),
    PoliceRole.police_led: _l("Police-led"),
    "not-recorded": _l("Police role not recorded"),
}
POLICE_ROLE_CHOICES = vocabulary_choices(
    PoliceRole, {k: v for k, v in POLICE_ROLE_LABELS.items() if k in set(PoliceRole)}
)
INJURY_CHOICES = vocabulary_choices(
    Injuries,
    {
        Injuries.none: _l("No injuries"),
        Injuries.person: _l("The person was injured"),
        Injuries.responder: _l("A responder was injured"),
        Injuries.both: _l("The person and a responder were injured"),
        Injuries.unknown: _l("Unknown"),
    },
)
RACE_CHOICES = vocabulary_choices(
    Race,
    {
        Race.american_indian_alaska_native: _l("American Indian or Alaska Native"),
        Race.asian: _l("Asian"),
        Race.black: _l("Black or African American"),
        Race.hispanic_latino: _l("Hispanic or Latino"),
        Race.middle_eastern_north_african: _l("Middle Eastern or North African"),
        Race.native_hawaiian_pacific_islander: _l("Native Hawaiian or Pacific Islander"),
        Race.white: _l("White"),
        Race.multiple: _l("More than one"),
        Race.declined: _l("Declined to say"),
        Race.unknown: _l("Unknown"),
    },
)
ETHNICITY_CHOICES = vocabulary_choices(
    Ethnicity,
    {
        Ethnicity.hispanic_latino: _l("Hispanic or Latino"),
        Ethnicity.not_hispanic_latino: _l("Not Hispanic or Latino"),
        Ethnicity.declined: _l("Declined to say"),
        Ethnicity.unknown: _l("Unknown"),
    },
)
GENDER_CHOICES = vocabulary_choices(
    Gender,
    {
        Gender.woman: _l("Woman"),
        Gender.man: _l("Man"),
        Gender.non_binary: _l("Non-binary"),
        Gender.another: _l("Another gender"),
        Gender.declined: _l("Declined to say"),
        Gender.unknown: _l("Unknown"),
    },
)
AGE_BAND_CHOICES = vocabulary_choices(
    AgeBand,
    {
        AgeBand.under_18: _l("Under 18"),
        AgeBand.age_18_24: _l("18 to 24"),
        AgeBand.age_25_34: _l("25 to 34"),
        AgeBand.age_35_44: _l("35 to 44"),
        AgeBand.age_45_54: _l("45 to 54"),
        AgeBand.age_55_64: _l("55 to 64"),
        AgeBand.age_65_plus: _l("65 or older"),
        AgeBand.declined: _l("Declined to say"),
        AgeBand.unknown: _l("Unknown"),
    },
)
BASIS_CHOICES = vocabulary_choices(
    DemographicsBasis,
    {
        DemographicsBasis.self_reported: _l("Said by the person"),
        DemographicsBasis.observed: _l("Observed by the team"),
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


def _optional(label, choices, coerce=str):
    return SelectField(
        label,
        choices=[NOT_RECORDED, *choices],
        validate_choice=True,
        coerce=coerce,
        validators=[Optional()],
    )


def _int_or_none(value):
    return None if value in ("", None) else int(value)


def _yes_no(value):
    return (
        {"": None, "yes": True, "no": False}.get(value, value) if isinstance(value, str) else value
    )


def _later_than_received(form, field) -> None:
    received = form.call_received_at.data
    if field.data is not None and received is not None and field.data < received:
        raise ValidationError(_l("The arrival time cannot be before the call was received."))


def _optional_when(label, *extra):
    return DateTimeLocalField(
        label, format="%Y-%m-%dT%H:%M", validators=[Optional(), _convertible, *extra]
    )


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
    # The optional evaluation section: nothing here is required.
    call_id = _text(_l("911 incident number"), max_length=64)
    call_received_at = _optional_when(_l("Time the call was received"))
    arrived_at = _optional_when(_l("Time the team arrived"), _later_than_received)
    triage_level = _optional(
        _l("Marcus Alert triage level"),
        [SelectChoice(str(level), label) for level, label in TRIAGE_LABELS.items()],
        coerce=_int_or_none,
    )
    police_role = _optional(_l("Police role"), POLICE_ROLE_CHOICES)
    force_used = _optional(
        _l("Was force used?"),
        [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        coerce=_yes_no,
    )
    injuries = _optional(_l("Injuries"), INJURY_CHOICES)
    race = _optional(_l("Race and ethnicity"), RACE_CHOICES)
    ethnicity = _optional(_l("Hispanic or Latino (if asked separately)"), ETHNICITY_CHOICES)
    gender = _optional(_l("Gender"), GENDER_CHOICES)
    age_band = _optional(_l("Age"), AGE_BAND_CHOICES)
    demographics_basis = _optional(_l("These details were"), BASIS_CHOICES)


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
