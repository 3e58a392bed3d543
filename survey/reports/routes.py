"""Report downloads. The national report is for NNS analysts and administrators; a förbund's own
report for its staff (another förbund's is a 404) and for NNS and administrators."""
from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from ..access import STAFF_ROLES, forbund_or_404, roles_required
from ..extensions import EXPENSIVE, limiter, per_user
from ..figures import exports
from ..models import Role
from . import bp, build

MIME = {"pdf": "application/pdf", "xlsx": exports.XLSX_MIME, "html": "text/html; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _year() -> int | None:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


def _send(report_fn, name: str, fmt: str, back: str):
    if fmt not in MIME:
        abort(404)
    year = _year()
    if year is None:
        flash(_("Choose a year for the report."))
        return redirect(back)
    try:
        report = report_fn(year)
    except build.NoData as exc:
        flash(str(exc))
        return redirect(back)
    body = build.render(report, fmt, html_mode="web")
    if fmt == "html":  # a page to read in the browser, not a download
        return HttpResponse(body, mimetype=MIME[fmt])
    return HttpResponse(body, mimetype=MIME[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}-{year}.{fmt}"'})


@bp.get("/national.<fmt>")
@roles_required(Role.ADMIN, Role.NNS)
@limiter.limit(EXPENSIVE, key_func=per_user)
def national_report(fmt):
    return _send(build.national_report, build.file_stem(), fmt, url_for("results.national"))


@bp.get("/forbund/<code>.<fmt>")
@roles_required(*STAFF_ROLES)
@limiter.limit(EXPENSIVE, key_func=per_user)
def forbund_report(code, fmt):
    forbund = forbund_or_404(code)
    return _send(lambda year: build.forbund_report(forbund, year), build.file_stem(forbund), fmt,
                 url_for("results.dashboard", code=forbund.code))
