"""Participants answer a campaign's questionnaire at /e/<campaign token>, one question per page."""
from flask import Blueprint

bp = Blueprint("answer", __name__, url_prefix="/e")

from . import routes  # noqa: E402,F401  (registers the views)
