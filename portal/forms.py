"""The base of every form that people type into: it refuses control characters (a NUL byte,
say) in any text field with a clear message, before a value can reach the database
(portal.inputs says why and where else input is checked)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms.validators import Length, Regexp

from portal.catalog.cleaning import EMAIL_MAX, EMAIL_SHAPE
from portal.inputs import has_control_characters
from portal.translated import lazy_gettext as _l


def _plain_messages(field) -> dict[str, Any]:
    """WTForms' built-in messages, which do not say which field they mean, and the portal's
    plain words for each, naming the field by its label."""
    label = field.label.text if field.label else field.name
    return {
        field.gettext("Not a valid integer value."): _l(
            "%(field)s must be a whole number.", field=label
        ),
        field.gettext("Not a valid decimal value."): _l("%(field)s must be a number.", field=label),
        field.gettext("Not a valid float value."): _l("%(field)s must be a number.", field=label),
        field.gettext("Not a valid datetime value."): _l(
            "%(field)s must be a date and time.", field=label
        ),
        field.gettext("Not a valid choice."): _l(
            "Choose one of the options listed for “%(field)s”.", field=label
        ),
        field.gettext("This field is required."): _l("%(field)s is required.", field=label),
        field.gettext("Not a valid date value."): _l(
            "%(field)s must be a date, like 2026-03-31.", field=label
        ),
    }


def name_the_fields(form) -> None:
    """Every error names its field in plain words (WTForms' own say "Not a valid choice")."""
    for field in form:
        if not field.errors:
            continue
        if not isinstance(field.errors, list):  # a FormField's errors are its fields'
            continue
        plain = _plain_messages(field)
        # "'xx' is not a valid choice for this field." (one value or several)
        choice_tails = {
            field.ngettext(
                "'%(value)s' is not a valid choice for this field.",
                "'%(value)s' are not valid choices for this field.",
                count,
            ).split("%(value)s")[-1]
            for count in (1, 2)
        }
        unread = [str(m) for m in field.process_errors]  # a value that could not be read
        others = [m for m in field.errors if str(m) not in unread]
        if any(m not in plain for m in unread):
            # The field's own words for it ("Distance must be a number of miles") say all;
            # a range check that then saw no value would only confuse.
            messages = list(field.process_errors)
        elif unread and others:
            messages = others  # the form's own messages say it better than WTForms'
        else:
            messages = field.errors
        field.errors = [
            plain[field.gettext("Not a valid choice.")]
            if str(message).endswith(tuple(choice_tails))
            else plain.get(str(message), message)
            for message in messages
        ]


class PortalForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        csrf = self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None
        if csrf is not None and csrf.errors:
            # Flask-WTF words these in English only ("The CSRF token is missing.").
            csrf.label.text = str(_l("Security check"))
            csrf.errors = [_l("This form has expired. Please reload the page and send it again.")]
        name_the_fields(self)
        for field in self:
            # What was sent, before any filter cleaned it.
            sent = [*(getattr(field, "raw_data", None) or []), field.data]
            if any(has_control_characters(value) for value in sent):
                field.errors = [
                    *field.errors,
                    _l("Remove the special or invisible characters and try again."),
                ]
                valid = False
        return valid


def email_validators():
    return [
        Length(max=EMAIL_MAX, message=_l("An email address is at most %(max)d characters.")),
        Regexp(EMAIL_SHAPE, message=_l("Enter an email address like name@example.org.")),
    ]


def cleaned(rule, *args):
    """A WTForms filter that normalises a field's value with a cleaning rule (e.g.
    portal.catalog.cleaning.clean_phone); a value the rule refuses (a ValueError) becomes the
    field's error, and the typed text stays in the field to be corrected."""

    def clean(value):
        return rule(value, *args)

    return clean


def vocabulary_choices(
    vocabulary: type[enum.StrEnum], labels: Mapping[str, Any]
) -> list[SelectChoice]:
    """A choice for every value of a vocabulary (a StrEnum of portal.models), in its order,
    with its label; a value left without a label fails when the module loads."""
    missing = [member.value for member in vocabulary if member not in labels]
    if missing:
        raise LookupError(f"{vocabulary.__name__} values without a label: {missing}")
    return [SelectChoice(member.value, labels[member]) for member in vocabulary]
