"""Förbund staff: insatser (interventions) and campaigns with their link, QR code and poster."""
from flask import Blueprint

# The poster stylesheet lives with the blueprint, so the area is self-contained.
bp = Blueprint("campaigns", __name__, static_folder="static", static_url_path="/campaigns/static")

from . import routes  # noqa: E402,F401
