"""Reading a posted answer. The questions are data (the instrument file), so each page's single field
is checked here against its question rather than through a fixed WTForms class."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from indicators.instrument import Question

COMMENT_MAX = 2000
FIELD = "answer"
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none of them
# belongs in a comment.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

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
        text = _CONTROL.sub("", raw.replace("\r\n", "\n")).strip()
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
