"""The system administrator's pages: förbund (list, create) and the staff accounts (list)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import navigation
from ..access import roles_required
from ..extensions import db
from ..models import Forbund, Insats, Role, User
from . import bp
from .forms import ForbundForm

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
            db.session.add(Forbund(code=form.code.data, name=form.name.data))
            try:
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


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    rows = db.session.execute(
        select(User, Forbund.name).outerjoin(Forbund, User.forbund_id == Forbund.id).order_by(User.email)
    ).all()
    return render_template("admin/users.html", rows=rows, role_labels=ROLE_LABELS)
