"""Who may see what: role checks shared by every staff blueprint."""
import re
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from .extensions import db
from .models import Forbund, Role

# A förbund code in a page address: anything else is a 404 before the database is asked.
SAFE_ID = re.compile(r"^[a-z0-9-]{1,60}$")

STAFF_ROLES = (Role.ADMIN, Role.NNS, Role.FORBUND_ADMIN, Role.FORBUND_USER)
FORBUND_ROLES = (Role.FORBUND_ADMIN, Role.FORBUND_USER)


def roles_required(*roles):
    """The view needs a logged-in user with one of `roles`; others get 403."""
    allowed = {r.value if isinstance(r, Role) else r for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = allowed
        return wrapped
    return decorator


def check_forbund(forbund_id: int) -> None:
    """A förbund user only reaches their own förbund; 404 so that others' ids are not confirmed."""
    if not current_user.can_see_forbund(forbund_id):
        abort(404)


def forbund_or_404(code: str) -> Forbund:
    """The förbund of a page address, after the access check: 404 for an unknown or ill-formed
    code and for another förbund's (so that its existence is not confirmed)."""
    forbund = db.session.scalar(select(Forbund).where(Forbund.code == code)) if SAFE_ID.match(code) else None
    if forbund is None:
        abort(404)
    check_forbund(forbund.id)
    return forbund
