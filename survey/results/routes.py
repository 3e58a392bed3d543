"""Results pages, their charts (SVG) and exports (CSV, Excel).

Who sees what: förbund staff their own förbund only (another förbund's pages, charts and exports
are a 404, so codes are not confirmed); NNS analysts and administrators every förbund, the
national view and the national genuskompass. Every figure comes from the published tables
(figures/tables.py); the comparison page shows other förbund's published cells, as the national
report does. Only the comments page reads free text: a förbund's own staff, through the comments
export's selection (figures/exports.comments_export), recorded in the audit log.
"""
from __future__ import annotations

import re

from flask import Response as HttpResponse
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from indicators.instrument import GROUP_ORDER

from .. import charts, formatting, navigation, periods
from ..access import FORBUND_ROLES, SAFE_ID, STAFF_ROLES, forbund_or_404, roles_required
from ..extensions import db
from ..figures import exports, tables
from ..i18n import current_language
from ..models import AuditLog, Forbund, Role
from ..pages import compare as compare_page
from ..pages import dashboard as dashboard_page
from ..pages import genuskompass as genuskompass_page
from ..pages import labels, spreadsheet
from ..pages import national as national_page
from ..pages import outcomes as outcomes_page
from ..pages.filters import choose_year
from ..pages.model import View
from . import bp

NATIONAL = tables.NATIONAL
from indicators.rounding import CAUTION_BELOW

from .forms import (
    CommentsFilter,
    CompareFilter,
    DashboardFilter,
    GenuskompassFilter,
    NationalFilter,
    OutcomesFilter,
)

NATIONAL_ROLES = (Role.ADMIN, Role.NNS)
KINDS = ("dashboard", "genuskompass", "national", "compare", "outcomes")

navigation.register_link("results.index", _l("Results and genuskompass"), STAFF_ROLES)
navigation.register_link("results.national", _l("National view"), NATIONAL_ROLES)
navigation.register_link("results.outcomes_index", _l("Outcomes by intervention, age and income"), STAFF_ROLES)


bp.add_app_template_filter(periods.year_label, "year_label")


def is_national_user() -> bool:
    return current_user.role in {r.value for r in NATIONAL_ROLES}


def build(kind: str, code: str) -> tuple[View, dict]:
    """The view of a page (kind, förbund code or riket), after the access check."""
    if code == NATIONAL:
        if not is_national_user():
            abort(403)
        if kind == "national":
            return national_page.national(request.args), {}
        if kind == "genuskompass":
            return genuskompass_page.genuskompass(NATIONAL, str(labels.forbund_names()[NATIONAL]), request.args), {}
        if kind == "outcomes":
            return outcomes_page.breakdowns(NATIONAL, labels.national_label(), request.args), {}
        abort(404)
    forbund = forbund_or_404(code)
    if kind == "dashboard":
        return dashboard_page.dashboard(forbund, request.args), {"forbund": forbund}
    if kind == "genuskompass":
        return genuskompass_page.genuskompass(forbund.code, forbund.name, request.args), {"forbund": forbund}
    if kind == "compare":
        return compare_page.comparison(forbund, request.args), {"forbund": forbund}
    if kind == "outcomes":
        names = {i.code: i.name for i in forbund.insatser}
        return outcomes_page.breakdowns(forbund.code, forbund.name, request.args, names), {"forbund": forbund}
    abort(404)


def _query(view: View) -> dict:
    """The resolved filters as query arguments, so chart and export links show the page's figures."""
    return {k: v for k, v in view.filters.items() if v not in (None, "")}


def _links(kind: str, code: str, view: View) -> dict:
    query = _query(view)
    return {
        "chart": lambda chart: url_for("results.chart", kind=kind, code=code, chart_id=chart.id, **query),
        "export": lambda table, fmt: url_for("results.export", kind=kind, code=code, table_id=table.id, fmt=fmt,
                                             **query),
    }


# --------------------------------------------------------------------------- pages
@bp.get("/")
@roles_required(*STAFF_ROLES)
def index():
    if not is_national_user():
        if current_user.forbund is None:
            abort(403)
        return redirect(url_for("results.dashboard", code=current_user.forbund.code))
    forbund = db.session.scalars(select(Forbund).order_by(Forbund.name)).all()
    return render_template("results/index.html", forbund=forbund)


def _year_choices(years) -> list[tuple[str, str]]:
    return [(str(y), periods.year_label(y)) for y in reversed(years)]


def _group_choices() -> list[tuple[str, str]]:
    return [(g, labels.group_name(g)) for g in GROUP_ORDER]


def _indicator_choices() -> list[tuple[str, str]]:
    return [(str(n), f"{n}. {labels.indicator_name(n)}") for n in labels.instrument().indicators]


@bp.get("/forbund/<code>/")
@roles_required(*STAFF_ROLES)
def dashboard(code):
    view, ctx = build("dashboard", code)
    forbund = ctx["forbund"]
    form = DashboardFilter(data={k: str(v) for k, v in view.filters.items() if v is not None})
    form.year.choices = _year_choices(tables.years_with_data(forbund.code))
    # Archived insatser leave the choices (their figures stay in the totals), unless chosen by link.
    form.insats.choices = [("", _l("All interventions"))] + [
        (i.code, i.name) for i in forbund.insatser if not i.archived or i.code == view.filters.get("insats")]
    form.group.choices = [("", _l("All respondent groups"))] + _group_choices()
    form.indicator.choices = _indicator_choices()
    return render_template("results/dashboard.html", view=view, form=form, forbund=forbund,
                           links=_links("dashboard", code, view))


@bp.get("/forbund/<code>/genuskompass")
@roles_required(*STAFF_ROLES)
def forbund_genuskompass(code):
    return _genuskompass_page(code)


@bp.get("/riket/genuskompass")
@roles_required(*NATIONAL_ROLES)
def national_genuskompass():
    return _genuskompass_page(NATIONAL)


def _genuskompass_page(code: str):
    view, ctx = build("genuskompass", code)
    form = GenuskompassFilter(data={"year": str(view.filters["year"])})
    form.year.choices = _year_choices(genuskompass_page.years_of(code))
    return render_template("results/genuskompass.html", view=view, form=form, forbund=ctx.get("forbund"),
                           code=code, links=_links("genuskompass", code, view))


@bp.get("/riket/")
@roles_required(*NATIONAL_ROLES)
def national():
    view, _ctx = build("national", NATIONAL)
    form = NationalFilter(data={k: str(v) for k, v in view.filters.items() if v is not None})
    form.year.choices = _year_choices(tables.years_with_data())
    form.group.choices = _group_choices()
    form.indicator.choices = _indicator_choices()
    return render_template("results/national.html", view=view, form=form,
                           links=_links("national", NATIONAL, view))


@bp.get("/forbund/<code>/compare")
@roles_required(*STAFF_ROLES)
def compare(code):
    """A förbund next to riket and förbund of similar size (pages/compare.py says how they are chosen)."""
    view, ctx = build("compare", code)
    forbund = ctx["forbund"]
    form = CompareFilter(data={k: str(v) for k, v in view.filters.items() if v is not None})
    form.year.choices = _year_choices(tables.years_with_data(forbund.code))
    form.group.choices = _group_choices()
    return render_template("results/compare.html", view=view, form=form, forbund=forbund,
                           links=_links("compare", code, view))


@bp.get("/outcomes/")
@roles_required(*STAFF_ROLES)
def outcomes_index():
    """The navigation's way in: a förbund's own page, the national one for NNS."""
    if not is_national_user():
        if current_user.forbund is None:
            abort(403)
        return redirect(url_for("results.forbund_outcomes", code=current_user.forbund.code))
    return redirect(url_for("results.national_outcomes"))


@bp.get("/forbund/<code>/outcomes")
@roles_required(*STAFF_ROLES)
def forbund_outcomes(code):
    """Outcomes per insats and age band, income before → after and months, by gender."""
    return _outcomes_page(code)


@bp.get("/riket/outcomes")
@roles_required(*NATIONAL_ROLES)
def national_outcomes():
    return _outcomes_page(NATIONAL)


def _outcomes_page(code: str):
    view, ctx = build("outcomes", code)
    form = OutcomesFilter(data={k: str(v) for k, v in view.filters.items() if v is not None})
    form.year.choices = _year_choices(outcomes_page.years_of(code))
    for name, choices in outcomes_page.filter_choices().items():
        form[name].choices = choices
    return render_template("results/outcomes.html", view=view, form=form, forbund=ctx.get("forbund"), code=code,
                           caution_below=CAUTION_BELOW,
                           links=_links("outcomes", code, view))


@bp.get("/forbund/<code>/comments")
@roles_required(*FORBUND_ROLES)
def comments(code):
    """Free-text comments of the förbund's own responses, for its own staff only (NNS and the
    system administrator never: DISCLOSURE.md keeps free text out of national use). Exactly what
    the comments export gives (groups of at least ten responses, year and respondent group only,
    never beside a gender, age, insats or outcome split, random order); each reading is logged."""
    forbund = forbund_or_404(code)
    notices: list[str] = []
    years = tables.years_with_data(forbund.code)
    year = choose_year(request.args.get("year"), years, notices)
    form = CommentsFilter(data={"year": str(year) if year is not None else ""})
    form.year.choices = _year_choices(years)
    groups = []
    if year is not None:
        frame = exports.comments_export(forbund.id, year=year, k=formatting.k())
        by_group: dict[str, list[str]] = {}
        for row in frame.to_dict("records"):
            by_group.setdefault(row["respondent_group"], []).append(row["kommentar"])
        groups = [(labels.group_name(g), by_group[g]) for g in GROUP_ORDER if g in by_group]
        db.session.add(AuditLog(user_id=current_user.id, forbund_id=forbund.id, action="view_comments",
                                detail=f"results page: {len(frame)} comments of {year}"))
        db.session.commit()
    return render_template("results/comments.html", forbund=forbund, form=form, year=year, groups=groups,
                           notices=notices)


# --------------------------------------------------------------------------- charts and exports
def _kind_and_code(kind: str, code: str) -> None:
    if kind not in KINDS or not SAFE_ID.match(code):
        abort(404)


@bp.get("/<kind>/<code>/chart/<chart_id>.svg")
@roles_required(*STAFF_ROLES)
def chart(kind, code, chart_id):
    _kind_and_code(kind, code)
    view, _ctx = build(kind, code)
    spec = view.chart(chart_id)
    if spec is None:
        abort(404)
    etag, svg = charts.svg(spec.build(), current_language())
    response = HttpResponse(svg, mimetype="image/svg+xml")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response.make_conditional(request)


@bp.get("/<kind>/<code>/export/<table_id>.<fmt>")
@roles_required(*STAFF_ROLES)
def export(kind, code, table_id, fmt):
    _kind_and_code(kind, code)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    view, _ctx = build(kind, code)
    table = view.table(table_id)
    if table is None:
        abort(404)
    return download(periods.mark_preliminary(table.frame), f"{kind}-{code}-{table_id}", fmt)


def download(frame, name: str, fmt: str) -> HttpResponse:
    """A published table as CSV (exchange codes as headings) or Excel (Swedish headings); hidden
    cells are empty with suppressed = 1, text cells are made formula-safe by the exchange writer."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    if fmt == "csv":
        return HttpResponse(exports.csv_text(frame), mimetype="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    renamed = frame.set_axis(spreadsheet.headings(frame.columns), axis=1)
    return HttpResponse(exports.xlsx_bytes(renamed, swedish_headings=False, sheet="Data"), mimetype=exports.XLSX_MIME,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
