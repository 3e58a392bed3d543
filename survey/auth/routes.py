from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
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
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        else:
            db.session.commit()  # keeps the failure count
            error = _("The email address or password is wrong.")
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have been logged out."))
    return redirect(url_for("auth.login"))
