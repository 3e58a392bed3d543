"""Filter forms of the results pages: plain GET forms (no CSRF: they change nothing), so filters
work without JavaScript and every filtered page has its own address."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField


class DashboardFilter(Form):
    year = SelectField(_l("Year"))
    insats = SelectField(_l("Intervention"))
    group = SelectField(_l("Respondent group"))
    indicator = SelectField(_l("Indicator in the trend"))


class GenuskompassFilter(Form):
    year = SelectField(_l("Year"))


class NationalFilter(Form):
    year = SelectField(_l("Year"))
    group = SelectField(_l("Respondent group"))
    indicator = SelectField(_l("Indicator for the gap and the trend"))


class CommentsFilter(Form):
    year = SelectField(_l("Year"))


class CompareFilter(Form):
    year = SelectField(_l("Year"))
    group = SelectField(_l("Respondent group"))


class OutcomesFilter(Form):
    year = SelectField(_l("Year"))
    source = SelectField(_l("Source of the outcomes"))
    rate = SelectField(_l("Outcome"))
    after = SelectField(_l("Income source after"))
