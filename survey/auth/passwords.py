"""Password hashing (scrypt through Werkzeug) and lockout after repeated failures."""
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from ..models import utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def is_locked(user) -> bool:
    locked = user.locked_until
    if locked is None:
        return False
    if locked.tzinfo is None:  # SQLite returns naive datetimes
        locked = locked.replace(tzinfo=utcnow().tzinfo)
    return locked > utcnow()


def verify(user, password: str) -> bool:
    """Check the password and count failures; the lock holds even for a right password."""
    if is_locked(user):
        return False
    if check_password_hash(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        return True
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = utcnow() + LOCKOUT
        user.failed_logins = 0
    return False
