"""Logs never carry a participant's draft token.

The unfinished questionnaire lives under an opaque token in its URL path (/e/<campaign>/<draft>/…,
so that it works without cookies). An access log line holds that path with the address and the
second of each request: with it, every step of one person's questionnaire could be followed. The
filter below replaces the token in every record of the servers' access loggers (werkzeug's, and
gunicorn's when gunicorn serves the app) and of the app's own logger (Flask logs "Exception on
<path>") before it is written.
"""
from __future__ import annotations

import logging
import re

DRAFT_PATH = re.compile(r"(/e/[A-Za-z0-9_-]{1,64}/)[A-Za-z0-9_-]{20,64}(?=[/?\s\"]|$)")
REDACTED = r"\1[utkast]"
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


ANSWER_CODE = re.compile(r"([?&]kod=)[^&\s\"]*")
# A one-time link to set a password (survey/accounts.py): whoever reads the log could use it.
PASSWORD_LINK = re.compile(r"(/account/set-password/)[^/?\s\"]+")


def redact(text: str) -> str:
    """Draft tokens, the single-use answer codes of card QR links (?kod=…) and password links."""
    return PASSWORD_LINK.sub(r"\1[link]", ANSWER_CODE.sub(r"\1[kod]", DRAFT_PATH.sub(REDACTED, text)))


class RedactDraftTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):  # gunicorn: a mapping of its access-log atoms
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def init_app(app) -> None:
    for name in (*ACCESS_LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactDraftTokens) for f in logger.filters):
            logger.addFilter(RedactDraftTokens())
