"""The equality report for a year: national (NNS) or for one förbund, as printable HTML, a tagged
PDF (WeasyPrint), an editable Word document (python-docx) and an Excel workbook (one sheet per
table). One builder makes the sections; each renderer only shows them.

The sections are assembled from the same builders as the results pages (survey/pages/),
so a report shows exactly the figures, and hides exactly the cells, that the pages do. Charts are
the same SVGs, embedded as data: URIs so that the files stand alone. Free text is never read.
"""
from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from flask import render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from indicators.genuskompass import VERDICT_CLEAR, VERDICT_TOO_FEW, Family, compare_table, family_of
from indicators.instrument import GROUP_ORDER, PARTICIPANT_GROUPS

from .. import charts, periods
from .. import formatting as fmt
from ..figures import exports
from ..i18n import current_language
from ..figures import tables
from ..pages import cells, gender_tables, labels, spreadsheet
from ..pages import genuskompass as genuskompass_page
from ..pages import national as national_page
from ..pages import outcomes as outcomes_page
from ..pages.model import Cell, ChartSpec, Section, Table
from . import guide, pdf
from .formats import format_of

INSATS_TOTAL, NATIONAL = tables.INSATS_TOTAL, tables.NATIONAL

STATIC = Path(__file__).resolve().parents[1] / "static"
CSS_FILES = ("report.css", "scroll.css")
SCRIPT_FILE = "scroll-cue.js"  # shows "scroll sideways" where a chart or table is wider than the screen
# The comparisons NNS follows in the side-by-side and trend sections: (kind, code, group/source).
KEY_MEASURES = (
    ("indicator", 1, "deltagare_avslut"), ("indicator", 3, "deltagare_avslut"),
    ("indicator", 6, "deltagare_avslut"), ("rate", "work", "avslut"),
    ("rate", "subsidised_work", "avslut"), ("rate", "studies", "avslut"),
    ("rate", "sick_leave", "avslut"),
)
TREND_MEASURES = KEY_MEASURES[:2] + KEY_MEASURES[2:3] + KEY_MEASURES[4:6]


@dataclass
class Report:
    title: str
    scope: str                # förbund code or riket
    scope_name: str
    year: int
    generated: date
    sections: list[Section] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


class NoData(ValueError):
    pass


@contextmanager
def _without_cyclic_gc():
    """Building a report allocates objects by the hundred thousand (WeasyPrint alone some 500,000
    for the national report), and each full cyclic collection that their number sets off walks
    all of them and every table the process holds (0.2–0.6 s each, a fifth of the PDF time).
    Nothing in a build needs collecting before it ends; reference counting frees the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- assembling
def default_year(scope: str) -> int | None:
    """The year a report opens on when none is asked for: the one the results pages open on
    (the latest ended year with a shown figure)."""
    ind = tables.indicators()
    ind = ind[ind["forbund"].eq(scope)]
    return periods.default_year(genuskompass_page.years_of(scope), periods.shown_years(ind))


def file_stem(forbund=None) -> str:
    """The download's name without year and suffix, the same from the command and the web."""
    return f"jamstalldhetsrapport-{forbund.code}" if forbund is not None else "jamstalldhetsrapport-riket"


def national_report(year: int) -> Report:
    return _report(NATIONAL, str(labels.forbund_names()[NATIONAL]), year)


def forbund_report(forbund, year: int) -> Report:
    return _report(forbund.code, forbund.name, year, {i.code: i.name for i in forbund.insatser})


@_without_cyclic_gc()
def _report(scope: str, scope_name: str, year: int, insats_names: dict | None = None) -> Report:
    if year not in genuskompass_page.years_of(scope):
        raise NoData(_("There are no figures for %(name)s in %(year)s.", name=scope_name, year=year))
    national = scope == NATIONAL
    shown_year = periods.year_label(year)  # the running year is marked preliminary
    title = (_("National equality report %(year)s", year=shown_year) if national
             else _("Equality report %(year)s: %(name)s", year=shown_year, name=scope_name))
    report = Report(title, scope, scope_name, year, date.today())
    # Every comparison in the report is one Benjamini–Hochberg family (GENUSKOMPASS.md): the
    # genuskompass of the year, the key gaps over the years and, nationally, every förbund's gap.
    trend_frames = _trend_frames(scope, year)
    gap_frames = _gap_frames(year) if national else []
    family = family_of([*genuskompass_page.measure_frames(genuskompass_page.genuskompass_measures(scope, year)),
                        *(f for *_key, f in trend_frames), *(f for *_key, f in gap_frames)])
    # Words first: the title, what holds up, how to read it and what it rests on; then the figures.
    report.sections.append(_about(report))
    report.sections.append(guide.key_findings(scope, year, family, gap_frames))
    report.sections.append(guide.method(family))
    report.sections.append(guide.data_sources(scope, year, report.generated))
    ind = tables.indicators()
    ind = ind[ind["forbund"].eq(scope) & ind["insats"].eq(INSATS_TOTAL) & ind["year"].eq(year)]
    for group in PARTICIPANT_GROUPS:
        rows = ind[ind["respondent_group"].eq(group)]
        if rows.empty:
            continue
        name = labels.group_name(group)
        section = Section(f"group-{group}", _("Indicators by gender: %(group)s", group=name))
        section.charts.append(gender_tables.gender_bar_chart(f"indicators-{group}", _("%(group)s, %(year)s", group=name, year=year),
                                                     rows, group))
        section.tables.append(gender_tables.gender_table(f"indicators-{group}", _("%(group)s, %(year)s", group=name, year=year),
                                                 rows, group))
        report.sections.append(section)
    staff = Section("staff", _("Staff, management, board and referrers"),
                    intro=_("These groups are not asked their gender: their figures are not split."))
    for group in GROUP_ORDER:
        rows = ind[ind["respondent_group"].eq(group)]
        if group not in PARTICIPANT_GROUPS and not rows.empty:
            staff.tables.append(gender_tables.gender_table(f"indicators-{group}", labels.group_name(group), rows, group))
    if staff.tables:
        report.sections.append(staff)
    report.sections.append(_outcomes(scope, year))
    report.sections += outcomes_page.report_sections(scope, year, insats_names)
    # On paper each sub-goal keeps its comparisons, sentences and questions on one page; the
    # gaps over the years of the key comparisons follow in their own section.
    genuskompass = genuskompass_page.genuskompass(scope, scope_name, {"year": str(year)}, trend=False, family=family)
    for section in genuskompass.sections:
        section.title = _("Genuskompass %(goal)s", goal=section.title)
        report.sections.append(section)
    report.sections.append(_gap_trend(scope, year, trend_frames, family))
    if national:
        report.sections.append(_gaps_side_by_side(year, gap_frames, family))
        all_ind = tables.indicators()
        all_ind = all_ind[all_ind["insats"].eq(INSATS_TOTAL) & all_ind["year"].eq(year)]
        for group in PARTICIPANT_GROUPS:
            rows = all_ind[all_ind["respondent_group"].eq(group)]
            if not rows.empty:
                section = national_page.side_by_side(rows, group, year)
                section.id = f"forbund-{group}"
                section.tables[0].id = f"forbund-{group}"
                section.title = _("Every förbund side by side: %(group)s", group=labels.group_name(group))
                report.sections.append(section)
    _number_tables(report)
    return report


def _number_tables(report: Report) -> None:
    seen: set[str] = set()
    for table in report.tables:
        base, n = table.id, 2
        while table.id in seen:
            table.id, n = f"{base}-{n}", n + 1
        seen.add(table.id)


def _about(report: Report) -> Section:
    intro = " ".join([
        _("The NNS indicators split by gender, the genuskompass comparisons under the six gender-equality "
          "sub-goals and the outcomes after the interventions, for %(name)s in %(year)s.",
          name=report.scope_name, year=report.year),
        _("Every figure rests on at least %(k)s responses; “–” marks a hidden figure (%(reason)s, or %(protects)s), "
          "which is never zero.", k=fmt.k(), reason=fmt.hidden_reason(), protects=fmt.hidden_reason("protects")),
        fmt.release_note(),
        *_pooled(report),
        _("Free-text comments are never part of a report."),
    ])
    return Section("about", report.title, intro=intro,
                   subtitle=_("Produced %(date)s", date=fmt.long_date(report.generated)))


def _pooled(report: Report) -> list[str]:
    """Which förbund riket pools in the report's year: those with responses, not every förbund."""
    if report.scope != NATIONAL:
        return []
    ind = tables.indicators()
    members = national_page.participating(ind[ind["year"].eq(report.year) & ind["insats"].eq(INSATS_TOTAL)])
    return [ngettext("%(label)s pools the counts of the %(num)d förbund with responses in %(year)s: %(names)s.",
                     "%(label)s pools the counts of the %(num)d förbund with responses in %(year)s: %(names)s.",
                     len(members), label=labels.national_label(), year=report.year, names=", ".join(members))]


def _outcomes(scope: str, year: int) -> Section:
    out = tables.outcomes()
    out = out[out["forbund"].eq(scope) & out["year"].eq(year)]
    section = Section("outcomes", _("Outcomes after the intervention"),
                      intro=_("Shares of those with a known outcome. The two sources are never added together."))
    for source in ("avslut", "enkat"):
        rows = out[out["source"].eq(source)]
        if rows.empty:
            continue
        section.tables.append(gender_tables.gender_table(
            f"outcomes-{source}", _("Outcomes by gender (%(source)s)", source=labels.SOURCE_LABELS[source]), rows,
            PARTICIPANT_GROUPS[0], key="rate", label=lambda r: str(labels.RATE_LABELS[r]),
            figures=("numerator", "n", None)))
    return section


def _measure_rows(kind: str, code, where: str, forbund: str | None = None) -> pd.DataFrame:
    """The published rows (all years) of one key comparison, with förbund and riket."""
    if kind == "indicator":
        table = tables.indicators()
        rows = table[table["insats"].eq(INSATS_TOTAL) & table["indicator"].eq(code)
                     & table["respondent_group"].eq(where)].drop(columns=["insats"])
    else:
        table = tables.outcomes()
        rows = table[table["rate"].eq(code) & table["source"].eq(where)]
    return rows if forbund is None else rows[rows["forbund"].eq(forbund)]


def _measure_label(kind: str, code, where: str) -> str:
    if kind == "indicator":
        return f"{code}. {labels.indicator_name(code)} ({labels.group_name(where)})"
    return f"{labels.RATE_LABELS[code]} ({labels.SOURCE_LABELS[where]})"


def _clear_note(family: Family) -> str:
    return " ".join([
        _("“clear” (in the PDF: *): the difference's %(level)s confidence interval does not contain 0; "
          "“too few answers” (in the PDF: ?): the interval contains 0 but also a difference of 10 points.",
          level=fmt.confidence(family.confidence)),
        genuskompass_page.family_note(family)])


def _gap_cell(row) -> Cell:
    if row is None or int(row["suppressed"]) == 1:
        return cells.hidden_cell()
    gap = fmt.points(row["difference"])
    verdict = row.get("verdict")
    if verdict == VERDICT_CLEAR:
        return Cell(gap, _("clear"), short=gap + "*")
    if verdict == VERDICT_TOO_FEW:
        return Cell(gap, _("too few answers"), short=gap + "?")
    return Cell(gap, _("not clear"), short=gap)


def _trend_frames(scope: str, year: int) -> list[tuple[str, object, str, pd.DataFrame]]:
    """The compare_table rows of the key comparisons over the years up to the report's year."""
    out = []
    for kind, code, where in TREND_MEASURES:
        cmp = compare_table(_measure_rows(kind, code, where, scope), fmt.k())
        cmp = cmp[cmp["year"].le(year)]
        if not cmp.empty:
            out.append((kind, code, where, cmp))
    return out


def _gap_trend(scope: str, year: int, trend_frames, family: Family) -> Section:
    """The gaps of the key comparisons over the years up to the report's year."""
    frames, body, plot_rows, series = [], [], [], []
    years = [y for y in genuskompass_page.years_of(scope) if y <= year]
    for kind, code, where, cmp in trend_frames:
        cmp = family.apply(cmp, fmt.k())
        label, sid = _measure_label(kind, code, where), f"{kind}-{code}-{where}"
        series.append((sid, label))
        by = {int(r["year"]): r for r in cmp.to_dict("records")}
        body.append((label, [_gap_cell(by.get(y)) for y in years]))
        for y in (y for y in years if not periods.is_preliminary(y)):  # the running year: table only
            r = by.get(y)
            shown = r is not None and int(r["suppressed"]) == 0
            plot_rows.append({"year": y, "series": sid, "value": float(r["difference"]) if shown else None,
                              "low": float(r["ci_low"]) if shown else None,
                              "high": float(r["ci_high"]) if shown else None,
                              "label": fmt.points(r["difference"]) if shown else ""})
        frames.append(cmp.assign(measure=sid))
    title = _("The gaps over the years (women minus men, points)")
    section = Section("gap-trend", title)
    if not series:
        return section
    if not plot_rows:  # only the running year: its gaps stand in the table
        section.tables.append(Table("gap-trend", title, [_("Comparison"), *map(periods.year_label, years)], body,
                                    genuskompass_page.comparison_frame(pd.concat(frames, ignore_index=True)),
                                    note=_clear_note(family)))
        return section
    reason = fmt.hidden_reason()
    summary = _("Gap in points per year for %(n)s key comparisons, with %(level)s confidence intervals; points "
                "resting on %(reason)s are not drawn.", n=len(series), reason=reason,
                level=fmt.confidence(family.confidence))
    section.charts.append(ChartSpec("gap-trend", title, summary, lambda: charts.lines(
        plot_rows, title=title, y_title=_("Women minus men (points)"), hidden_text=reason, series=series,
        y_domain=None, intervals=True, zero_rule=True)))
    section.tables.append(Table("gap-trend", title, [_("Comparison"), *map(periods.year_label, years)], body,
                                genuskompass_page.comparison_frame(pd.concat(frames, ignore_index=True)), note=_clear_note(family)))
    return section


def _gap_frames(year: int) -> list[tuple[str, object, str, pd.DataFrame]]:
    """Each förbund's compare_table row on the key comparisons in the report's year."""
    out = []
    for kind, code, where in KEY_MEASURES:
        rows = _measure_rows(kind, code, where)
        cmp = compare_table(rows[rows["year"].eq(year)], fmt.k())  # this year's rows only: 80 tests, not 800
        if not cmp.empty:
            out.append((kind, code, where, cmp))
    return out


def _gaps_side_by_side(year: int, gap_frames, family: Family) -> Section:
    """Each förbund's gap on the key comparisons, disclosure applied per cell; a förbund is only
    marked clear when its gap holds up among every comparison of the report."""
    names = labels.forbund_names()
    columns, frames, by = [], [], {}
    for kind, code, where, cmp in gap_frames:
        cmp = family.apply(cmp, fmt.k())
        columns.append(_measure_label(kind, code, where))
        frames.append(cmp.assign(measure=f"{kind}-{code}-{where}"))
        for r in cmp.to_dict("records"):
            by[(r["forbund"], len(columns) - 1)] = r
    codes = labels.forbund_order({f for f, _i in by})
    body = [(names.get(c, c), [_gap_cell(by.get((c, i))) for i in range(len(columns))]) for c in codes]
    title = _("The gap per förbund, %(year)s (women minus men, points)", year=year)
    frame = genuskompass_page.comparison_frame(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()
    table = Table("gaps", title, [_("Förbund"), *columns], body, frame,
                  note=_clear_note(family))
    return Section("gaps", _("The gap per förbund"), tables=[table])


# --------------------------------------------------------------------------- output
def render_html(report: Report, *, mode: str = "web") -> str:
    """The report page. mode "web": a link to the app's stylesheet (the strict CSP forbids inline
    style); "file": the CSS inside the file, so a saved .html stands alone; "pdf": a link relative
    to the static folder, which WeasyPrint resolves through base_url."""
    from flask import url_for

    lang = current_language()
    svgs = {}
    # On paper at the page's text width; on screen at the results pages' width, so that a chart
    # kept at its drawn size on a phone (report.css) needs less sideways scrolling. Titled by
    # the figure caption either way.
    with charts.layout(charts.REPORT_WIDTH if mode == "pdf" else charts.WIDTH, titled=False):
        for section in report.sections:
            for chart in section.charts:
                svgs[chart.id + section.id] = charts.data_uri(charts.svg(chart.build(), lang)[1])
    css = "\n".join((STATIC / f).read_text(encoding="utf-8") for f in CSS_FILES) if mode == "file" else None
    script = (STATIC / SCRIPT_FILE).read_text(encoding="utf-8") if mode == "file" else None
    hrefs = [url_for("static", filename=f) if mode == "web" else f for f in CSS_FILES]
    script_href = url_for("static", filename=SCRIPT_FILE) if mode == "web" else None
    return render_template("reports/report.html", report=report, css=css, css_hrefs=hrefs, mode=mode,
                           script=script, script_href=script_href,
                           chart_src=lambda section: (lambda chart: svgs[chart.id + section.id]))


@_without_cyclic_gc()
def render_pdf(report: Report) -> bytes:
    """The tagged PDF (reports/pdf.py). Charts are data: URIs (WeasyPrint draws the SVG); the
    stylesheet comes through base_url."""
    return pdf.render(render_html(report, mode="pdf"), str(STATIC) + "/")


@_without_cyclic_gc()
def render_docx(report: Report) -> bytes:
    """The editable Word document (reports/word.py), from the same sections as the PDF."""
    from . import word

    return word.render(report)


def _sheet_name(index: int, title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", f"{index:02d} {title}")[:31].strip()
    while name in used:
        name = name[:-1] + "x"
    used.add(name)
    return name


def render_xlsx(report: Report) -> bytes:
    """One sheet per table: the published rows (hidden cells empty, suppressed = 1), Swedish
    headings, text made formula-safe by the exchange writer."""
    wb = exports.new_workbook()
    used: set[str] = set()
    contents = wb.create_sheet(_sheet_name(0, _("Contents"), used))
    contents.append([report.title])
    contents.append([_("Produced %(date)s", date=fmt.long_date(report.generated))])
    contents.append([_("Hidden figures are empty with suppressed = 1; hidden_reason says why: few (fewer than "
                        "%(k)s responses) or protects (hidden to protect another figure).", k=fmt.k())])
    contents.append([fmt.release_note()])
    contents.append([])
    text_name = _sheet_name(0, _("Findings and method"), used)
    contents.append([text_name, _("The report's text: key findings, method and reading guide, data sources, "
                                  "sentences in plain words and questions for your own review")])
    text = wb.create_sheet(text_name)
    text.column_dimensions["A"].width = 120
    for line in _text_lines(report):
        text.append([exports.safe_text(line)])
    for index, table in enumerate(report.tables, 1):
        name = _sheet_name(index, table.title, used)
        contents.append([name, table.title])
        headings = spreadsheet.headings(table.frame.columns)
        exports.append_sheet(wb, name, table.frame, headings)
    return exports.workbook_bytes(wb)


def _text_lines(report: Report) -> list[str]:
    """The report's words in reading order, one paragraph per line, an empty line between
    sections: what the PDF and Word versions say around their tables (the tables have sheets)."""
    lines: list[str] = []
    for section in report.sections:
        lines.append(section.title)
        if section.subtitle:
            lines.append(section.subtitle)
        lines += [f"• {text}" if kind == "item" else text for kind, text in guide.opening_words(section)]
        if section.sentences:
            lines.append(_("In plain words"))
            lines += [f"• {sentence}" for sentence in section.sentences]
        if section.reflection:
            lines.append(_("Questions for your own review"))
            lines += [f"• {question}" for question in section.reflection]
        lines.append("")
    return [str(line) for line in lines]


def render(report: Report, fmt: str, *, html_mode: str = "file") -> bytes:
    """The report in one of FORMATS: the one dispatch the command and the downloads share.
    html_mode "web" links the site's CSS and script, "file" carries them inside the page."""
    if fmt == "html":
        return render_html(report, mode=html_mode).encode("utf-8")
    return {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx}[fmt](report)


def write(report: Report, out: str) -> None:
    fmt = format_of(out)
    if fmt is None:
        raise ValueError(_("The report can be written as .pdf, .docx, .xlsx or .html."))
    Path(out).write_bytes(render(report, fmt))
