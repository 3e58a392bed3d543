"""Password hashing (scrypt through Werkzeug) and the login check with its lockout.

Issue 12 found two holes in the login: the answer told whether an account exists (an unknown
e-mail took 4–5 ms, a wrong password 100–150 ms, and only real accounts got a lockout message),
and anyone could keep any account locked by sending five wrong passwords every 15 minutes.

Answer and timing: `authenticate` runs exactly one scrypt check for every attempt, against a
dummy hash of the same cost when the e-mail is unknown, and for locked and deactivated accounts
too; the page says the same thing in every case that does not log in (routes.py), lock or not.

Lockout: OWASP's "device cookies" design
(https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies).
A successful login gives the browser a signed cookie naming the account and a random nonce (a
`LoginDevice` row). A browser that presents a valid cookie for the account it logs in to keeps
its own failure count and lock and is never stopped by the account-wide lock; everyone else
("untrusted clients") shares the account-wide count (User.failed_logins/locked_until) of
MAX_FAILURES per LOCKOUT. So a stranger's failures lock out only strangers, while guessing stays
as slow as before, however many addresses the guesser has.

Chosen over a lock per (account, address): colleagues of a förbund often share one office or
municipal address (one of them mistyping must not lock the others, and an attacker on that
network could lock them all), an attacker with many addresses would get MAX_FAILURES guesses per
address, and a count per address would have to keep addresses of staff. The per-address rate
limit on the login POST (routes.py) still holds for everyone. What the design cannot do: keep in
an owner on a browser that has never signed in while someone is guessing; an administrator can
unlock the account, and the first login from any browser that has signed in before works.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginDevice, User, utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

DEVICE_COOKIE = "finsam_device"
DEVICE_COOKIE_PATH = "/login"  # only the login pages ever read it
DEVICE_MAX_AGE = timedelta(days=180)
MAX_DEVICES = 20  # per account; the oldest is forgotten first


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@cache
def _dummy_hash() -> str:
    """A hash of the same cost as real ones, checked when the e-mail is unknown so that the
    answer takes as long as for a real account."""
    return hash_password(secrets.token_urlsafe(16))


def _is_locked(locked_until) -> bool:
    if locked_until is None:
        return False
    if locked_until.tzinfo is None:  # SQLite returns naive datetimes
        locked_until = locked_until.replace(tzinfo=utcnow().tzinfo)
    return locked_until > utcnow()


def is_locked(user) -> bool:
    """The account-wide lock, which stops untrusted clients only."""
    return _is_locked(user.locked_until)


def _fail(holder) -> None:
    """Count one failure on a user (untrusted clients) or on a LoginDevice; lock at MAX_FAILURES."""
    holder.failed_logins = (holder.failed_logins or 0) + 1
    if holder.failed_logins >= MAX_FAILURES:
        holder.locked_until = utcnow() + LOCKOUT
        holder.failed_logins = 0


# ------------------------------------------------------------------------------ device cookies
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="finsam-login-device")


def device_for(user: User, cookie: str | None) -> LoginDevice | None:
    """The LoginDevice the browser's cookie names, if it is genuine, current and for `user`."""
    if not cookie or len(cookie) > 500:
        return None
    try:
        data = _serializer().loads(cookie, max_age=int(DEVICE_MAX_AGE.total_seconds()))
    except BadSignature:  # also expired
        return None
    if not isinstance(data, dict) or data.get("u") != user.id or not isinstance(data.get("n"), str):
        return None
    return db.session.scalar(select(LoginDevice).where(LoginDevice.nonce == data["n"],
                                                       LoginDevice.user_id == user.id))


def trusted(device: LoginDevice | None) -> bool:
    """A device cookie counts only while its own lock is off: a stolen cookie gets MAX_FAILURES
    guesses per LOCKOUT and then falls back to the account-wide count."""
    return device is not None and not _is_locked(device.locked_until)


def may_try(user: User, device: LoginDevice | None) -> bool:
    return trusted(device) or not is_locked(user)


def register_failure(user: User, device: LoginDevice | None) -> None:
    """A wrong password or code: counted on the browser's own device record when it has a
    trusted one, else on the account's count for untrusted clients."""
    _fail(device if trusted(device) else user)


def register_success(user: User, device: LoginDevice | None) -> None:
    if trusted(device):
        device.failed_logins = 0
    else:
        user.failed_logins = 0
        user.locked_until = None


def issue_device_cookie(user: User, device: LoginDevice | None) -> str:
    """The signed cookie value for this browser after a full login; a browser that already had
    one for this account keeps its record (and its count starts again)."""
    if device is None:
        device = LoginDevice(user_id=user.id, nonce=secrets.token_urlsafe(24))
        db.session.add(device)
        db.session.flush()
        old = db.session.scalars(select(LoginDevice.id).where(LoginDevice.user_id == user.id)
                                 .order_by(LoginDevice.id.desc()).offset(MAX_DEVICES)).all()
        if old:
            db.session.execute(LoginDevice.__table__.delete().where(LoginDevice.id.in_(old)))
    device.failed_logins = 0
    device.locked_until = None
    return _serializer().dumps({"u": user.id, "n": device.nonce})


# ------------------------------------------------------------------------------ the check
def find_user(email: str) -> User | None:
    email = (email or "").strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def authenticate(email: str, password: str, cookie: str | None) -> tuple[User | None, LoginDevice | None]:
    """(user, device) when the password is right, the account active and not locked for this
    browser; (None, None) otherwise, after the same work whatever the reason. Failures are
    counted; the caller commits."""
    user = find_user(email)
    right = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None:
        return None, None
    device = device_for(user, cookie)
    if not may_try(user, device):
        return None, None  # the lock holds even for a right password
    if not right:
        register_failure(user, device)
        return None, None
    if not user.active:
        return None, None
    return user, device


def check_password(user: User, password: str) -> bool:
    """A signed-in user's password, asked again before a change such as turning off two-step
    login."""
    return check_password_hash(user.password_hash, password)
