"""Pages for corrections of data (issue 12 point 3): edit and delete one avslut record, list the
imports and undo one as a whole. For the förbund administrator (their own förbund's data) and
the system administrator (every förbund's); another förbund's record or import is a 404, so ids
are not confirmed. The work and its audit rows are done by survey/corrections.py.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import corrections, navigation
from ..access import check_forbund, roles_required
from ..extensions import db
from ..models import AvslutRecord, Forbund, ImportBatch, Role, User
from . import bp
from .forms import AvslutForm, ConfirmForm
from .routes import _fill_avslut_choices, record_rows, record_years

CORRECT_ROLES = (Role.ADMIN, Role.FORBUND_ADMIN)
PAGE_SIZE = 50
navigation.register_link("exchange.imports", _l("Corrections: imports and avslut records"), CORRECT_ROLES)


def _is_admin() -> bool:
    return current_user.role == Role.ADMIN


def _record(record_id: int) -> AvslutRecord:
    record = db.session.get(AvslutRecord, record_id)
    if record is None:
        abort(404)
    check_forbund(record.forbund_id)
    return record


def _chosen_forbund() -> Forbund | None:
    """The förbund whose data the page shows: one's own, or the administrator's choice (?forbund=code)."""
    if not _is_admin():
        return current_user.forbund
    code = request.args.get("forbund", "")
    return db.session.scalar(select(Forbund).where(Forbund.code == code)) if code else None


# --------------------------------------------------------------------------- avslut records
@bp.get("/avslut/records")
@roles_required(*CORRECT_ROLES)
def avslut_records():
    """One förbund's avslut records of one year, each with a link to correct it."""
    forbund = _chosen_forbund()
    all_forbund = db.session.scalars(select(Forbund).order_by(Forbund.name)).all() if _is_admin() else []
    if forbund is None:
        if not _is_admin():
            abort(403)
        return render_template("exchange/avslut_records.html", forbund=None, all_forbund=all_forbund,
                               years=[], year=None, records=[])
    years = record_years(forbund.id)
    year = request.args.get("year", type=int)
    if year not in years:
        year = years[0] if years else None
    records = record_rows(forbund.id, year) if year is not None else []
    return render_template("exchange/avslut_records.html", forbund=forbund, all_forbund=all_forbund,
                           years=years, year=year, records=records)


def _back_to_records(record_forbund_id: int, year: int):
    forbund = db.session.get(Forbund, record_forbund_id)
    args = {"year": year, **({"forbund": forbund.code} if _is_admin() else {})}
    return redirect(url_for("exchange.avslut_records", **args))


@bp.route("/avslut/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required(*CORRECT_ROLES)
def avslut_edit(record_id: int):
    record = _record(record_id)
    forbund = record.forbund
    form = AvslutForm()
    if request.method == "GET":
        form.insats.data = record.insats.code if record.insats else ""
        form.year.data = str(record.year)
        for name in ("kon", "alder", "forsorjning_fore", "forsorjning_efter", "utfall"):
            getattr(form, name).data = getattr(record, name) or ""
        form.manader.data = "" if record.manader is None else str(record.manader)
    _fill_avslut_choices(form, forbund, keep_insats_id=record.insats_id)
    if form.validate_on_submit():
        insats = next((i for i in forbund.insatser if i.code == form.insats.data), None)
        changed = corrections.update_avslut(record, {
            "insats_id": insats.id if insats else None, "year": int(form.year.data), "kon": form.kon.data,
            "alder": form.alder.data or None,
            "manader": int(form.manader.data) if (form.manader.data or "").strip() else None,
            "forsorjning_fore": form.forsorjning_fore.data or None,
            "forsorjning_efter": form.forsorjning_efter.data or None, "utfall": form.utfall.data,
        }, user_id=current_user.id)
        flash(_("The avslut record was corrected.") if changed else _("Nothing was changed."))
        return _back_to_records(record.forbund_id, record.year)
    return render_template("exchange/avslut_edit.html", form=form, record=record, forbund=forbund,
                           delete_form=ConfirmForm(prefix="delete"))


@bp.post("/avslut/<int:record_id>/delete")
@roles_required(*CORRECT_ROLES)
def avslut_delete(record_id: int):
    record = _record(record_id)
    forbund_id, year = record.forbund_id, record.year
    corrections.delete_avslut(record, user_id=current_user.id)
    flash(_("The avslut record was deleted."))
    return _back_to_records(forbund_id, year)


# --------------------------------------------------------------------------- imports
def _batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    if not _is_admin() and (batch.forbund_id is None or batch.forbund_id != current_user.forbund_id):
        abort(404)  # an import of several förbund (command line) is the administrator's
    return batch


@bp.get("/imports")
@roles_required(*CORRECT_ROLES)
def imports():
    """The imports, newest first, with Undo where the undo window is still open."""
    stmt = select(ImportBatch, User.email, Forbund.code).outerjoin(User, User.id == ImportBatch.user_id) \
        .outerjoin(Forbund, Forbund.id == ImportBatch.forbund_id)
    if not _is_admin():
        stmt = stmt.where(ImportBatch.forbund_id == current_user.forbund_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, min(request.args.get("page", 1, type=int), 10**6))
    rows = db.session.execute(stmt.order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    batches = [{"batch": b, "email": email, "forbund": code, "undo": corrections.can_undo(b),
                "at": format_datetime(b.created_at, "yyyy-MM-dd HH:mm"),
                "until": format_datetime(corrections.undo_deadline(b), "yyyy-MM-dd HH:mm")}
               for b, email, code in rows]
    return render_template("exchange/imports.html", batches=batches, form=ConfirmForm(), page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), days=corrections.undo_days(),
                           is_admin=_is_admin())


@bp.post("/imports/<int:batch_id>/undo")
@roles_required(*CORRECT_ROLES)
def import_undo(batch_id: int):
    batch = _batch(batch_id)
    try:
        deleted = corrections.undo_import(batch, user_id=current_user.id)
    except corrections.UndoRefused as exc:
        flash(str(exc))
        return redirect(url_for("exchange.imports"))
    flash(_("The import was undone: %(n)s rows were deleted.", n=deleted))
    return redirect(url_for("exchange.imports"))
