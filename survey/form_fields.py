"""Field filters and validators that forms of several blueprints share (a blueprint's forms.py
never imports another's)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length, Regexp

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
