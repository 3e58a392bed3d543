from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..accounts import EMAIL_PATTERN
from ..form_fields import Form, code_validators, lower_strip, strip


class ForbundForm(Form):
    code = StringField(_l("Code"), filters=[lower_strip], validators=code_validators(_l("Enter the code of the förbund.")))
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the förbund.")),
        Length(max=200, message=_l("The name can have at most 200 characters.")),
    ])


class ForbundEditForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the förbund.")),
        Length(max=200, message=_l("The name can have at most 200 characters.")),
    ])


def _role_fields():
    # Choices are filled by the view (förbund from the database); checked by survey/accounts.py
    # with our own messages, so WTForms' English "Not a valid choice" never shows.
    role = SelectField(_l("Role"), validate_choice=False)
    forbund = SelectField(_l("Förbund"), validate_choice=False)
    return role, forbund


class UserEditForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[
        Optional(), Length(max=200, message=_l("The name can have at most 200 characters.")),
    ])
    role, forbund = _role_fields()


class UserCreateForm(Form):
    email = StringField(_l("Email address"), filters=[lower_strip], validators=[
        DataRequired(message=_l("Enter the email address.")),
        Length(max=200, message=_l("The email address can have at most 200 characters.")),
        Regexp(EMAIL_PATTERN, message=_l("Enter an email address such as name@example.se.")),
    ])
    name = StringField(_l("Name"), filters=[strip], validators=[
        Optional(), Length(max=200, message=_l("The name can have at most 200 characters.")),
    ])
    role, forbund = _role_fields()
