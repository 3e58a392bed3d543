"""Who may see what: role checks shared by every staff blueprint."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role

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
