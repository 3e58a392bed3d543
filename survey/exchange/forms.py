"""Forms of the data exchange area. Choices that depend on the instrument, the language or the
user's förbund are filled in by the views."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError
from ..form_fields import Form


class UploadForm(Form):
    kind = SelectField(_l("What the file holds"), choices=[
        ("responses", _l("Questionnaire responses")), ("avslut", _l("Avslut records")),
    ], validators=[DataRequired(message=_l("Choose what the file holds."))])
    file = FileField(_l("File (CSV or Excel .xlsx)"),
                     validators=[FileRequired(message=_l("Choose a file to upload."))])
    create_insats = BooleanField(_l("Add insats codes that do not exist yet"))


class ConfirmForm(Form):
    """Only the CSRF token: the upload itself stays on the server."""


class WholeNumber:
    def __init__(self, low: int, high: int, message):
        self.low, self.high, self.message = low, high, message

    def __call__(self, form, field):
        text = (field.data or "").strip()
        if not text:
            return
        if not re.fullmatch(r"\d{1,4}", text) or not self.low <= int(text) <= self.high:
            raise ValidationError(self.message)


class AvslutForm(Form):
    """One anonymous avslut record (OUTCOMES.md): no name, personal number or date of birth."""
    insats = SelectField(_l("Insats"), validators=[Optional()])
    year = StringField(_l("Year the intervention ended"), validators=[
        DataRequired(message=_l("Enter the year the intervention ended.")),
        WholeNumber(2000, date.today().year + 1, _l("Enter a year with four digits, at the latest next year.")),
    ])
    kon = SelectField(_l("Gender"), validators=[DataRequired(message=_l("Choose the gender. If it was not stated, choose that option."))])
    alder = SelectField(_l("Age"), validators=[Optional()])
    manader = StringField(_l("Months in the intervention"), validators=[
        WholeNumber(0, 120, _l("Enter the months as a whole number from 0 to 120.")),
    ])
    forsorjning_fore = SelectField(_l("Income source before"), validators=[Optional()])
    forsorjning_efter = SelectField(_l("Income source after"), validators=[Optional()])
    utfall = SelectField(_l("Outcome after the intervention"), validators=[
        DataRequired(message=_l("Choose the outcome. If it is not known, choose \"don't know\"."))])
