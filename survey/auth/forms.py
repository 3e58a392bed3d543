from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length
from ..form_fields import Form


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(message=_l("Enter your email address.")), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)])


def _code_field(label):
    return StringField(label, validators=[DataRequired(message=_l("Enter the code.")), Length(max=40)])


class CodeForm(Form):
    """The second step of the login: a code from the app, or a recovery code."""
    code = _code_field(_l("Code"))


class EnrolForm(Form):
    code = _code_field(_l("Code from the app"))


class DisableTwoFactorForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)])
    code = _code_field(_l("Code from the app, or a recovery code"))


class NewRecoveryCodesForm(Form):
    code = _code_field(_l("Code from the app, or a recovery code"))
