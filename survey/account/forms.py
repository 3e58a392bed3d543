from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..accounts import MAX_PASSWORD_LENGTH
from ..form_fields import Form


def _new_password_fields():
    new = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(max=MAX_PASSWORD_LENGTH, message=_l("The password can have at most %(n)s characters.",
                                                   n=MAX_PASSWORD_LENGTH)),
    ])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_l("Enter the new password again.")),
        EqualTo("new_password", message=_l("The two passwords are not the same.")),
    ])
    return new, confirm


class SetPasswordForm(Form):
    new_password, confirm = _new_password_fields()


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")),
        Length(max=MAX_PASSWORD_LENGTH, message=_l("The current password is wrong.")),
    ])
    new_password, confirm = _new_password_fields()
