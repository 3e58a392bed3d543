"""Reading a posted answer. The questions are data (the instrument file), so each page's single field
is checked here against its question rather than through a fixed WTForms class."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from indicators.instrument import Question

from ..form_fields import CONTROL_CHARACTERS

COMMENT_MAX = 2000
FIELD = "answer"

CHOOSE_MESSAGE = _l("Choose one of the answers shown, or skip the question.")
TOO_LONG_MESSAGE = _l("Your comment is too long: it can have at most %(max)s characters.", max=COMMENT_MAX)


class AnswerError(ValueError):
    """The posted value is not an answer to the question; the message is for the participant."""


def parse_answer(question: Question, raw: str | None):
    """The value to keep for `question`: an answer step (int), a choice code, a comment, or None
    (not answered). Raises AnswerError for anything a form on our page could not have sent."""
    if raw is None:
        return None
    if question.kind == "text":
        text = CONTROL_CHARACTERS.sub("", raw.replace("\r\n", "\n")).strip()
        if len(text) > COMMENT_MAX:
            raise AnswerError(str(TOO_LONG_MESSAGE))
        return text or None
    raw = raw.strip()
    if raw == "":
        return None
    if question.kind == "choice":
        if raw in question.choice_codes:
            return raw
        raise AnswerError(str(CHOOSE_MESSAGE))
    # Not "１" (isascii), and no 5,000-digit number: int() refuses those with a ValueError.
    if raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) in question.allowed_values():
        return int(raw)
    raise AnswerError(str(CHOOSE_MESSAGE))


def field_id(question: Question) -> str:
    """The id the error summary links to: the first radio, or the text box."""
    return FIELD if question.kind == "text" else f"{FIELD}-1"
