"""Pages: upload with preview and confirm, avslut records one at a time, downloads.

Disclosure: downloads of figures go through exporting (computed over all förbund, then filtered);
raw responses only to the owning förbund's administrator, recorded in the audit log.
"""
from __future__ import annotations

import os
import re
from datetime import date, timezone

from flask import Response as HttpResponse
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, select

import pandas as pd

from indicators.disclosure import SiblingSet, report_gender, suppress
from indicators.instrument import get_instrument, latest_version
from indicators.outcomes import INCOME_CODES

from .. import navigation
from ..access import roles_required
from ..extensions import UPLOADS, db, limiter, per_user
from ..i18n import current_language
from ..models import AuditLog, AvslutRecord, Forbund, Insats, PendingUpload, Response, Role, utcnow
from ..figures import exports, releases
from ..maintenance.retention import upload_cutoff
from ..formatting import INCOME_LABELS
from .. import importing
from . import bp
from .forms import AvslutForm, ConfirmForm, UploadForm

VIEW_ROLES = (Role.ADMIN, Role.NNS, Role.FORBUND_ADMIN, Role.FORBUND_USER)
FORBUND_ROLES = (Role.FORBUND_ADMIN, Role.FORBUND_USER)
navigation.register_link("exchange.index", _l("Data: import and export"), VIEW_ROLES)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_ERRORS_SHOWN = 1000


def _own_forbund() -> Forbund:
    if current_user.forbund is None:
        abort(403)
    return current_user.forbund


def _is_forbund_user() -> bool:
    return current_user.role in {r.value for r in FORBUND_ROLES}


# --------------------------------------------------------------------------- overview
@bp.get("/")
@roles_required(*VIEW_ROLES)
def index():
    years = db.session.scalars(select(Response.year).distinct().order_by(Response.year.desc())).all()
    return render_template("exchange/index.html", years=years, forbund=current_user.forbund,
                           is_forbund=_is_forbund_user(), is_forbund_admin=current_user.role == Role.FORBUND_ADMIN)


# --------------------------------------------------------------------------- upload
def _save_upload(data: bytes, *, forbund: Forbund, kind: str, filename: str, create: bool) -> str:
    """Keep a checked upload until it is confirmed (the client never sends it back); unconfirmed
    ones are deleted after RETENTION_UPLOAD_HOURS, here as new ones come and by `flask retention`."""
    db.session.execute(delete(PendingUpload).where(PendingUpload.created_at < upload_cutoff(utcnow())))
    upload = PendingUpload(user_id=current_user.id, forbund_id=forbund.id, kind=kind, filename=filename,
                           create_insatser=create, data=data)
    db.session.add(upload)
    db.session.commit()
    return upload.token


def _load_upload(token: str) -> PendingUpload:
    upload = db.session.get(PendingUpload, token) if TOKEN_RE.match(token) else None
    if upload is None or upload.user_id != current_user.id:
        abort(404)
    return upload


def _errors_page(checked, filename: str, kind: str):
    return render_template("exchange/upload_errors.html", errors=checked.errors[:MAX_ERRORS_SHOWN],
                           more=max(0, len(checked.errors) - MAX_ERRORS_SHOWN), total=len(checked.errors),
                           filename=filename, kind=kind), 422


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.FORBUND_ADMIN)
@limiter.limit(UPLOADS, key_func=per_user, methods=["POST"])
def upload():
    forbund = _own_forbund()
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        filename = os.path.basename(storage.filename or "upload")[:200]
        data = storage.read(importing.MAX_BYTES + 1)
        kind, create = form.kind.data, bool(form.create_insats.data)
        checked = importing.check_file(data, filename, kind, create=create, only_forbund=forbund.code)
        if checked.errors:
            return _errors_page(checked, filename, kind)
        token = _save_upload(data, forbund=forbund, kind=kind, filename=filename, create=create)
        return render_template("exchange/preview.html", checked=checked, filename=filename, token=token,
                               form=ConfirmForm(), forbund=forbund)
    return render_template("exchange/upload.html", form=form, forbund=forbund,
                           kinds={kind: (importing.columns(kind), set(importing.required_columns(kind)))
                                  for kind in importing.KINDS})


@bp.get("/import/template-<kind>.<fmt>")
@roles_required(Role.FORBUND_ADMIN)
def template(kind, fmt):
    """An empty file of the kind with the header row the import reads, as CSV or .xlsx."""
    if kind not in importing.KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    frame = pd.DataFrame(columns=importing.columns(kind))
    name = f"mall-{'svar' if kind == 'responses' else 'avslut'}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.csv_text(frame).encode("utf-8"), "text/csv; charset=utf-8"
    else:
        body = exports.xlsx_bytes(frame, swedish_headings=False)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return HttpResponse(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/import/<token>")
@roles_required(Role.FORBUND_ADMIN)
@limiter.limit(UPLOADS, key_func=per_user)
def confirm(token):
    forbund = _own_forbund()
    upload = _load_upload(token)
    if not ConfirmForm().validate_on_submit() or upload.forbund_id != forbund.id:
        abort(400)
    filename, kind, data, create = upload.filename, upload.kind, upload.data, upload.create_insatser
    # Taken in the same transaction as the rows are stored: a second confirm at the same time waits
    # for this one and then finds nothing to take (a 404), never a second import.
    taken = db.session.execute(delete(PendingUpload).where(PendingUpload.token == upload.token)).rowcount
    if not taken:
        db.session.rollback()
        abort(404)
    if request.form.get("action") == "cancel":
        db.session.commit()
        flash(_("The upload was cancelled; nothing was imported."))
        return redirect(url_for("exchange.upload"))
    created = upload.created_at if upload.created_at.tzinfo else upload.created_at.replace(tzinfo=timezone.utc)
    if created < upload_cutoff(utcnow()):  # not swept yet, but past its hours all the same
        db.session.commit()
        flash(_("A checked file is kept for at most %(hours)s hours before it is imported; this one has been "
                "deleted. Upload it again.", hours=current_app.config["RETENTION_UPLOAD_HOURS"]))
        return redirect(url_for("exchange.upload"))
    # Checked again: the database may have changed since the preview.
    checked = importing.check_file(data, filename, kind, create=create, only_forbund=forbund.code)
    if checked.errors:
        db.session.commit()
        return _errors_page(checked, filename, kind)
    result = importing.store(checked, user_id=current_user.id, source=f"web upload: {filename}")
    flash(_("Imported %(added)s new rows; %(known)s were already there and were skipped.",
            added=result.added, known=result.known))
    return redirect(url_for("exchange.index"))


# --------------------------------------------------------------------------- avslut records
def _choice_list(question_id: str) -> list[tuple[str, str]]:
    inst = get_instrument(latest_version())
    lang = current_language()
    return [(c["code"], inst.label(c, lang)) for c in inst.questions[question_id].choices]


def _fill_avslut_choices(form: AvslutForm, forbund: Forbund, keep_insats_id: int | None = None) -> None:
    """Archived insatser are not offered, except the one a corrected record already has."""
    empty = [("", _("– not stated –"))]
    form.insats.choices = [("", _("– no particular insats –"))] + [
        (i.code, f"{i.name} ({i.code})") for i in forbund.insatser if not i.archived or i.id == keep_insats_id]
    form.kon.choices = [("", _("– choose –"))] + _choice_list("kon")
    form.alder.choices = empty + _choice_list("alder")
    form.utfall.choices = [("", _("– choose –"))] + _choice_list("utfall")
    income = [(code, str(INCOME_LABELS[code])) for code in INCOME_CODES]
    form.forsorjning_fore.choices = empty + income
    form.forsorjning_efter.choices = empty + income


@bp.route("/avslut/new", methods=["GET", "POST"])
@roles_required(*FORBUND_ROLES)
def avslut_new():
    forbund = _own_forbund()
    form = AvslutForm()
    if request.method == "GET":
        form.year.data = str(date.today().year)
    _fill_avslut_choices(form, forbund)
    if form.validate_on_submit():
        insats = next((i for i in forbund.insatser if i.code == form.insats.data), None)
        db.session.add(AvslutRecord(
            forbund_id=forbund.id, insats_id=insats.id if insats else None, year=int(form.year.data),
            kon=form.kon.data, alder=form.alder.data or None,
            manader=int(form.manader.data) if (form.manader.data or "").strip() else None,
            forsorjning_fore=form.forsorjning_fore.data or None,
            forsorjning_efter=form.forsorjning_efter.data or None, utfall=form.utfall.data,
        ))
        db.session.commit()
        flash(_("The avslut record was saved. You can register the next one."))
        return redirect(url_for("exchange.avslut_new"))
    return render_template("exchange/avslut_form.html", form=form, forbund=forbund)


def record_years(forbund_id: int) -> list[int]:
    """The years a förbund has avslut records for, newest first."""
    t = AvslutRecord
    return list(db.session.scalars(select(t.year).where(t.forbund_id == forbund_id).distinct().order_by(t.year.desc())))


def record_rows(forbund_id: int, year: int) -> list:
    """One year's avslut records of a förbund as (id, insats code, kön, ålder, månader, försörjning
    före, efter, utfall), for the records table (templates/exchange/_avslut.html)."""
    t = AvslutRecord
    return db.session.execute(
        select(t.id, Insats.code, t.kon, t.alder, t.manader, t.forsorjning_fore, t.forsorjning_efter, t.utfall)
        .outerjoin(Insats, Insats.id == t.insats_id).where(t.forbund_id == forbund_id, t.year == year)
        .order_by(t.id)).all()


@bp.get("/avslut")
@roles_required(*FORBUND_ROLES)
def avslut_list():
    forbund = _own_forbund()
    released = releases.outcome_counts()
    released = released[released["source"].eq("avslut") & released["forbund"].eq(forbund.code)]
    # Years from the records themselves (an administrator lists this year's records as soon as
    # they are entered); their counts as released, so they move in steps of k.
    years = record_years(forbund.id)
    released_per_year = released.groupby("year")["n"].sum()
    per_year = [(y, int(released_per_year.get(y, 0))) for y in years]
    year = request.args.get("year", type=int)
    if year not in years:
        year = years[0] if years else None
    k = int(current_app.config["DISCLOSURE_K"])
    shown_years = suppress(pd.DataFrame(per_year, columns=["year", "n"]), count_col="n", k=k)
    per_year = [(int(r.year), None if r.suppressed else int(r.n), r.hidden_reason)
                for r in shown_years.itertuples()]
    table, records = {}, []
    if year is not None:
        table = _avslut_overview(released[released["year"].eq(year)], k)
        if current_user.role == Role.FORBUND_ADMIN:  # the förbund's own data, its admins only
            records = record_rows(forbund.id, year)
    utfall_codes = [c for c, _l2 in _choice_list("utfall")] + ([""] if any(u == "" for u, _g in table) else [])
    genders = [("kvinna", _("Women")), ("man", _("Men")), ("ovriga", _("Other / not stated")), ("alla", _("All"))]
    return render_template("exchange/avslut_list.html", forbund=forbund, per_year=per_year, year=year,
                           table=table, genders=genders, utfall_codes=[*utfall_codes, "alla"], records=records,
                           utfall_labels={**dict(_choice_list("utfall")), "alla": _("All")})


def _avslut_overview(released: pd.DataFrame, k: int) -> dict:
    """(utfall, gender) → (records, hidden, reason): the outcome × gender table of one förbund
    and year (its released avslut counts) through the disclosure engine, with its totals (gender
    `alla`, utfall `alla`), so that no cell of 1–4 records shows and none can be worked out from
    the totals."""
    frame = pd.DataFrame({"kon": released["gender"], "utfall": released["utfall"].fillna(""), "n": released["n"]})
    frame["gender"] = report_gender(frame["kon"]).astype(str)
    frame = frame.groupby(["utfall", "gender"], as_index=False)["n"].sum()
    by_utfall = frame.groupby("utfall", as_index=False)["n"].sum().assign(gender="alla")
    by_gender = frame.groupby("gender", as_index=False)["n"].sum().assign(utfall="alla")
    total = pd.DataFrame([{"utfall": "alla", "gender": "alla", "n": int(frame["n"].sum())}])
    frame = pd.concat([frame, by_utfall, by_gender, total], ignore_index=True)
    out = suppress(frame, count_col="n", k=k, sibling_sets=[SiblingSet(("utfall",), "gender", "alla"),
                                                            SiblingSet(("gender",), "utfall", "alla")])
    return {(r["utfall"], r["gender"]): (int(r["n"]), bool(r["suppressed"]), r["hidden_reason"])
            for r in out.to_dict("records")}


# --------------------------------------------------------------------------- downloads
def _download(df, name: str, fmt: str, *, swedish_headings: bool = True):
    if fmt == "csv":
        return HttpResponse(exports.csv_text(df), mimetype="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return HttpResponse(exports.xlsx_bytes(df, swedish_headings=swedish_headings), mimetype=exports.XLSX_MIME,
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    abort(404)


def _year_filter():
    raw = request.args.get("year", "").strip()
    if not raw:
        return None, None
    if not re.fullmatch(r"\d{4}", raw):
        flash(_("The year must have four digits."))
        return None, redirect(url_for("exchange.index"))
    return [int(raw)], None


def _scope() -> dict:
    """Förbund staff download their own förbund's rows and the national row; NNS and admins all."""
    if _is_forbund_user():
        return {"forbund": _own_forbund().code, "national": True}
    return {}


@bp.get("/export/indicators.<fmt>")
@roles_required(*VIEW_ROLES)
def export_indicators(fmt):
    years, bad = _year_filter()
    if bad:
        return bad
    df = exports.indicators_export(years=years, by_gender=request.args.get("by") == "gender",
                                     k=current_app.config["DISCLOSURE_K"], **_scope())
    return _download(df, "indikatorer", fmt)


@bp.get("/export/outcomes.<fmt>")
@roles_required(*VIEW_ROLES)
def export_outcomes(fmt):
    years, bad = _year_filter()
    if bad:
        return bad
    source = request.args.get("source") or None
    if source not in (None, "avslut", "enkat"):
        flash(_("Choose the source avslut records or questionnaire."))
        return redirect(url_for("exchange.index"))
    df = exports.outcomes_export(years=years, source=source, k=current_app.config["DISCLOSURE_K"], **_scope())
    return _download(df, "utfall", fmt)


@bp.get("/export/<code>/responses.<fmt>")
@roles_required(*VIEW_ROLES)
def export_responses(code, fmt):
    return _raw_download(code, fmt, "responses", exports.responses_export,
                         f"svar-{code}")


@bp.get("/export/<code>/comments.<fmt>")
@roles_required(*VIEW_ROLES)
def export_comments(code, fmt):
    return _raw_download(code, fmt, "comments", lambda forbund_id: exports.comments_export(
        forbund_id, k=current_app.config["DISCLOSURE_K"]), f"kommentarer-{code}")


def _raw_download(code: str, fmt: str, what: str, build, name: str):
    """Raw responses and comments leave only to the owning förbund's administrator, recorded in
    the audit log (DISCLOSURE.md, raw data)."""
    if current_user.role != Role.FORBUND_ADMIN or current_user.forbund is None or current_user.forbund.code != code:
        abort(403)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    df = build(current_user.forbund_id)
    db.session.add(AuditLog(user_id=current_user.id, forbund_id=current_user.forbund_id, action=f"export_{what}",
                            detail=f"web download ({fmt}): {len(df)} {what}"))
    db.session.commit()
    return _download(df, name, fmt, swedish_headings=False)


@bp.get("/export/<code>/avslut.<fmt>")
@roles_required(Role.FORBUND_ADMIN)
def export_avslut(code, fmt):
    forbund = _own_forbund()
    if forbund.code != code:
        abort(403)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    df = exports.avslut_export(forbund.id)
    db.session.add(AuditLog(user_id=current_user.id, forbund_id=forbund.id, action="export_avslut",
                            detail=f"web download ({fmt}): {len(df)} records"))
    db.session.commit()
    return _download(df, f"avslut-{code}", fmt, swedish_headings=False)


@bp.app_template_filter("group_label")
def group_label(code: str) -> str:
    group = get_instrument(latest_version()).groups.get(code)
    return get_instrument(latest_version()).label(group["label"], current_language()) if group else code
