"""The base of every form that people type into: it refuses control characters (a NUL byte,
say) in any text field with a clear message, before a value can reach the database
(portal.inputs says why and where else input is checked)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms.validators import Length, Regexp

from portal.catalog.cleaning import EMAIL_MAX, EMAIL_SHAPE
from portal.inputs import has_control_characters


class PortalForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        csrf = self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None
        if csrf is not None and csrf.errors:
            # Flask-WTF words these in English only ("The CSRF token is missing.").
            csrf.label.text = str(_l("Security check"))
            csrf.errors = [_l("This form has expired. Please reload the page and send it again.")]
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
