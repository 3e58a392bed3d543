"""Own password (signed in, current password required) and set password (a one-time link)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from werkzeug.security import check_password_hash

from .. import accounts, navigation
from ..access import STAFF_ROLES, roles_required
from ..extensions import db, limiter, per_user
from . import bp
from .forms import ChangePasswordForm, SetPasswordForm

navigation.register_link("account.password", _l("Change password"), STAFF_ROLES)


def _check_policy(form, email: str, name: str) -> bool:
    for problem in accounts.password_problems(form.new_password.data, email, name):
        form.new_password.errors.append(problem)
    return not form.new_password.errors


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
@limiter.limit("10 per minute", methods=["POST"], key_func=per_user)  # the current password is a guess
def password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if not check_password_hash(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        elif _check_policy(form, user.email, user.name or ""):
            accounts.change_own_password(user, form.new_password.data)
            db.session.commit()
            # Every other session (other browsers, copied cookies) has ended; this one goes on
            # under the new epoch.
            login_user(user, fresh=True)
            flash(_("Your password has been changed. You have been logged out everywhere else."))
            return redirect(url_for("account.password"))
    return render_template("account/password.html", form=form, min_length=accounts.MIN_PASSWORD_LENGTH)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def set_password(token: str):
    link = accounts.find_password_link(token)
    if link is None:
        return render_template("account/link_invalid.html"), 404
    form = SetPasswordForm()
    user = link.user
    if form.validate_on_submit() and _check_policy(form, user.email, user.name or ""):
        accounts.use_password_link(link, form.new_password.data)
        db.session.commit()
        flash(_("Your password has been set. Log in with it."))
        return redirect(url_for("auth.login"))
    return render_template("account/set_password.html", form=form, email=user.email,
                           min_length=accounts.MIN_PASSWORD_LENGTH)
