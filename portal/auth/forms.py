"""Sign-in, MFA, password and session forms."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth import passwords
from portal.catalog import cleaning
from portal.forms import PortalForm, cleaned, email_validators
from portal.translated import lazy_gettext as _l

REQUIRED_EMAIL = DataRequired(message=_l("Enter your email address."))


class LoginForm(PortalForm):
    email = StringField(_l("Email address"), validators=[REQUIRED_EMAIL, *email_validators()])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(
                max=passwords.MAX_LENGTH, message=_l("A password is at most %(max)d characters.")
            ),
        ],
    )


class SecondFactorForm(PortalForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[
            DataRequired(message=_l("Enter the code.")),
            Length(max=40, message=_l("That code is too long.")),
        ],
    )


class TotpForm(PortalForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[
            DataRequired(message=_l("Enter the 6-digit code.")),
            Length(max=10, message=_l("That code is too long.")),
        ],
    )


class ConfirmPasswordForm(PortalForm):
    """Asks for the current password again before a sensitive change (ASVS 3.7.1)."""

    password = PasswordField(
        _l("Your current password"),
        validators=[
            DataRequired(message=_l("Enter your password.")),
            Length(
                max=passwords.MAX_LENGTH, message=_l("A password is at most %(max)d characters.")
            ),
        ],
    )


class ForgotPasswordForm(PortalForm):
    email = StringField(_l("Email address"), validators=[REQUIRED_EMAIL, *email_validators()])


def _password_policy(_form, field) -> None:
    for problem in passwords.problems(field.data or ""):
        raise ValidationError(problem)


class NewPasswordForm(PortalForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            _password_policy,
        ],
        description=_l(
            "At least 12 characters. A few words together are easy to remember and hard to guess."
        ),
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


# As long as user_account.display_name holds.
DISPLAY_NAME_MAX = 200


class AccountDetailsForm(PortalForm):
    """What colleagues see of the signed-in person: providers see a referring clinician's name
    and work phone on the referral."""

    display_name = StringField(
        _l("Your name"),
        filters=[cleaned(cleaning.clean_text, DISPLAY_NAME_MAX)],
        validators=[DataRequired(message=_l("Enter your name as colleagues know you."))],
        description=_l("As colleagues and providers know you, for example: Sam Rivera, LCSW."),
    )
    phone = StringField(
        _l("Work phone"),
        filters=[cleaned(cleaning.clean_phone)],
        description=_l(
            "A number providers can call about your referrals, like 703-555-0100. "
            "Leave it empty to show none."
        ),
    )


class EmptyForm(PortalForm):
    """A button-only form: it carries the CSRF token and nothing else."""
