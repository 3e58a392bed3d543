"""What the results pages, their exports and the reports show, built from the published tables.

Each builder returns a View: sections with tables (rendered cells for the page, and the long
published rows with their `suppressed` flag for the CSV/Excel export of that very table) and
charts (built lazily: the page only needs their title and text alternative; the chart route and
the report render them). One builder feeds the page, its exports, its charts and the report, so
all of them show the same figures with the same disclosure.

Rows are only ever picked from figures/tables.py's tables, never recomputed on a filtered input.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from indicators.genuskompass import (
    INCOME_PHRASES,
    OUTCOME_PHRASES,
    SOURCE_REGISTERED,
    SOURCE_SELF_REPORTED,
    SUBGOALS,
    VERDICT_CLEAR,
    VERDICT_TOO_FEW,
    Comparison,
    Family,
    SubGoal,
    compare_table,
    comparison_from_row,
    family_of,
    SentenceContext,
    standalone_sentences,
)
from indicators.rounding import CAUTION_BELOW, needs_caution, percent_whole
from indicators.instrument import (
    GROUP_ORDER,
    PARTICIPANT_GROUPS,
    get_instrument,
    latest_version,
)

from .. import charts, periods
from .. import formatting as fmt
from ..extensions import db
from ..figures import tables
from ..formatting import INCOME_LABELS
from ..i18n import current_language
from ..models import Campaign, Forbund

INSATS_TOTAL, NATIONAL = tables.INSATS_TOTAL, tables.NATIONAL

GENDERS = ("alla", "kvinna", "man", "ovriga")
GENDER_LABELS = {"alla": _l("All"), "kvinna": _l("Women"), "man": _l("Men"), "ovriga": _l("Other / not stated")}
RATE_LABELS = {
    "work": _l("Work (with or without subsidy)"), "subsidised_work": _l("Subsidised work"),
    "studies": _l("Studies"), "work_or_studies": _l("Work or studies"),
    "subsidised_share_of_work": _l("Share of work that is subsidised"),
    "sick_leave": _l("Sick leave or disability benefit"),
}
SOURCE_LABELS = {"avslut": _l("avslut records registered by staff"), "enkat": _l("participants' own answers")}
QUESTION_LABELS = {
    "omsorg": _l("Care for children or relatives limits participation"),
    "vald_rutin": _l("Staff routinely ask about violence"),
}
# Outcomes come from avslut records (registered by staff) or from the participants' own answers.
SOURCE_KINDS = {"avslut": SOURCE_REGISTERED, "enkat": SOURCE_SELF_REPORTED}
# Who an outcome rate speaks of: participants who completed the intervention, by either source.
OUTCOME_GROUP = "deltagare_avslut"


# --------------------------------------------------------------------------- the view model
@dataclass
class Cell:
    text: str
    detail: str = ""
    hidden: bool = False
    num: bool = True
    short: str = ""  # the cell in the PDF, where "text (detail)" would not fit


@dataclass
class Table:
    id: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]          # (row header, cells)
    frame: pd.DataFrame                          # the published rows behind it, for export
    note: str = ""

    @property
    def hidden_reason(self) -> str | None:
        """Why its cells are hidden, for a table that hides some: each distinct reason once."""
        reasons = dict.fromkeys(cell.detail for _header, cells in self.rows for cell in cells if cell.hidden)
        return "; ".join(reasons) if reasons else None


@dataclass
class ChartSpec:
    id: str
    title: str
    summary: str
    build: Callable[[], object]


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    charts: list[ChartSpec] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    reflection: list[str] = field(default_factory=list)
    subtitle: str = ""


@dataclass
class View:
    title: str
    filters: dict
    notices: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # Charts the page does not show because its selection has no figures to draw, by id: their
    # address still answers with an image that says so (a bookmark or an old page never errors).
    empty_charts: dict[str, str] = field(default_factory=dict)

    def table(self, table_id: str) -> Table | None:
        return next((t for s in self.sections for t in s.tables if t.id == table_id), None)

    def chart(self, chart_id: str) -> ChartSpec | None:
        found = next((c for s in self.sections for c in s.charts if c.id == chart_id), None)
        if found is None and chart_id in self.empty_charts:
            title, text = self.empty_charts[chart_id], _("No figures for this selection.")
            return ChartSpec(chart_id, title, text, lambda: charts.message(title, text))
        return found

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


# --------------------------------------------------------------------------- labels and cells
def instrument():
    return get_instrument(latest_version())


def indicator_name(number: int) -> str:
    ind = instrument().indicators.get(int(number))
    return instrument().label(ind.name, current_language()) if ind else str(number)


def group_name(code: str) -> str:
    group = instrument().groups.get(code)
    return instrument().label(group["label"], current_language()) if group else code


def subgoal_name(goal: SubGoal) -> str:
    """The exact Swedish name always; in English its translation follows in parentheses."""
    if current_language() == "sv":
        return f"{goal.number}. {goal.name_sv}"
    return f"{goal.number}. {goal.name_sv} ({goal.name_en})"


def hidden_cell(row=None) -> Cell:
    """'–' with the reason the published row gives (fewer than k, or protecting another)."""
    reason = row.get("hidden_reason") if row is not None and hasattr(row, "get") else None
    return Cell(fmt.DASH, fmt.hidden_reason(reason or "few"), hidden=True)


def share_cell(row, positive: str = "positive", base: str = "valid", n: str | None = "n_responses") -> Cell:
    """A published percentage with its counts: '88,0 %' / '117 of 133 · n = 98'."""
    if row is None or int(row["suppressed"]) == 1 or row["value"] is None:
        return hidden_cell(row)
    detail = _("%(positive)s of %(total)s", positive=fmt.number(row[positive]), total=fmt.number(row[base]))
    if n and row[n] != row[base]:
        detail += " · " + _("n = %(n)s", n=fmt.number(row[n]))
    text, caution = cautious_percent(row["value"], row[positive], row[base])
    return Cell(text, detail + (" · " + caution if caution else ""))


def cautious_percent(value, positive, base) -> tuple[str, str]:
    """A published percentage as text, and the caution it carries ("" if none): on fewer than
    CAUTION_BELOW valid answers (indicators.rounding decides) it is whole, rounded from the
    counts, and "uncertain: few answers" goes with it."""
    if needs_caution(base):
        return fmt.percent(percent_whole(positive, base)), caution_text()
    return fmt.percent(value), ""


def caution_text() -> str:
    return _("uncertain: few answers")


def count_cell(value, suppressed, reason: str | None = None) -> Cell:
    if int(suppressed) == 1 or value is None or pd.isna(value):
        return hidden_cell({"hidden_reason": reason})
    return Cell(fmt.number(value))


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict("records")


def _float(value) -> float | None:
    return None if value is None or value is pd.NA else float(value)


def _choice(raw: str | None, allowed, default, notices: list[str], message: str):
    """A filter value from the query string: allowed values pass, others are ignored with a notice."""
    if raw is None or raw == "":
        return default
    if raw in allowed:
        return raw
    notices.append(message)
    return default


def _year(raw: str | None, years: list[int], notices: list[str], shown: list[int] | None = None) -> int | None:
    """The asked year, or the year the page opens on (periods.default_year: the latest ended
    year with a shown figure, not the running, almost empty one); a preliminary year gets a notice."""
    if not years:
        return None
    latest = periods.default_year(years, shown)
    year = latest
    if raw not in (None, ""):
        try:
            year = int(raw)
        except ValueError:
            notices.append(_("“%(value)s” is not a year; showing %(year)s.", value=raw[:20], year=latest))
            year = latest
        else:
            if year not in years:
                notices.append(_("There are no figures for %(value)s; showing %(year)s.", value=year, year=latest))
                year = latest
    notice = periods.preliminary_notice(year)
    if notice:
        notices.append(notice)
    return year


# --------------------------------------------------------------------------- shared pieces
def _item_order(value) -> tuple:
    """Indicators by number, rates in OUTCOMES.md order."""
    if isinstance(value, str):
        rates = list(RATE_LABELS)
        return (1, rates.index(value) if value in rates else len(rates), value)
    return (0, int(value), "")


def gender_table(table_id: str, title: str, rows: pd.DataFrame, group: str, key: str = "indicator",
                 label: Callable = indicator_name, figures=("positive", "valid", "n_responses")) -> Table:
    """Indicators (or rates) down, genders across: the `alla` figure and, for participant groups,
    women, men and Övriga / ej uppgett side by side, each with its counts. `figures` names the
    numerator, denominator and response-count columns (outcome tables: numerator, n, None)."""
    genders = GENDERS if group in PARTICIPANT_GROUPS else ("alla",)
    by_key = {}
    for rec in _records(rows):
        by_key.setdefault(rec[key], {})[rec["gender"]] = rec
    body = []
    for item in sorted(by_key, key=_item_order):
        cells = [share_cell(by_key[item].get(g), *figures) for g in genders]
        body.append((label(item), cells))
    columns = [_("Indicator") if key == "indicator" else _("Measure"), *[str(GENDER_LABELS[g]) for g in genders]]
    return Table(table_id, title, columns, body, rows.reset_index(drop=True))


def gender_bar_chart(chart_id: str, title: str, rows: pd.DataFrame, group: str,
                     key: str = "indicator", label: Callable = indicator_name) -> ChartSpec:
    series_codes = ["kvinna", "man"] if group in PARTICIPANT_GROUPS else ["alla"]
    picked = rows[rows["gender"].isin(series_codes)]
    items = sorted(picked[key].unique(), key=_item_order)
    by = {(r[key], r["gender"]): r for r in _records(picked)}
    plot_rows, summary_parts, hidden = [], [], {}
    for s in series_codes:
        shown = []
        for item in items:
            rec = by.get((item, s))
            value = None if rec is None or rec["suppressed"] == 1 else rec["value"]
            # A hidden bar says why it is hidden: too few, or protecting another figure.
            why = fmt.hidden_reason((rec or {}).get("hidden_reason") or "few") if value is None else None
            if why:
                hidden[why] = hidden.get(why, 0) + 1
            plot_rows.append({"category": label(item), "series": s, "value": _float(value),
                              "label": fmt.percent(value), "hidden_text": why})
            if value is not None:
                shown.append((value, label(item)))
        if shown:
            low, high = min(shown), max(shown)
            summary_parts.append(_("%(series)s: from %(low)s (%(low_name)s) to %(high)s (%(high_name)s)",
                                   series=GENDER_LABELS[s], low=fmt.percent(low[0]), low_name=low[1],
                                   high=fmt.percent(high[0]), high_name=high[1]))
    summary = "; ".join(summary_parts) or _("No figure can be shown")
    if hidden:
        summary += ". " + "; ".join(_("%(n)s bars are not drawn: %(reason)s", n=n, reason=why)
                                    for why, n in hidden.items())
    series = [(s, str(GENDER_LABELS[s])) for s in series_codes]
    reason = fmt.hidden_reason()
    return ChartSpec(chart_id, title, _("Bar chart, share positive answers per indicator. %(summary)s.",
                                         summary=summary),
                     lambda: charts.gender_bars(plot_rows, title=title, axis_title=_("Share positive (%)"),
                                                hidden_text=reason, series=series))


def trend_chart(chart_id: str, title: str, rows: pd.DataFrame, genders, y_title: str) -> ChartSpec:
    """Lines over the years for the given genders; rows hold year, gender, value, suppressed.

    The running year is left out of the line (its table keeps it, marked preliminary): its
    figures rest on the year's first campaigns only, so a line ending in it would rise or plunge
    on a part of a year and make the whole trend read differently."""
    plot_rows, parts = [], []
    all_years = sorted(int(y) for y in rows["year"].unique())
    years = [y for y in all_years if not periods.is_preliminary(y)]
    left_out = [y for y in all_years if periods.is_preliminary(y)]
    by = {(int(r["year"]), r["gender"]): r for r in _records(rows)}
    for g in genders:
        shown = []
        for y in years:
            rec = by.get((y, g))
            value = None if rec is None or rec["suppressed"] == 1 else rec["value"]
            why = fmt.hidden_reason((rec or {}).get("hidden_reason") or "few") if value is None else None
            plot_rows.append({"year": y, "series": g, "value": _float(value), "label": fmt.percent(value),
                              "why": why})
            if value is not None:
                shown.append((y, value))
        if shown:
            parts.append(_("%(series)s: %(first)s in %(y1)s, %(last)s in %(y2)s", series=GENDER_LABELS[g],
                           first=fmt.percent(shown[0][1]), y1=shown[0][0], last=fmt.percent(shown[-1][1]),
                           y2=shown[-1][0]))
    hidden: dict[str, int] = {}
    for r in plot_rows:
        if r["why"]:
            hidden[r["why"]] = hidden.get(r["why"], 0) + 1
    summary = "; ".join(parts) or _("No figure can be shown")
    if hidden:  # each reason with its count: protecting another figure is not "fewer than k"
        summary += ". " + "; ".join(_("%(n)s points are not drawn: %(reason)s", n=n, reason=why)
                                    for why, n in hidden.items())
    if left_out:
        summary += ". " + _left_out_note(left_out)
    series = [(g, str(GENDER_LABELS[g])) for g in genders]
    reason = fmt.hidden_reason()
    return ChartSpec(chart_id, title, _("Line chart over the years. %(summary)s.", summary=summary),
                     lambda: charts.lines(plot_rows, title=title, y_title=y_title, hidden_text=reason,
                                          series=series))


def _left_out_note(years: list[int]) -> str:
    return _("%(years)s is left out of the line: preliminary, the year is ongoing (the table has its figures)",
             years=", ".join(str(y) for y in years))


def trend_table(table_id: str, title: str, rows: pd.DataFrame, genders) -> Table:
    years = sorted(int(y) for y in rows["year"].unique())
    by = {(int(r["year"]), r["gender"]): r for r in _records(rows)}
    body = [(periods.year_label(y), [share_cell(by.get((y, g))) for g in genders]) for y in years]
    return Table(table_id, title, [_("Year"), *[str(GENDER_LABELS[g]) for g in genders]], body,
                 rows.reset_index(drop=True))


def trend_section(rows: pd.DataFrame, group: str, title: str) -> Section:
    """One indicator over the years: women, men and all as lines; the table (and its export) also
    has Övriga / ej uppgett, so that no hidden gender cell stands alone under its total."""
    participant = group in PARTICIPANT_GROUPS
    section = Section("trend", _("Trend over the years"))
    lines = ("alla", "kvinna", "man") if participant else ("alla",)
    if any(not periods.is_preliminary(y) for y in rows["year"].unique()):
        section.charts.append(trend_chart("trend", title, rows[rows["gender"].isin(lines)], lines,
                                          _("Share positive (%)")))
    section.tables.append(trend_table("trend", title, rows, GENDERS if participant else ("alla",)))
    return section


# --------------------------------------------------------------------------- förbund dashboard
def dashboard(forbund, args) -> View:
    """All indicators of one förbund for a year, per respondent group, women and men side by side."""
    notices: list[str] = []
    table = tables.indicators()
    mine = table[table["forbund"].eq(forbund.code)]
    years = sorted(int(y) for y in mine["year"].unique())
    year = _year(args.get("year"), years, notices, periods.shown_years(mine[mine["insats"].eq(INSATS_TOTAL)]))
    insats_codes = [i.code for i in forbund.insatser]
    insats = _choice(args.get("insats"), insats_codes, "", notices,
                     _("That intervention is not one of this förbund's; showing all interventions."))
    group = _choice(args.get("group"), GROUP_ORDER, "", notices,
                    _("Unknown respondent group; showing all groups."))
    indicator_numbers = [str(n) for n in instrument().indicators]
    trend_group = group or PARTICIPANT_GROUPS[0]
    asked = [str(n) for n in instrument().indicator_questions(trend_group)]
    trend_indicator = int(_choice(args.get("indicator"), indicator_numbers, asked[0] if asked else "1", notices,
                                  _("Unknown indicator; showing the first one.")))
    if str(trend_indicator) not in asked and asked:
        notices.append(_("Indicator %(n)s is not asked of this group; showing indicator %(first)s.",
                         n=trend_indicator, first=asked[0]))
        trend_indicator = int(asked[0])
    insats_value = insats or INSATS_TOTAL
    filters = {"year": year, "insats": insats, "group": group, "indicator": trend_indicator}
    view = View(_("Results for %(name)s", name=forbund.name), filters, notices)
    scope = mine[mine["insats"].eq(insats_value)]
    this_year = scope[scope["year"].eq(year)] if year is not None else scope.iloc[0:0]
    insats_name = next((i.name for i in forbund.insatser if i.code == insats), None)
    where = (_("%(year)s, intervention %(insats)s", year=periods.year_label(year), insats=insats_name) if insats
             else periods.year_label(year))
    for g in ([group] if group else GROUP_ORDER):
        rows = this_year[this_year["respondent_group"].eq(g)]
        if rows.empty:
            continue
        title = _("%(group)s, %(where)s", group=group_name(g), where=where)
        section = Section(f"group-{g}", group_name(g))
        section.charts.append(gender_bar_chart(f"indicators-{g}", title, rows, g))
        section.tables.append(gender_table(f"indicators-{g}", title, rows, g))
        view.sections.append(section)
    if year is not None and not any(s.id.startswith("group-") for s in view.sections):
        notices.append(_("No responses match these filters."))

    trend_rows = scope[scope["respondent_group"].eq(trend_group) & scope["indicator"].eq(trend_indicator)]
    if not trend_rows.empty:
        view.sections.append(trend_section(trend_rows, trend_group, _(
            "%(indicator)s over the years, %(group)s", indicator=indicator_name(trend_indicator),
            group=group_name(trend_group))))
    view.sections.append(campaign_section(forbund, year))
    return view


def campaign_section(forbund, year) -> Section:
    campaigns = db.session.scalars(select(Campaign).where(Campaign.forbund_id == forbund.id)
                                   .order_by(Campaign.opens_on.desc(), Campaign.id)).all()
    if year is not None:
        campaigns = [c for c in campaigns if c.year == year]
    shown = tables.campaign_counts(forbund.id, [(c.id, c.year, c.respondent_group) for c in campaigns])
    records, body = [], []
    for c in campaigns:
        n, hidden, reason = shown[c.id]
        records.append({"campaign": c.title or c.token, "respondent_group": c.respondent_group,
                        "insats": c.insats.code if c.insats else "", "opens_on": c.opens_on.isoformat(),
                        "closes_on": c.closes_on.isoformat(), "n": None if hidden else n,
                        "suppressed": int(hidden), "hidden_reason": reason})
        body.append((c.title or _("Campaign %(id)s", id=c.id), [
            Cell(group_name(c.respondent_group), num=False),
            Cell(c.insats.name if c.insats else "", num=False),
            Cell(f"{fmt.short_date(c.opens_on)} – {fmt.short_date(c.closes_on)}", num=False),
            count_cell(n, hidden, reason),
        ]))
    frame = pd.DataFrame(records, columns=["campaign", "respondent_group", "insats", "opens_on", "closes_on",
                                           "n", "suppressed", "hidden_reason"])
    title = _("Responses per campaign, %(year)s", year=year) if year else _("Responses per campaign")
    table = Table("campaigns", title, [_("Campaign"), _("Respondent group"), _("Intervention"), _("Open"),
                                       _("Responses")], body, frame)
    return Section("campaigns", _("Responses per campaign"), tables=[table])


# --------------------------------------------------------------------------- genuskompass
@dataclass
class Measure:
    """One comparison of the genuskompass: a label and where its rows are."""
    id: str
    label: str
    source: str
    frame: pd.DataFrame        # compare_table rows of this measure, all years
    phrase: tuple[str, str] | None   # (sv, en) predicate from the instrument or genuskompass.py
    chart: bool = True
    group: str = OUTCOME_GROUP         # respondent group the sentence names
    source_kind: str = SOURCE_SELF_REPORTED


def sentence_context(m: Measure, year: int) -> SentenceContext | None:
    """What the measure's plain-language sentence for `year` is led by (year, group, source);
    None when the definitions give it no phrase. Only assembles: the wording is the instrument's
    (indicators, groups, background questions) and genuskompass.py's (outcomes, sources)."""
    group = instrument().group_phrase(m.group)
    if not m.phrase or not group:
        return None
    return SentenceContext(periods.year_label(year), group, m.source_kind)


def _comparison(row) -> Comparison:
    """The Comparison behind a (family-adjusted) compare_table row, for sentence() and cells."""
    return comparison_from_row(row, fmt.k())


def comparison_cells(cmp: Comparison) -> list[Cell]:
    """Women, men, the gap, its interval and the verdict of a shown comparison: the five cells
    the genuskompass and the national gap table show the same way."""
    def share(value, positive, total):
        text, caution = cautious_percent(value, positive, total)
        detail = _("%(positive)s of %(total)s", positive=fmt.number(positive), total=fmt.number(total))
        return Cell(text, detail + (" · " + caution if caution else ""))
    return [
        share(cmp.women, cmp.positive_women, cmp.n_women),
        share(cmp.men, cmp.positive_men, cmp.n_men),
        Cell(fmt.points(cmp.difference), _("points")),
        Cell(_("%(low)s to %(high)s", low=fmt.points(cmp.ci_low), high=fmt.points(cmp.ci_high))),
        verdict_cell(cmp),
    ]


def verdict_label(verdict: str | None) -> str:
    if verdict == VERDICT_CLEAR:
        return _("Yes")
    if verdict == VERDICT_TOO_FEW:
        return _("Too few answers to tell")
    return _("No")


def verdict_cell(cmp: Comparison) -> Cell:
    """The verdict with the p-value it rests on, adjusted for the comparisons shown with it."""
    return Cell(verdict_label(cmp.verdict), _("adjusted %(p)s", p=fmt.p_value(cmp.p_adjusted)))


def interval_heading(family: Family) -> str:
    return _("Confidence interval (%(level)s)", level=fmt.confidence(family.confidence))


def family_note(family: Family) -> str:
    """What the verdicts of a page or report mean, in plain words (GENUSKOMPASS.md)."""
    return " ".join([
        _("We have taken into account that many comparisons are made at the same time: here %(m)s comparisons "
          "are tested together, and a difference is called clear only when it holds up when all of them are "
          "tested at once (the Benjamini–Hochberg method: on average at most 5 %% of the differences called "
          "clear are chance findings). So the confidence intervals are %(level)s intervals (95 %% for one comparison "
          "alone), and a difference is clear exactly when its interval does not contain 0.",
          m=fmt.number(family.size), level=fmt.confidence(family.confidence)),
        _("When the interval contains 0 but also a difference of 10 percentage points, there are too few "
          "answers to tell whether women and men differ."),
        _("Percentages on fewer than %(n)s answers are uncertain: they are shown without decimals and marked "
          "“uncertain: few answers”.", n=CAUTION_BELOW),
    ])


def _measures(goal: SubGoal, scope: str, year: int | None = None
              ) -> tuple[list[Measure], list[tuple[str, str, pd.DataFrame]]]:
    """The comparisons of one sub-goal, and its figures without a gender split (staff): over all
    years, or over `year` only (every comparison computes a p-value and an interval, ten times as many over
    ten years)."""
    k = fmt.k()
    measures: list[Measure] = []
    single: list[tuple[str, str, pd.DataFrame]] = []

    def pick(table: pd.DataFrame) -> pd.DataFrame:
        table = table[table["forbund"].eq(scope)]
        return table if year is None else table[table["year"].eq(year)]

    ind = pick(tables.indicators())
    ind = ind[ind["insats"].eq(INSATS_TOTAL)]
    for number in goal.indicators:
        rows = ind[ind["indicator"].eq(number)]
        for group in GROUP_ORDER:
            grows = rows[rows["respondent_group"].eq(group)]
            if grows.empty:
                continue
            if group in PARTICIPANT_GROUPS:
                cmp = tables.cached(("compare", scope, year, "indicator", number, group),
                                  lambda: compare_table(grows.drop(columns=["insats"]), k))
                measures.append(Measure(f"i{number}-{group}", indicator_name(number), group_name(group), cmp,
                                        instrument().indicator_phrase(number), group=group))
            else:
                single.append((indicator_name(number), group_name(group), grows[grows["gender"].eq("alla")]))
    if goal.outcome_rates:
        out = pick(tables.outcomes())
        for source in ("avslut", "enkat"):
            for rate in goal.outcome_rates:
                rows = out[out["rate"].eq(rate) & out["source"].eq(source)]
                if rows.empty:
                    continue
                cmp = tables.cached(("compare", scope, year, "rate", rate, source), lambda: compare_table(rows, k))
                measures.append(Measure(f"{rate}-{source}", str(RATE_LABELS[rate]), str(SOURCE_LABELS[source]),
                                        cmp, OUTCOME_PHRASES.get(rate), source_kind=SOURCE_KINDS[source]))
    if goal.income_after:
        inc = pick(tables.income_after())
        for code, phrase in INCOME_PHRASES.items():
            rows = inc[inc["income_source"].eq(code)]
            if rows.empty:
                continue
            cmp = tables.cached(("compare", scope, year, "income", code), lambda: compare_table(rows, k))
            measures.append(Measure(f"income-{code}", _("Income after: %(source)s", source=INCOME_LABELS[code]),
                                    str(SOURCE_LABELS["avslut"]), cmp, phrase, chart=False,
                                    source_kind=SOURCE_KINDS["avslut"]))
    for q in goal.questions:
        table = pick(tables.question(q.question))
        for group in GROUP_ORDER:
            grows = table[table["respondent_group"].eq(group)]
            if grows.empty:
                continue
            if q.by_gender and group in PARTICIPANT_GROUPS:
                cmp = tables.cached(("compare", scope, year, q.question, group), lambda: compare_table(grows, k))
                measures.append(Measure(f"{q.question}-{group}", str(QUESTION_LABELS[q.question]), group_name(group),
                                        cmp, instrument().question_phrase(q.question), group=group))
            else:
                single.append((str(QUESTION_LABELS[q.question]), group_name(group), grows[grows["gender"].eq("alla")]))
    return measures, single


def _years_of(scope: str) -> list[int]:
    years = set(tables.years_with_data(None if scope == NATIONAL else scope))
    out = tables.outcomes()
    years |= {int(y) for y in out.loc[out["forbund"].eq(scope), "year"].unique()}
    return sorted(years)


def genuskompass_measures(scope: str, year: int | None = None
                          ) -> list[tuple[SubGoal, list[Measure], list[tuple[str, str, pd.DataFrame]]]]:
    """Every sub-goal with its comparisons and its unsplit staff figures, over all years or over
    `year` only: what a genuskompass page or a report section shows, before the family control."""
    return [(goal, *_measures(goal, scope, year)) for goal in SUBGOALS]


def measure_frames(per_goal) -> list[pd.DataFrame]:
    """The compare_table frames of genuskompass_measures(), to build their Family from."""
    return [m.frame for _goal, measures, _single in per_goal for m in measures]


def genuskompass(scope: str, scope_name: str, args, *, trend: bool = True, family: Family | None = None) -> View:
    """Women against men on every indicator and outcome rate, under the six sub-goals; with
    `trend`, also each gap over the years (a table and a chart per sub-goal).

    Every comparison shown (the year's tables and, with `trend`, every year of the trends) is one
    Benjamini–Hochberg family, unless the caller passes the family it belongs to (a report, whose
    family is all of its comparisons)."""
    notices: list[str] = []
    years = _years_of(scope)
    year = _year(args.get("year"), years, notices)
    lang = current_language()
    view = View(_("Genuskompass for %(name)s", name=scope_name), {"year": year}, notices)
    per_goal = genuskompass_measures(scope, None if trend else year)
    if family is None:
        family = family_of(measure_frames(per_goal) if trend else
                           [m.frame[m.frame["year"].eq(year)] for _g, ms, _s in per_goal for m in ms])
    k = fmt.k()
    for goal, measures, single in per_goal:
        measures = [replace(m, frame=family.apply(m.frame, k)) for m in measures]
        section = Section(f"goal-{goal.number}", subgoal_name(goal))
        body, frames, said = [], [], []
        for m in measures:
            rows = m.frame[m.frame["year"].eq(year)]
            if rows.empty:
                continue
            row = rows.iloc[0]
            cmp = _comparison(row)
            frames.append(rows.assign(measure=m.id, source_label=m.source))
            cells = [hidden_cell(row)] * 5 if cmp.suppressed else comparison_cells(cmp)
            body.append((f"{m.label} ({m.source})", cells))
            context = sentence_context(m, year)
            if context:
                said.append((cmp, m.phrase, context))
        title = _("Women and men, %(year)s", year=periods.year_label(year))
        if body:
            frame = pd.concat(frames, ignore_index=True)
            section.tables.append(Table(
                f"compare-{goal.number}", title,
                [_("Measure"), _("Women"), _("Men"), _("Difference, women minus men"), interval_heading(family),
                 _("Clear difference")], body, _comparison_frame(frame),
                note=" ".join([family_note(family), _(
                    "A difference is only tested when both cells rest on at least %(k)s responses.", k=k)])))
        section.sentences = standalone_sentences(said, lang)
        staff_rows, staff_frames = [], []
        for label, group, rows in single:
            rows_year = rows[rows["year"].eq(year)]
            if rows_year.empty:
                continue
            staff_frames.append(rows_year.assign(measure=label))
            staff_rows.append((f"{label} ({group})", [share_cell(rows_year.iloc[0])]))
        if staff_rows:
            staff_frame = pd.concat(staff_frames, ignore_index=True)
            section.tables.append(Table(f"staff-{goal.number}", _("Staff and management, not split by gender, %(year)s",
                                                                  year=periods.year_label(year)),
                                        [_("Measure"), str(GENDER_LABELS["alla"])], staff_rows,
                                        staff_frame.drop(columns=[c for c in ("insats",) if c in staff_frame])))
        if trend:
            _gap_trend(section, goal, measures, years, family)
        section.reflection = list(goal.reflection_sv if lang == "sv" else goal.reflection_en)
        view.sections.append(section)
    return view


def _comparison_frame(frame: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in ("forbund", "year", "measure", "respondent_group", "source", "rate", "indicator",
                        "income_source", "question") if c in frame.columns]
    rest = ["women", "n_women", "positive_women", "men", "n_men", "positive_men", "difference", "ci_low",
            "ci_high", "p_value", "clear", "verdict", "p_adjusted", "alpha", "caution", "suppressed", "hidden_reason"]
    out = frame[keep + rest].copy()
    for col in ("clear", "caution"):  # 1/0 in a spreadsheet, empty when hidden
        out[col] = pd.array([None if v is None or v is pd.NA else int(bool(v)) for v in out[col]], dtype="Int64")
    return out


def _gap_trend(section: Section, goal: SubGoal, measures: list[Measure], years: list[int], family: Family) -> None:
    """The gap of every comparison over the years, as a table; the main ones also as a chart.
    The measures' frames are already at the family's level, like the year's table above."""
    if not measures:
        return
    body, frames, plot_rows, series = [], [], [], []
    for m in measures:
        by_year = {int(r["year"]): r for r in _records(m.frame)}
        cells = []
        for y in years:
            row = by_year.get(y)
            if row is None or int(row["suppressed"]) == 1:
                cells.append(hidden_cell(row))
                value = None
            else:
                cells.append(Cell(fmt.points(row["difference"]),
                                  _("%(low)s to %(high)s", low=fmt.points(row["ci_low"]), high=fmt.points(row["ci_high"]))))
                value = row["difference"]
            if m.chart and len(series) < len(charts.PALETTE) and not periods.is_preliminary(y):
                plot_rows.append({"year": y, "series": m.id, "value": _float(value),
                                  "low": _float(row["ci_low"]) if value is not None else None,
                                  "high": _float(row["ci_high"]) if value is not None else None,
                                  "label": fmt.points(value)})
        if m.chart and len(series) < len(charts.PALETTE):
            series.append((m.id, f"{m.label} ({m.source})"))
        body.append((f"{m.label} ({m.source})", cells))
        frames.append(m.frame.assign(measure=m.id))
    title = _("The gap over the years (women minus men, points)")
    section.tables.append(Table(f"gaptrend-{goal.number}", title, [_("Measure"), *map(periods.year_label, years)], body,
                                _comparison_frame(pd.concat(frames, ignore_index=True)),
                                note=_("Each cell: the difference in percentage points and its confidence interval "
                                       "(%(level)s, as in the table above).",
                                       level=fmt.confidence(family.confidence))))
    if series and plot_rows:
        plot_rows = [r for r in plot_rows if r["series"] in dict(series)]
        shown = [r for r in plot_rows if r["value"] is not None]
        summary = _("Gap in points per year for %(n)s measures; %(shown)s of %(total)s points can be shown, "
                    "the rest rest on %(reason)s. The table below has every value.",
                    n=len(series), shown=len(shown), total=len(plot_rows), reason=fmt.hidden_reason())
        left_out = [y for y in years if periods.is_preliminary(y)]
        if left_out:
            summary += " " + _left_out_note(left_out) + "."
        reason = fmt.hidden_reason()
        section.charts.append(ChartSpec(
            f"gaptrend-{goal.number}", title, summary,
            lambda: charts.lines(sorted(plot_rows, key=lambda r: r["year"]), title=title,
                                 y_title=_("Women minus men (points)"), hidden_text=reason, series=series,
                                 y_domain=None, intervals=True, zero_rule=True)))


# --------------------------------------------------------------------------- national view
def national(args) -> View:
    """Every förbund side by side, national pooled figures by gender, the gap per förbund, trends
    and who answered how many questionnaires. Figures only: no responses, no free text.

    Opens on the latest ended year with a shown figure; any year and respondent group, with or
    without responses, gives a page (sections without rows say so and draw no chart)."""
    notices: list[str] = []
    table = tables.indicators()
    table = table[table["insats"].eq(INSATS_TOTAL)]
    years = sorted(int(y) for y in table["year"].unique())
    year = _year(args.get("year"), years, notices, periods.shown_years(table))
    group = _choice(args.get("group"), GROUP_ORDER, PARTICIPANT_GROUPS[1], notices,
                    _("Unknown respondent group; showing %(group)s.", group=group_name(PARTICIPANT_GROUPS[1])))
    asked = [str(n) for n in instrument().indicator_questions(group)] or [str(n) for n in instrument().indicators]
    indicator = int(_choice(args.get("indicator"), [str(n) for n in instrument().indicators], asked[0], notices,
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


def forbund_names() -> dict[str, str]:
    names = dict(db.session.execute(select(Forbund.code, Forbund.name)).all())
    names[NATIONAL] = national_label()
    return names


def national_label() -> str:
    """Riket pools only the förbund with responses in its year and group, not every förbund."""
    return _("Riket (participating förbund)")


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


def _forbund_order(codes) -> list[str]:
    return sorted((c for c in codes if c != NATIONAL)) + ([NATIONAL] if NATIONAL in set(codes) else [])


def side_by_side(this: pd.DataFrame, group: str, year: int) -> Section:
    rows = this[this["gender"].eq("alla")]
    names = forbund_names()
    numbers = sorted(int(n) for n in rows["indicator"].unique())
    by = {(r["forbund"], int(r["indicator"])): r for r in _records(rows)}
    body = [(names.get(code, code), [share_cell(by.get((code, n))) for n in numbers])
            for code in _forbund_order(rows["forbund"].unique())]
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
    by = {r["forbund"]: r for r in _records(cmp)}
    body, plot_rows = [], []
    for code in _forbund_order(cmp["forbund"].unique()):
        r = by[code]
        if int(r["suppressed"]) == 1:
            cells = [hidden_cell(r)] * 5
            plot_rows.append({"category": names.get(code, code), "value": None, "low": None, "high": None,
                              "label": "", "clear": False})
        else:
            clear = r.get("clear")
            clear = False if clear is None or clear is pd.NA else bool(clear)
            cells = comparison_cells(_comparison(r))
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
                  _comparison_frame(cmp), note=family_note(family))
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
    by = {(r["forbund"], r["respondent_group"]): r for r in _records(per)}
    body = []
    for code in _forbund_order(per["forbund"].unique()):
        cells = []
        for g in groups:
            r = by.get((code, g))
            cells.append(Cell(fmt.DASH, _("no responses")) if r is None else count_cell(r["n"], r["suppressed"]))
        body.append((names.get(code, code), cells))
    title = _("Questionnaires answered per förbund and group, %(year)s", year=periods.year_label(year))
    table = Table("responses", title, [_("Förbund"), *[group_name(g) for g in groups]], body,
                  per.reset_index(drop=True))
    return Section("responses", _("Who answered"), tables=[table])
