"""Staff account management shared by the admin pages, the own-account pages and the CLI.

One place decides what a password may be, how a one-time link to set one works, which changes end
a user's sessions and what the audit log records, so the web and `flask --app survey user …`
cannot drift apart. Blueprints import this module; it imports no blueprint.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import re
import secrets
from datetime import timedelta
from functools import lru_cache
from importlib import resources

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from .credentials import passwords, twofactor
from .credentials.passwords import hash_password
from .extensions import db
from .models import AuditLog, Forbund, PasswordLink, Role, User, utcnow

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # scrypt hashes anything, but nobody types more; bounds the work per request
LINK_HOURS = 72  # long enough over a weekend, short enough that a forgotten link dies
LINK_LIFETIME = timedelta(hours=LINK_HOURS)
# The set-password page's path; the CLI builds links outside any request, so it cannot ask
# url_for (tests/accounts checks that the route really lives here).
SET_PASSWORD_PATH = "/account/set-password/"
FORBUND_ROLES = (Role.FORBUND_ADMIN.value, Role.FORBUND_USER.value)
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class AccountError(Exception):
    """A refused account change, with a message for the person who asked (lazy, translated)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field  # the form field it is about, if any


# --------------------------------------------------------------------------- password policy
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list (survey/data/common_passwords.txt, package data: a wheel carries it)."""
    text = resources.files("survey").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _letters_and_digits(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def password_problems(password: str, email: str = "", name: str = "") -> list:
    """Why `password` may not be used (empty: it may). Attackers try the common passwords first,
    and the same with a year or "!" added ("sommar2024", "Lösenord1!"), so both are refused."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_l("The password can have at most %(n)s characters.", n=MAX_PASSWORD_LENGTH))
    lowered = password.strip().casefold()
    base = re.sub(r"[\W\d_]+$", "", lowered)  # the word before a trailing year, digits or symbols
    common = common_passwords()
    if lowered in common or lowered.replace(" ", "") in common or (len(base) >= 4 and base in common):
        problems.append(_l("This password is one of the most common ones and is easily guessed. Choose another."))
    compact = _letters_and_digits(password)
    local = _letters_and_digits(email.partition("@")[0])
    whole_name = _letters_and_digits(name)
    if compact and ((len(local) >= 3 and local in compact) or (len(whole_name) >= 3 and whole_name in compact)
                    or compact == _letters_and_digits(email)):
        problems.append(_l("The password must not contain your email address or name."))
    return problems


# --------------------------------------------------------------------------- audit log
def audit(action: str, actor: User | None, target: User | None = None, forbund_id: int | None = None,
          **detail) -> None:
    """One AuditLog row. `actor` None means the command line: the OS user is noted instead.
    Never pass passwords or tokens in `detail`."""
    if target is not None:
        detail = {"user": target.id, "email": target.email, **detail}
    if actor is None:
        try:
            os_user = getpass.getuser()
        except (OSError, KeyError):  # no login name (some containers): still log the action
            os_user = "unknown"
        detail = {**detail, "via": "cli", "os_user": os_user}
    db.session.add(AuditLog(user_id=actor.id if actor is not None else None, forbund_id=forbund_id,
                            action=action, detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))


# --------------------------------------------------------------------------- sessions and passwords
def end_sessions(user: User) -> None:
    """Every session of `user` stops working, copied cookies included (see User.session_epoch)."""
    user.end_sessions()


def set_password(user: User, password: str) -> None:
    """A new password ends every session of the user and lifts a lockout (the new secret was
    set by the owner or through a link an administrator issued)."""
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))


def unusable_password_hash() -> str:
    """For an account made without a password (it gets a link): a hash of a secret nobody knows,
    so that login takes as long for it as for any other account."""
    return hash_password(secrets.token_urlsafe(32))


# --------------------------------------------------------------------------- one-time links
def _token_hash(token: str) -> str:
    # The token has 256 random bits: a fast hash suffices, nothing to slow down a guess of.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(user: User) -> str:
    """A new one-time link for `user` (earlier unused ones stop working); returns the URL."""
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordLink(user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + LINK_LIFETIME,
                                used=False))
    return password_link_url(token)


def password_link_url(token: str) -> str:
    """From the configured PUBLIC_URL (or SERVER_NAME), like participant links: a request's Host
    header never decides where a link points. Only in development without either does it follow
    the request, and on the command line it is then the path alone."""
    path = SET_PASSWORD_PATH + token
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public + path
    server = current_app.config.get("SERVER_NAME")
    if server:
        return f"{current_app.config.get('PREFERRED_URL_SCHEME', 'http')}://{server}{path}"
    if has_request_context():
        return request.host_url.rstrip("/") + path
    return path


def find_password_link(token: str) -> PasswordLink | None:
    """The link behind `token` if it is still unused and unexpired, and its user active."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _token_hash(token)))
    if link is None or link.used:
        return None
    expires = link.expires_at
    if expires.tzinfo is None:  # SQLite returns naive datetimes
        expires = expires.replace(tzinfo=utcnow().tzinfo)
    if expires <= utcnow() or not link.user.active:
        return None
    return link


def use_password_link(link: PasswordLink, password: str) -> User:
    user = link.user
    set_password(user, password)  # deletes the user's links, this one included: single use
    audit("user.password_set", user, user, how="link")
    return user


# --------------------------------------------------------------------------- account changes
def check_role_forbund(role: str, forbund: Forbund | None) -> None:
    if role not in {r.value for r in Role}:
        raise AccountError(_l("Choose a role."), "role")
    if role in FORBUND_ROLES and forbund is None:
        raise AccountError(_l("A förbund role needs a förbund. Choose one."), "forbund")
    if role not in FORBUND_ROLES and forbund is not None:
        raise AccountError(_l("Only förbund roles belong to a förbund. Choose no förbund for this role."), "forbund")


def active_admin_count() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN.value,
                                                                User.active.is_(True))) or 0


def _is_last_active_admin(user: User) -> bool:
    return user.role == Role.ADMIN.value and user.active and active_admin_count() <= 1


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, role: str, forbund: Forbund | None, actor: User | None,
                password: str | None = None) -> User:
    """A new account; without `password` it can only be used after a password link is issued."""
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 200:
        raise AccountError(_l("Enter an email address such as name@example.se."), "email")
    if find_user_by_email(email) is not None:
        raise AccountError(_l("A user with this email address exists already."), "email")
    check_role_forbund(role, forbund)
    if password is not None:
        problems = password_problems(password, email, name)
        if problems:
            raise AccountError(problems[0], "password")
    user = User(email=email, name=name.strip(), role=role, forbund=forbund, active=True, failed_logins=0,
                password_hash=hash_password(password) if password is not None else unusable_password_hash())
    db.session.add(user)
    db.session.flush()
    audit("user.created", actor, user, forbund_id=forbund.id if forbund else None, role=role,
          forbund=forbund.code if forbund else None)
    return user


def deactivate(user: User, actor: User | None) -> None:
    if actor is not None and actor.id == user.id:
        raise AccountError(_l("You cannot deactivate your own account."))
    if _is_last_active_admin(user):
        raise AccountError(_l("This is the last active system administrator. Make another user system administrator "
                              "first."))
    if not user.active:
        return
    user.active = False
    end_sessions(user)
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    audit("user.deactivated", actor, user, forbund_id=user.forbund_id)


def reactivate(user: User, actor: User | None) -> None:
    if user.active:
        return
    user.active = True
    audit("user.reactivated", actor, user, forbund_id=user.forbund_id)


def change_role(user: User, role: str, forbund: Forbund | None, actor: User | None) -> bool:
    """Role and förbund together (a förbund role needs one, others none). A change ends every
    session of the user: what a page showed them before may no longer be theirs to see."""
    check_role_forbund(role, forbund)
    new_forbund_id = forbund.id if forbund else None
    if role == user.role and new_forbund_id == user.forbund_id:
        return False
    if role != Role.ADMIN.value and _is_last_active_admin(user):
        raise AccountError(_l("This is the last active system administrator. Make another user system administrator "
                              "first."), "role")
    before = {"role": user.role, "forbund": user.forbund.code if user.forbund else None}
    user.role, user.forbund = role, forbund
    user.forbund_id = new_forbund_id
    end_sessions(user)
    audit("user.role_changed", actor, user, forbund_id=new_forbund_id, before=before,
          after={"role": role, "forbund": forbund.code if forbund else None})
    return True


def rename(user: User, name: str, actor: User | None) -> bool:
    name = name.strip()
    if len(name) > 200:
        raise AccountError(_l("The name can have at most 200 characters."), "name")
    if name == (user.name or ""):
        return False
    user.name = name
    audit("user.renamed", actor, user)
    return True


def is_locked(user: User) -> bool:
    """As the login decides it (survey/credentials/passwords.py owns lockout)."""
    return passwords.is_locked(user)


def unlock(user: User, actor: User | None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    audit("user.unlocked", actor, user)


def turn_off_two_factor(user: User, actor: User | None) -> None:
    """For a user who lost the phone and the recovery codes: they log in with the password alone
    (and, where the installation requires a code, enrol again right after it). Ends their sessions."""
    if not user.totp_secret:
        raise AccountError(_l("Two-step login is not on for this account."))
    twofactor.turn_off(user)
    user.end_sessions()
    audit("user.two_factor_turned_off", actor, user)


def password_link_for(user: User, actor: User | None) -> str:
    if not user.active:
        raise AccountError(_l("The account is deactivated. Reactivate it first."))
    url = issue_password_link(user)
    audit("user.password_link_issued", actor, user, hours=LINK_HOURS)
    return url


def admin_sets_password(user: User, password: str, actor: User | None) -> None:
    """The command line's direct reset (the web issues a link instead)."""
    problems = password_problems(password, user.email, user.name or "")
    if problems:
        raise AccountError(problems[0])
    set_password(user, password)
    audit("user.password_set", actor, user, how="admin")


def change_own_password(user: User, password: str) -> None:
    set_password(user, password)
    audit("user.password_changed", user, user)
