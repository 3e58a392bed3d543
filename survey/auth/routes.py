from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from ..extensions import db, limiter, login_manager
from ..models import User
from . import bp
from .forms import LoginForm
from .passwords import is_locked, verify

login_manager.login_view = "auth.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str):
    """The session's user, if its epoch is still the user's (see User.session_epoch)."""
    number, _dot, epoch = user_id.partition(".")
    if not (number.isdigit() and epoch.isdigit()) or len(number) > 18:
        return None
    user = db.session.get(User, int(number))
    return user if user is not None and (user.session_epoch or 0) == int(epoch) else None


def home_for(user) -> str:
    """Where a user lands after login."""
    return url_for("index")


def _safe_next(target: str | None) -> str | None:
    """A local path to return to after login, or None. Browsers drop tabs and line breaks from
    a URL ("/", a tab, "/evil.example" is "//evil.example", another host), and a line break in a
    Location header is an error: any control character, space or backslash refuses it."""
    if not target or any(ord(c) <= 0x20 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and is_locked(user):
            error = _("Too many failed attempts. The account is locked for 15 minutes.")
        elif user is not None and user.active and verify(user, form.password.data):
            db.session.commit()
            # A fresh session: nothing of the anonymous one (its CSRF token included) carries over.
            session.clear()
            g.pop("csrf_token", None)  # Flask-WTF's copy for this request
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        else:
            db.session.commit()  # keeps the failure count
            error = _("The email address or password is wrong.")
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out."))
    return redirect(url_for("auth.login"))
