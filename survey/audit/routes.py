"""GET /admin/audit: the audit log, newest first, filtered by action, user, förbund and dates.

Times are stored in UTC and shown, like the date filters are read, in Swedish time
(Europe/Stockholm, BABEL_DEFAULT_TIMEZONE): a day in the filter is a Swedish calendar day.
The rows hold counts and ids only (survey/corrections.py), so the page shows them as they are.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import Form, SelectField
from wtforms.fields import DateField
from wtforms.validators import Optional, ValidationError

from .. import navigation
from ..access import roles_required
from ..extensions import db
from ..models import AuditLog, Forbund, Role, User
from . import bp

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PAGE_SIZE = 50
NO_USER = "none"  # rows written by the system or the command line without --as
navigation.register_link("audit.index", _l("Audit log"), [Role.ADMIN])


class AuditFilter(Form):
    """A plain GET form (it changes nothing), so every filtered page has its own address."""
    action = SelectField(_l("Action"), validators=[Optional()])
    user = SelectField(_l("User"), validators=[Optional()])
    forbund = SelectField(_l("Förbund"), validators=[Optional()])
    date_from = DateField(_l("From (date)"), validators=[Optional()],
                          render_kw={"placeholder": "2026-01-31"})
    date_to = DateField(_l("To (date)"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))


def _day_start(day) -> datetime:
    """00:00 Swedish time of a day, in UTC; days far out are clamped (no overflow at year 1 or 9999)."""
    day = min(max(day, date(1900, 1, 1)), date(9000, 1, 1))
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    form = AuditFilter(request.args)
    actions = db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    users = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    forbund = db.session.execute(select(Forbund.id, Forbund.name, Forbund.code).order_by(Forbund.name)).all()
    form.action.choices = [("", _l("All actions"))] + [(a, a) for a in actions]
    form.user.choices = [("", _l("All users")), (NO_USER, _l("No user (system or command line)"))] + [
        (str(uid), email) for uid, email in users]
    form.forbund.choices = [("", _l("All förbund"))] + [(str(fid), f"{name} ({code})") for fid, name, code in forbund]
    # Errors are shown by their fields and a bad value filters nothing: an unknown choice or a
    # date that is not one (an old or edited link) is never a 500.
    form.validate()
    stmt = select(AuditLog, User.email, Forbund.code).outerjoin(User, User.id == AuditLog.user_id) \
        .outerjoin(Forbund, Forbund.id == AuditLog.forbund_id)
    if form.action.data and not form.action.errors:
        stmt = stmt.where(AuditLog.action == form.action.data)
    if form.user.data and not form.user.errors:
        stmt = stmt.where(AuditLog.user_id.is_(None) if form.user.data == NO_USER
                          else AuditLog.user_id == int(form.user.data))
    if form.forbund.data and not form.forbund.errors:
        stmt = stmt.where(AuditLog.forbund_id == int(form.forbund.data))
    if form.date_from.data and not form.date_from.errors:
        stmt = stmt.where(AuditLog.at >= _day_start(form.date_from.data))
    if form.date_to.data and not form.date_to.errors:
        stmt = stmt.where(AuditLog.at < _day_start(min(form.date_to.data, date(8999, 12, 31)) + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    rows = db.session.execute(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    entries = [{"at": format_datetime(log.at, "yyyy-MM-dd HH:mm:ss"), "action": log.action, "email": email,
                "forbund": code, "detail": log.detail} for log, email, code in rows]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, entries=entries, page=page, pages=pages,
                           total=total, args=args)
