"""Every signed-in user's own account (change password) and the anonymous page that a one-time
link opens to set a password. The rules themselves live in survey/accounts.py."""
from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from . import routes  # noqa: F401
