"""The national view for NNS: riket by gender, every förbund side by side, each förbund's gap
on one indicator (one Benjamini–Hochberg family), the trend of riket and who answered."""
from __future__ import annotations

import pandas as pd
from flask_babel import gettext as _
from flask_babel import ngettext

from indicators.genuskompass import compare_table, family_of
from indicators.instrument import GROUP_ORDER, PARTICIPANT_GROUPS

from .. import charts, periods
from .. import formatting as fmt
from ..figures import tables
from .cells import count_cell, hidden_cell, records, share_cell
from .filters import choose, choose_year
from .gender_tables import gender_bar_chart, gender_table, trend_section
from .genuskompass import comparison_cells, comparison_frame, family_note, interval_heading, read_comparison
from .labels import (
    INSATS_TOTAL,
    NATIONAL,
    RATE_LABELS,
    forbund_names,
    forbund_order,
    group_name,
    indicator_name,
    instrument,
    national_label,
)
from .model import Cell, ChartSpec, Section, Table, View


def national(args) -> View:
    """Every förbund side by side, national pooled figures by gender, the gap per förbund, trends
    and who answered how many questionnaires. Figures only: no responses, no free text.

    Opens on the latest ended year with a shown figure; any year and respondent group, with or
    without responses, gives a page (sections without rows say so and draw no chart)."""
    notices: list[str] = []
    table = tables.indicators()
    table = table[table["insats"].eq(INSATS_TOTAL)]
    years = sorted(int(y) for y in table["year"].unique())
    year = choose_year(args.get("year"), years, notices, periods.shown_years(table))
    group = choose(args.get("group"), GROUP_ORDER, PARTICIPANT_GROUPS[1], notices,
                    _("Unknown respondent group; showing %(group)s.", group=group_name(PARTICIPANT_GROUPS[1])))
    asked = [str(n) for n in instrument().indicator_questions(group)] or [str(n) for n in instrument().indicators]
    indicator = int(choose(args.get("indicator"), [str(n) for n in instrument().indicators], asked[0], notices,
                            _("Unknown indicator; showing the first one.")))
    if str(indicator) not in asked:
        notices.append(_("Indicator %(n)s is not asked of this group; showing indicator %(first)s.",
                         n=indicator, first=asked[0]))
        indicator = int(asked[0])
    view = View(_("National view"), {"year": year, "group": group, "indicator": indicator}, notices)
    if year is None:
        notices.append(_("There are no responses yet."))
        return view
    this = table[table["year"].eq(year) & table["respondent_group"].eq(group)]
    if this.empty:
        notices.append(_("No responses from %(group)s in %(year)s.", group=group_name(group),
                         year=periods.year_label(year)))
    riket = this[this["forbund"].eq(NATIONAL)]
    where = _("%(group)s, %(year)s", group=group_name(group), year=periods.year_label(year))
    members = participating(this)

    section = Section("riket", _("National figures by gender"), intro=participating_note(members, group, year))
    title = _("Riket: %(where)s", where=where)
    if riket.empty:
        view.empty_charts["riket"] = title
    else:
        section.charts.append(gender_bar_chart("riket", title, riket, group))
    section.tables.append(gender_table("riket", title, riket, group))
    out = tables.outcomes()
    out = out[out["forbund"].eq(NATIONAL) & out["year"].eq(year) & out["source"].eq("avslut")]
    if not out.empty:
        section.tables.append(gender_table(
            "riket-outcomes", _("Outcomes after the intervention, riket, %(year)s (avslut records)",
                                year=periods.year_label(year)),
            out, PARTICIPANT_GROUPS[0], key="rate", label=lambda r: str(RATE_LABELS[r]),
            figures=("numerator", "n", None)))
    view.sections.append(section)

    view.sections.append(side_by_side(this, group, year))
    if group in PARTICIPANT_GROUPS:
        gap = gap_per_forbund(this, group, indicator, year)
        if not gap.charts:
            view.empty_charts["gap"] = gap.tables[0].title
        view.sections.append(gap)
    else:  # staff groups are not asked their gender: no gap to draw
        view.empty_charts["gap"] = _("The gap per förbund")
    trend = table[table["forbund"].eq(NATIONAL) & table["respondent_group"].eq(group)
                  & table["indicator"].eq(indicator)]
    trend_title = _("%(indicator)s over the years, riket, %(group)s", indicator=indicator_name(indicator),
                    group=group_name(group))
    if not trend.empty:
        view.sections.append(trend_section(trend, group, trend_title))
    if view.chart("trend") is None:
        view.empty_charts["trend"] = trend_title
    view.sections.append(responses_section(year))
    return view


def participating(rows: pd.DataFrame) -> list[str]:
    """Names of the förbund a national figure pools: those with rows in the published table for
    its year and group (a förbund without responses has no row). Which förbund answered is
    published anyway ("Who answered"), so the list discloses nothing new."""
    if rows.empty:
        return []
    names = forbund_names()
    return sorted(names.get(c, c) for c in rows["forbund"].unique() if c != NATIONAL)


def participating_note(members: list[str], group: str, year) -> str:
    if not members:
        return _("%(label)s: no förbund has responses from %(group)s in %(year)s.", label=national_label(),
                 group=group_name(group), year=periods.year_label(year))
    return ngettext("%(label)s: %(num)d förbund with responses from %(group)s in %(year)s: %(names)s.",
                    "%(label)s: %(num)d förbund with responses from %(group)s in %(year)s: %(names)s.",
                    len(members), label=national_label(), group=group_name(group),
                    year=periods.year_label(year), names=", ".join(members))


def side_by_side(this: pd.DataFrame, group: str, year: int) -> Section:
    rows = this[this["gender"].eq("alla")]
    names = forbund_names()
    numbers = sorted(int(n) for n in rows["indicator"].unique())
    by = {(r["forbund"], int(r["indicator"])): r for r in records(rows)}
    body = [(names.get(code, code), [share_cell(by.get((code, n))) for n in numbers])
            for code in forbund_order(rows["forbund"].unique())]
    title = _("Every förbund side by side: %(group)s, %(year)s", group=group_name(group),
              year=periods.year_label(year))
    table = Table("forbund", title, [_("Förbund"), *[f"{n}. {indicator_name(n)}" for n in numbers]], body,
                  rows.drop(columns=["insats"]).reset_index(drop=True),
                  note=participating_note(participating(this), group, year))
    return Section("forbund", _("Every förbund side by side"), tables=[table])


def gap_per_forbund(this: pd.DataFrame, group: str, indicator: int, year: int) -> Section:
    """Each förbund's gap on one indicator in one year. The förbund are many comparisons at once:
    they form one Benjamini–Hochberg family, so the chart names a förbund as having a clear gap
    only when it holds up among all of them (GENUSKOMPASS.md)."""
    rows = this[this["indicator"].eq(indicator)].drop(columns=["insats"])
    title = _("The gap per förbund: %(indicator)s, %(group)s, %(year)s", indicator=indicator_name(indicator),
              group=group_name(group), year=periods.year_label(year))
    columns = [_("Förbund"), _("Women"), _("Men"), _("Difference, women minus men"),
               _("Confidence interval (95 %)"), _("Clear difference")]
    if rows.empty:  # no responses from this group this year: nothing to compare, no chart
        return Section("gap", _("The gap per förbund"), tables=[Table("gap", title, columns, [], rows)])
    cmp = compare_table(rows, fmt.k())
    family = family_of([cmp])
    cmp = family.apply(cmp, fmt.k())
    names = forbund_names()
    by = {r["forbund"]: r for r in records(cmp)}
    body, plot_rows = [], []
    for code in forbund_order(cmp["forbund"].unique()):
        r = by[code]
        if int(r["suppressed"]) == 1:
            cells = [hidden_cell(r)] * 5
            plot_rows.append({"category": names.get(code, code), "value": None, "low": None, "high": None,
                              "label": "", "clear": False})
        else:
            clear = r.get("clear")
            clear = False if clear is None or clear is pd.NA else bool(clear)
            cells = comparison_cells(read_comparison(r))
            plot_rows.append({"category": names.get(code, code), "value": float(r["difference"]),
                              "low": float(r["ci_low"]), "high": float(r["ci_high"]),
                              "label": fmt.points(r["difference"]), "clear": clear})
        body.append((names.get(code, code), cells))
    shown = [r for r in plot_rows if r["value"] is not None]
    clear = [r["category"] for r in shown if r["clear"]]
    n_forbund = sum(1 for code in by if code != NATIONAL)
    summary = ngettext("Difference women minus men in points with %(level)s confidence interval for %(num)d "
                       "förbund and riket; %(hidden)s cannot be shown (%(reason)s). Clear differences, taking "
                       "into account that %(m)s comparisons are made at once: %(clear)s.",
                       "Difference women minus men in points with %(level)s confidence interval for %(num)d "
                       "förbund and riket; %(hidden)s cannot be shown (%(reason)s). Clear differences, taking "
                       "into account that %(m)s comparisons are made at once: %(clear)s.",
                       n_forbund, level=fmt.confidence(family.confidence),
                       hidden=len(plot_rows) - len(shown), reason=fmt.hidden_reason(), m=family.size,
                       clear=", ".join(clear) or _("none"))
    reason = fmt.hidden_reason()
    labels = (_("Clear difference"), _("No clear difference"))
    chart = ChartSpec("gap", title, summary, lambda: charts.gap_dots(
        plot_rows, title=title, x_title=_("Women minus men (points)"), hidden_text=reason, clear_labels=labels))
    table = Table("gap", title, [_("Förbund"), _("Women"), _("Men"), _("Difference, women minus men"),
                                 interval_heading(family), _("Clear difference")], body,
                  comparison_frame(cmp), note=family_note(family))
    return Section("gap", _("The gap per förbund"), charts=[chart], tables=[table])


def responses_section(year: int | None, forbund: str | None = None) -> Section:
    """Questionnaires answered per förbund and respondent group in a year; small counts hidden."""
    per = tables.responses()
    if year is not None:
        per = per[per["year"].eq(year)]
    if forbund is not None:
        per = per[per["forbund"].eq(forbund)]
    names = forbund_names()
    groups = [g for g in GROUP_ORDER if g in set(per["respondent_group"])]
    by = {(r["forbund"], r["respondent_group"]): r for r in records(per)}
    body = []
    for code in forbund_order(per["forbund"].unique()):
        cells = []
        for g in groups:
            r = by.get((code, g))
            cells.append(Cell(fmt.DASH, _("no responses")) if r is None else count_cell(r["n"], r["suppressed"]))
        body.append((names.get(code, code), cells))
    title = _("Questionnaires answered per förbund and group, %(year)s", year=periods.year_label(year))
    table = Table("responses", title, [_("Förbund"), *[group_name(g) for g in groups]], body,
                  per.reset_index(drop=True))
    return Section("responses", _("Who answered"), tables=[table])
