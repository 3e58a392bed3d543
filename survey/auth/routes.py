import secrets
import time
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from .. import navigation
from ..access import roles_required
from ..extensions import db, limiter, login_manager
from ..models import User
from ..credentials import twofactor
from . import bp
from .forms import (
    CodeForm,
    DisableTwoFactorForm,
    EnrolForm,
    LoginForm,
    NewRecoveryCodesForm,
)
from ..credentials.passwords import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_PATH,
    DEVICE_MAX_AGE,
    authenticate,
    check_password,
    device_for,
    issue_device_cookie,
    may_try,
    register_failure,
    register_success,
)

login_manager.login_view = "auth.login"
login_manager.login_message = None

navigation.register_link("auth.two_factor", _l("Two-step login"), twofactor.ROLES)

# The half-signed-in state between the password and the code (or, where the installation
# requires two-step login, the enrolment): in the session, never a login, and short-lived.
PENDING = "login_pending"
CODE_MINUTES = 5
ENROL_MINUTES = 15  # time to install an app and scan the code
MAX_CODE_TRIES = 5  # per password step; then the password again
ENROL_NONCE = "totp_enrol"


def failed_message() -> str:
    """The one answer to every login that does not go through (unknown e-mail, wrong password,
    deactivated or locked account), so that none of them can be told apart (passwords.py)."""
    return _("The email address or password is wrong, or there have been too many attempts. After "
             "5 failed attempts, logging in is paused for 15 minutes, except in a browser that has "
             "logged in to the account before.")


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


def _fresh_session() -> None:
    """Nothing of the session before (its CSRF token included) carries over."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's copy for this request


def _start_pending(user: User, target: str | None, enrol: bool) -> None:
    _fresh_session()
    minutes = ENROL_MINUTES if enrol else CODE_MINUTES
    session[PENDING] = {"u": user.id, "e": user.session_epoch or 0, "x": int(time.time()) + minutes * 60,
                        "n": target, "t": 0, "enrol": enrol}


def _pending() -> tuple[User | None, dict]:
    """The user half-way through logging in, while the state is fresh and the user's sessions
    have not been ended since (a logout elsewhere or a deactivation ends it too)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("u"), int) or pending.get("x", 0) < time.time():
        session.pop(PENDING, None)
        return None, {}
    user = db.session.get(User, pending["u"])
    if user is None or not user.active or (user.session_epoch or 0) != pending.get("e"):
        session.pop(PENDING, None)
        return None, {}
    return user, pending


def _sign_in(user: User, device) -> str:
    """Log the user in on a fresh session; returns the device cookie for the response."""
    register_success(user, device)
    cookie = issue_device_cookie(user, device)
    db.session.commit()
    _fresh_session()
    login_user(user)
    return cookie


def _with_device_cookie(response, cookie: str):
    response.set_cookie(DEVICE_COOKIE, cookie, max_age=int(DEVICE_MAX_AGE.total_seconds()), path=DEVICE_COOKIE_PATH,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True, samesite="Lax")
    return response


def _device(user: User):
    return device_for(user, request.cookies.get(DEVICE_COOKIE))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user, device = authenticate(form.email.data, form.password.data, request.cookies.get(DEVICE_COOKIE))
        db.session.commit()  # keeps the failure count
        if user is None:
            error = failed_message()
        else:
            target = _safe_next(request.args.get("next"))
            if twofactor.enabled(user):
                _start_pending(user, target, enrol=False)
                return redirect(url_for("auth.code"))
            if twofactor.required_for(user):
                _start_pending(user, target, enrol=True)
                return redirect(url_for("auth.two_factor"))
            cookie = _sign_in(user, device)
            return _with_device_cookie(redirect(target or home_for(user)), cookie)
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def code():
    """The second step: a code from the app or a recovery code. Wrong codes count towards the
    same lock as wrong passwords (for this browser or for untrusted clients)."""
    user, pending = _pending()
    if user is not None and pending.get("enrol"):
        return redirect(url_for("auth.two_factor"))
    if user is None:
        if request.method == "POST":
            flash(_("The login has expired. Please log in again."))
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        device = _device(user)
        if may_try(user, device) and twofactor.verify(user, form.code.data):
            cookie = _sign_in(user, device)
            return _with_device_cookie(redirect(pending.get("n") or home_for(user)), cookie)
        if may_try(user, device):
            register_failure(user, device)
        db.session.commit()
        pending["t"] = pending.get("t", 0) + 1
        if pending["t"] >= MAX_CODE_TRIES:
            session.pop(PENDING, None)
            flash(_("Too many wrong codes. Please log in again."))
            return redirect(url_for("auth.login"))
        session[PENDING] = pending
        error = _("The code is wrong, has expired or has already been used.")
    return render_template("auth/code.html", form=form, error=error)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def two_factor():
    """Two-step login for oneself: turn it on (key as a QR code and as text, confirmed with a
    code), or see that it is on and turn it off. Also the page a user must pass right after the
    password step where the installation requires two-step login, before being logged in."""
    at_login = False
    if current_user.is_authenticated:
        user = current_user._get_current_object()  # login_user below must get the user, not the proxy
        if not twofactor.available_to(user):
            abort(403)
    else:
        user, pending = _pending()
        if user is None or not pending.get("enrol"):
            return login_manager.unauthorized()
        at_login = True
    if twofactor.enabled(user):
        if at_login:
            return redirect(url_for("auth.login"))
        return _two_factor_on(user, DisableTwoFactorForm())
    nonce = session.get(ENROL_NONCE)
    if not isinstance(nonce, str) or len(nonce) > 64:
        nonce = session[ENROL_NONCE] = secrets.token_urlsafe(16)
    secret = twofactor.enrolment_secret(user, nonce)
    form = EnrolForm()
    if form.validate_on_submit():
        step = twofactor.matching_step(secret, form.code.data, None)
        if step is not None:
            codes = twofactor.turn_on(user, secret, step)
            if at_login:
                cookie = _sign_in(user, _device(user))
                target = pending.get("n") or home_for(user)
                return _with_device_cookie(_recovery_page(codes, target), cookie)
            # Sessions started with the password alone (another browser) end; this one goes on.
            user.end_sessions()
            db.session.commit()
            session.pop(ENROL_NONCE, None)
            login_user(user)
            return _recovery_page(codes, url_for("auth.two_factor"))
        form.code.errors.append(_("The code is wrong or has expired. Enter the code the app shows now."))
    uri = twofactor.provisioning_uri(user, secret)
    return render_template("auth/two_factor.html", form=form, qr=twofactor.qr_data_uri(uri),
                           key=twofactor.grouped(secret), at_login=at_login)


def _recovery_page(codes: list[str], target: str):
    return make_response(render_template("auth/recovery_codes.html", codes=codes, target=target))


def _two_factor_on(user: User, form, new_codes_form=None):
    return render_template("auth/two_factor_on.html", form=form, new_codes_form=new_codes_form or _new_codes_form(),
                           remaining=len(user.recovery_codes or []), required=twofactor.required_for(user))


def _new_codes_form():
    return NewRecoveryCodesForm(prefix="new")  # its own field ids beside the form that turns it off


@bp.post("/login/two-factor/recovery-codes")
@roles_required(*twofactor.ROLES)
@limiter.limit("5 per minute")
def two_factor_new_codes():
    """A new set of recovery codes for a code from the app; the old ones stop working. Needed
    where two-step login is required and cannot be turned off and on again."""
    user = current_user._get_current_object()
    if not twofactor.enabled(user):
        return redirect(url_for("auth.two_factor"))
    form = _new_codes_form()
    if form.validate_on_submit():
        if twofactor.verify(user, form.code.data):
            codes = twofactor.replace_recovery_codes(user)
            db.session.commit()
            return _recovery_page(codes, url_for("auth.two_factor"))
        form.code.errors.append(_("The code is wrong, has expired or has already been used."))
    db.session.rollback()
    return _two_factor_on(user, DisableTwoFactorForm(), form)


@bp.post("/login/two-factor/disable")
@roles_required(*twofactor.ROLES)
@limiter.limit("5 per minute")
def two_factor_disable():
    """Turning it off asks for the password and a code again: a session left open on a
    shared computer is not enough."""
    user = current_user._get_current_object()
    if not twofactor.enabled(user):
        return redirect(url_for("auth.two_factor"))
    form = DisableTwoFactorForm()
    if twofactor.required_for(user):
        flash(_("Two-step login is required for your role in this installation and cannot be turned off."))
        return redirect(url_for("auth.two_factor"))
    if form.validate_on_submit():
        if not check_password(user, form.password.data):
            form.password.errors.append(_("The password is wrong."))
        elif not twofactor.verify(user, form.code.data):
            form.code.errors.append(_("The code is wrong, has expired or has already been used."))
        else:
            twofactor.turn_off(user)
            db.session.commit()
            flash(_("Two-step login is off."))
            return redirect(url_for("auth.two_factor"))
    db.session.rollback()
    return _two_factor_on(user, form)


@bp.before_app_request
def enrol_first():
    """Where the installation requires two-step login, a signed-in user of such a role who has
    not turned it on (a session from before the setting) reaches nothing but the enrolment."""
    if not current_app.config.get("REQUIRE_TWO_FACTOR") or request.endpoint is None:
        return None
    if request.endpoint in ("auth.two_factor", "auth.logout", "static") or request.endpoint.endswith(".static"):
        return None
    if current_user.is_authenticated and twofactor.required_for(current_user) and not twofactor.enabled(current_user):
        return redirect(url_for("auth.two_factor"))
    return None


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out."))
    return redirect(url_for("auth.login"))
