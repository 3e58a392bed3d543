"""Field filters and validators that forms of several blueprints share (a blueprint's forms.py
never imports another's)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, Regexp, StopValidation

# EXCHANGE.md: förbund and insats codes use lowercase letters, digits and "-".
CODE_PATTERN = re.compile(r"^[a-z0-9-]+$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def code_validators(required_message):
    return [
        DataRequired(message=required_message),
        Length(max=40, message=_l("The code can have at most 40 characters.")),
        Regexp(CODE_PATTERN, message=_l("The code can only contain lowercase letters a–z, digits and '-'.")),
    ]


# Control characters other than tab and newline: none is typed, and PostgreSQL refuses NUL in
# text (a login with one answered 500 there, found by tests/security/test_fuzz.py). Staff forms
# refuse them (Form); participant comments drop them (answer/forms.py).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = _l("Remove the invisible control characters (such as NUL) from this field.")


def no_control_characters(_form, field):
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise StopValidation(str(CONTROL_MESSAGE))


class Form(FlaskForm):
    """The base of every staff form: each field refuses control characters first, with a message
    in the user's language, before any other check or a database query sees them."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            validators = [no_control_characters, *(unbound_field.kwargs.get("validators") or [])]
            return unbound_field.bind(form=form, **{**options, "validators": validators})
