"""The system administrator's pages: förbund (list, create, edit) and the staff accounts (list,
create, edit, deactivate, unlock, password link). The rules are in survey/accounts.py."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import accounts, navigation
from ..access import roles_required
from ..extensions import db
from ..models import Forbund, Insats, Role, User
from . import bp
from .forms import ForbundEditForm, ForbundForm, UserCreateForm, UserEditForm

navigation.register_link("admin.forbund", _l("Förbund"), [Role.ADMIN])
navigation.register_link("admin.users", _l("Users"), [Role.ADMIN])

ROLE_LABELS = {
    Role.ADMIN.value: _l("System administrator"),
    Role.NNS.value: _l("NNS analyst"),
    Role.FORBUND_ADMIN.value: _l("Förbund administrator"),
    Role.FORBUND_USER.value: _l("Förbund user"),
}


@bp.route("/forbund", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def forbund():
    form = ForbundForm()
    if form.validate_on_submit():
        message = _("A förbund with this code exists already. Choose another code.")
        if db.session.scalar(select(Forbund.id).where(Forbund.code == form.code.data)):
            form.code.errors.append(message)
        else:
            created = Forbund(code=form.code.data, name=form.name.data)
            db.session.add(created)
            try:
                db.session.flush()
                accounts.audit("forbund.created", current_user, forbund_id=created.id, code=created.code,
                               name=created.name)
                db.session.commit()
            except IntegrityError:  # created by someone else a moment ago
                db.session.rollback()
                form.code.errors.append(message)
            else:
                flash(_("The förbund %(code)s has been created.", code=form.code.data))
                return redirect(url_for("admin.forbund"))
    insats_counts = (select(Insats.forbund_id, func.count(Insats.id).label("n"))
                     .group_by(Insats.forbund_id).subquery())
    rows = db.session.execute(
        select(Forbund, func.coalesce(insats_counts.c.n, 0))
        .outerjoin(insats_counts, insats_counts.c.forbund_id == Forbund.id).order_by(Forbund.name)
    ).all()
    return render_template("admin/forbund.html", form=form, rows=rows)


@bp.route("/forbund/<int:forbund_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def forbund_edit(forbund_id: int):
    """The name only: the code is in every exported file and is what imports and links
    (/results/forbund/<code>/) match on, so changing it would orphan files in circulation."""
    forbund = _get_or_404(Forbund, forbund_id)
    form = ForbundEditForm(obj=forbund)
    if form.validate_on_submit():
        if form.name.data != forbund.name:
            accounts.audit("forbund.updated", current_user, forbund_id=forbund.id, code=forbund.code,
                           before={"name": forbund.name}, after={"name": form.name.data})
            forbund.name = form.name.data
            db.session.commit()
        flash(_("The förbund %(code)s has been saved.", code=forbund.code))
        return redirect(url_for("admin.forbund"))
    return render_template("admin/forbund_edit.html", form=form, forbund=forbund)


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    rows = db.session.execute(
        select(User, Forbund.name).outerjoin(Forbund, User.forbund_id == Forbund.id).order_by(User.email)
    ).all()
    return render_template("admin/users.html", rows=rows, role_labels=ROLE_LABELS, is_locked=accounts.is_locked)


def _get_or_404(model, key: int):
    found = db.session.get(model, key)
    if found is None:
        abort(404)
    return found


def _fill_role_choices(form) -> None:
    form.role.choices = [("", _("Choose a role"))] + [(value, str(label)) for value, label in ROLE_LABELS.items()]
    form.forbund.choices = [("", _("No förbund"))] + [
        (str(f.id), f.name) for f in db.session.scalars(select(Forbund).order_by(Forbund.name))]


def _chosen_forbund(form) -> Forbund | None:
    """The förbund chosen in the form; a value that is not one (tampered) is a form error."""
    value = (form.forbund.data or "").strip()
    if not value:
        return None
    forbund = db.session.get(Forbund, int(value)) if value.isdigit() and len(value) <= 9 else None
    if forbund is None:
        raise accounts.AccountError(_l("Choose a förbund from the list."), "forbund")
    return forbund


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_new():
    form = UserCreateForm()
    _fill_role_choices(form)
    if form.validate_on_submit():
        try:
            forbund = _chosen_forbund(form)
            user = accounts.create_user(form.email.data, form.name.data or "", form.role.data or "", forbund,
                                        current_user)
            link = accounts.password_link_for(user, current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            _field_for(form, error).errors.append(str(error.message))
        else:
            try:
                db.session.commit()
            except IntegrityError:  # created by someone else a moment ago
                db.session.rollback()
                form.email.errors.append(_("A user with this email address exists already."))
            else:
                # The link is shown here, in this response only: not in a flash message, which
                # would carry it in the session cookie.
                return render_template("admin/password_link.html", user=user, link=link, created=True,
                                       hours=accounts.LINK_HOURS)
    return render_template("admin/user_new.html", form=form)


def _field_for(form, error: accounts.AccountError):
    """The field an AccountError is about, so that its message sits beside it."""
    return form[error.field] if error.field and error.field in form else form.role


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    form = UserEditForm()
    _fill_role_choices(form)
    if not form.is_submitted():
        form.name.data, form.role.data = user.name, user.role
        form.forbund.data = str(user.forbund_id) if user.forbund_id else ""
    if form.validate_on_submit():
        try:
            forbund = _chosen_forbund(form)
            renamed = accounts.rename(user, form.name.data or "", current_user)
            changed = accounts.change_role(user, form.role.data or "", forbund, current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            _field_for(form, error).errors.append(str(error.message))
        else:
            db.session.commit()
            if changed:
                flash(_("The user %(email)s has been saved. Their role changed, so they have been logged out "
                        "everywhere.", email=user.email))
            elif renamed:
                flash(_("The user %(email)s has been saved.", email=user.email))
            else:
                flash(_("Nothing was changed."))
            if changed and user.id == current_user.id:
                return redirect(url_for("auth.login"))
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_edit.html", form=form, user=user, role_labels=ROLE_LABELS,
                           locked=accounts.is_locked(user), failures=user.failed_logins or 0,
                           hours=accounts.LINK_HOURS)


def _account_action(user_id: int, action) -> object:
    user = _get_or_404(User, user_id)
    try:
        message = action(user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error.message))
    else:
        db.session.commit()
        flash(message)
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(Role.ADMIN)
def user_deactivate(user_id: int):
    def act(user):
        accounts.deactivate(user, current_user)
        return _("The user %(email)s has been deactivated and logged out everywhere.", email=user.email)
    return _account_action(user_id, act)


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(Role.ADMIN)
def user_reactivate(user_id: int):
    def act(user):
        accounts.reactivate(user, current_user)
        return _("The user %(email)s has been reactivated.", email=user.email)
    return _account_action(user_id, act)


@bp.post("/users/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def user_unlock(user_id: int):
    def act(user):
        accounts.unlock(user, current_user)
        return _("The user %(email)s has been unlocked.", email=user.email)
    return _account_action(user_id, act)


@bp.post("/users/<int:user_id>/two-factor-off")
@roles_required(Role.ADMIN)
def user_two_factor_off(user_id: int):
    def act(user):
        accounts.turn_off_two_factor(user, current_user)
        return _("Two-step login is off for %(email)s, who has been logged out everywhere.", email=user.email)
    return _account_action(user_id, act)


@bp.post("/users/<int:user_id>/password-link")
@roles_required(Role.ADMIN)
def user_password_link(user_id: int):
    user = _get_or_404(User, user_id)
    try:
        link = accounts.password_link_for(user, current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error.message))
        return redirect(url_for("admin.user_edit", user_id=user.id))
    db.session.commit()
    return render_template("admin/password_link.html", user=user, link=link, created=False,
                           hours=accounts.LINK_HOURS)
