from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..campaigns.forms import code_validators, lower_strip, strip


class ForbundForm(FlaskForm):
    code = StringField(_l("Code"), filters=[lower_strip], validators=code_validators(_l("Enter the code of the förbund.")))
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the förbund.")),
        Length(max=200, message=_l("The name can have at most 200 characters.")),
    ])
