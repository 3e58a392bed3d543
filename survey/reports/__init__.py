"""The equality report: national for NNS, or one förbund's own, as HTML, PDF and Excel, from a
button on the results pages or `flask --app survey report national`."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import routes  # noqa: E402,F401
