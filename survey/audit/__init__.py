"""The audit log page for system administrators (issue 12 point 3): who did what, when, with
filters. Its own blueprint, so the admin area links to it without owning it."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

from . import routes  # noqa: E402,F401
