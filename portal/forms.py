"""The base of every form that people type into: it refuses control characters (a NUL byte,
say) in any text field with a clear message, before a value can reach the database
(PostgreSQL refuses NUL in text and would otherwise turn bad input into a 500)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Length, Regexp

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL_MAX = 254
# A deliberately loose shape: one @, something on each side, a dot in the domain. Whether the
# address is real is proven by the invitation or reset email reaching it.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class PortalForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and _CONTROL.search(field.data):
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
