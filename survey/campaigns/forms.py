"""Forms for insatser and campaigns. Choices that depend on the user and the database are filled
in by the views; the checks that need the database (uniqueness, ownership) live there too."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..form_fields import Form, code_validators, lower_strip, strip

EARLIEST_YEAR, LATEST_YEAR = 2010, 2100


class WholeNumberField(IntegerField):
    """A whole number (days, codes), with our own message for anything else (WTForms' is English)."""

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        if not text.isdigit() or len(text) > 3:
            self.data = None
            raise ValueError(str(self.invalid_message))
        self.data = int(text)


class DayField(DateField):
    """A date as YYYY-MM-DD with our own messages: WTForms' default reports an empty field and a
    wrong one the same way, and in English only."""

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        self.raw_text = text
        if not text:
            self.data = None
            return
        try:
            self.data = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None
        if not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(str(_l("Enter a date between the years %(a)s and %(b)s.", a=EARLIEST_YEAR, b=LATEST_YEAR)))


class ClearSelectField(SelectField):
    """A select whose "not one of the choices" message says what to do (a tampered or stale form)."""

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data not in {self.coerce(value) for value, _label in self.choices or ()}:
            raise ValidationError(str(self.invalid_message or _l("Choose one of the options.")))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {v for v, _label in self.choices or ()}
        if any(v not in known for v in self.data or ()):
            raise ValidationError(str(_l("Choose only from the listed optional questions.")))


def int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # fails the choice check with a clear message, never a 500


class InsatsForm(Form):
    forbund = ClearSelectField(
        _l("Förbund"), coerce=int_or_none,
        validators=[InputRequired(message=_l("Choose the förbund."))],
        invalid_message=_l("Choose one of the listed förbund."),
    )
    code = StringField(_l("Code"), filters=[lower_strip], validators=code_validators(_l("Enter the code of the insats.")))
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the insats.")),
        Length(max=200, message=_l("The name can have at most 200 characters.")),
    ])

    def validate_forbund(self, field):
        if field.data is None:
            raise ValidationError(str(_l("Choose the förbund.")))


class CampaignForm(Form):
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(message=_l("Enter a title for the campaign.")),
        Length(max=200, message=_l("The title can have at most 200 characters.")),
    ])
    public_title = StringField(_l("Heading for participants (optional)"), filters=[strip], validators=[
        Length(max=200, message=_l("The heading can have at most 200 characters.")),
    ])
    forbund = ClearSelectField(
        _l("Förbund"), coerce=int_or_none, invalid_message=_l("Choose one of the listed förbund."),
    )
    respondent_group = ClearSelectField(
        _l("Respondent group"), validators=[DataRequired(message=_l("Choose the respondent group."))],
        invalid_message=_l("Choose one of the listed respondent groups."),
    )
    insats = ClearSelectField(
        _l("Insats (intervention)"), coerce=int_or_none,
        invalid_message=_l("Choose one of the listed insatser."),
    )
    instrument_version = ClearSelectField(
        _l("Instrument version"), validators=[DataRequired(message=_l("Choose the instrument version."))],
        invalid_message=_l("Choose one of the listed instrument versions."),
    )
    opens_on = DayField(
        _l("Opens on"), validators=[InputRequired(message=_l("Enter the date the campaign opens."))],
        invalid_message=_l("Enter the opening date as year-month-day, for example 2025-03-01."),
    )
    closes_on = DayField(
        _l("Closes on"), validators=[InputRequired(message=_l("Enter the date the campaign closes."))],
        invalid_message=_l("Enter the closing date as year-month-day, for example 2025-03-31."),
    )
    send_grace_days = WholeNumberField(
        _l("Days to send after closing"),
        validators=[InputRequired(message=_l("Enter a number of days from 0 to 30.")),
                    NumberRange(min=0, max=30, message=_l("Enter a number of days from 0 to 30."))],
        invalid_message=_l("Enter a number of days from 0 to 30."),
    )
    optional_questions = CheckboxesField(_l("Optional questions"))
    uses_codes = BooleanField(_l("Answered with single-use codes"))

    def validate_forbund(self, field):
        if field.data is None:
            raise ValidationError(str(_l("Choose the förbund.")))

    def validate_closes_on(self, field):
        opens = self.opens_on.data
        if isinstance(opens, date) and isinstance(field.data, date) and field.data < opens:
            raise ValidationError(str(_l("The closing date must be the same as or after the opening date.")))

    def check_against_instrument(self, *, forbund_id, insats_forbund: dict[int, int], campaign=None,
                                 has_responses: bool = False) -> bool:
        """Rules that need the instrument and the database. Runs after the field checks, skips what
        they already rejected (so every problem is reported at once), adds messages to the fields
        and says whether all passed."""
        from indicators.instrument import instruments

        from ..i18n import current_language

        instrument = instruments().get(self.instrument_version.data)
        if instrument is None:
            return False  # the version field has its message already
        group = self.respondent_group.data
        ok = True

        def fail(field, message):
            nonlocal ok
            field.errors.append(str(message))
            ok = False

        if self.respondent_group.errors:
            return False
        if group not in instrument.groups:
            fail(self.respondent_group, _l("This respondent group is not part of instrument version %(v)s.",
                                           v=instrument.version))
            return False
        group_label = instrument.label(instrument.groups[group]["label"], current_language())
        insats_id = self.insats.data
        if not self.insats.errors:
            if insats_id is None and instrument.is_participant_group(group):
                fail(self.insats, _l("Choose the insats the participants take part in: a participant campaign "
                                     "always belongs to an insats."))
            elif insats_id is not None and forbund_id is not None and insats_forbund.get(insats_id) != forbund_id:
                fail(self.insats, _l("The chosen insats belongs to another förbund. Choose an insats of the "
                                     "campaign's förbund."))
        allowed = {q.id for q in instrument.optional_questions(group)}
        wrong = [qid for qid in self.optional_questions.data or () if qid not in allowed]
        if wrong and not self.optional_questions.errors:
            fail(self.optional_questions, _l(
                "“%(questions)s” is not asked of %(group)s. Untick it or choose another respondent group.",
                questions="”, “".join(dict(self.optional_questions.choices).get(q, q) for q in wrong),
                group=group_label))
        if campaign is not None and has_responses:
            # Stored responses carry the campaign's group, version, förbund and insats: changing
            # them afterwards would make the campaign describe answers it did not collect.
            frozen = [
                (self.respondent_group, campaign.respondent_group, group),
                (self.instrument_version, campaign.instrument_version, instrument.version),
                (self.insats, campaign.insats_id, insats_id),
            ]
            if "forbund" in self._fields:
                frozen.append((self.forbund, campaign.forbund_id, forbund_id))
            for field, before, after in frozen:
                if before != after and not field.errors:
                    fail(field, _l("The campaign already has responses, so this cannot be changed. "
                                   "Create a new campaign instead."))
        return ok


class ParticipantInformationForm(Form):
    """Whom participants may contact, shown on "Om enkäten och dina uppgifter" and in the
    accessibility statement (the rest of those pages is the same for every förbund)."""
    contact_email = StringField(_l("E-mail for questions"), filters=[strip], validators=[
        Length(max=200, message=_l("At most 200 characters.")),
        Regexp(r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address like namn@forbund.se.")),
    ])
    contact_phone = StringField(_l("Telephone for questions"), filters=[strip], validators=[
        Length(max=40, message=_l("At most 40 characters.")),
        Regexp(r"^[0-9 +()-]*$", message=_l("Enter a telephone number with digits, spaces, + and -.")),
    ])
    privacy_contact = StringField(_l("Data protection officer (name, e-mail or telephone)"), filters=[strip], validators=[
        Length(max=200, message=_l("At most 200 characters.")),
    ])
    information_note = TextAreaField(_l("Anything else participants should know (optional, in Swedish)"),
                                     filters=[strip], validators=[
        Length(max=1000, message=_l("At most 1000 characters.")),
    ])


class CodesForm(Form):
    """How many single-use answer codes to print."""
    count = WholeNumberField(_l("Number of codes"), validators=[
        InputRequired(message=_l("Enter how many codes to make, from 1 to 500.")),
        NumberRange(min=1, max=500, message=_l("Enter how many codes to make, from 1 to 500.")),
    ], invalid_message=_l("Enter how many codes to make, from 1 to 500."))


class ArchiveForm(Form):
    """Archive or restore: the button's `action` says which; only the CSRF token besides."""
