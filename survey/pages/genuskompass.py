"""The genuskompass: women against men on every indicator and outcome rate, grouped under the
six jämställdhetspolitiska delmål, with one honest verdict per comparison (GENUSKOMPASS.md): the
Newcombe interval and the verdict from one method, Benjamini–Hochberg over every comparison shown
together, "too few answers to tell" where a 10-point gap could not have been seen."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
from flask_babel import gettext as _

from indicators.genuskompass import (
    INCOME_PHRASES,
    OUTCOME_PHRASES,
    SOURCE_SELF_REPORTED,
    GENUSKOMPASS_GROUPS,
    VERDICT_CLEAR,
    VERDICT_TOO_FEW,
    Comparison,
    Family,
    SentenceContext,
    SubGoal,
    compare_table,
    comparison_from_row,
    family_of,
    standalone_sentences,
)
from indicators.instrument import GROUP_ORDER, PARTICIPANT_GROUPS
from indicators.rounding import CAUTION_BELOW

from .. import charts, periods
from .. import formatting as fmt
from ..figures import tables
from ..formatting import INCOME_LABELS
from ..i18n import current_language
from .cells import as_float, cautious_percent, hidden_cell, records, share_cell
from .filters import choose_year
from .gender_tables import left_out_note
from .labels import (
    GENDER_LABELS,
    INSATS_TOTAL,
    NATIONAL,
    OUTCOME_GROUP,
    QUESTION_LABELS,
    RATE_LABELS,
    SOURCE_KINDS,
    SOURCE_LABELS,
    group_name,
    indicator_name,
    instrument,
    subgoal_name,
)
from .model import Cell, ChartSpec, Section, Table, View


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


def read_comparison(row) -> Comparison:
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
    return Cell(verdict_label(cmp.verdict), _("adjusted %(p)s", p=fmt.p_value(cmp.p_adjusted)), num=False)


def interval_heading(family: Family) -> str:
    return _("Confidence interval (%(level)s)", level=fmt.confidence(family.confidence))


def family_note(family: Family) -> str:
    """What the verdicts of a page or report mean, in plain words (GENUSKOMPASS.md)."""
    return " ".join([
        _("We have taken into account that many comparisons are made at the same time: here %(m)s comparisons "
          "are tested together, and a difference is called clear only when it holds up when all of them are "
          "tested at once (the Benjamini–Hochberg method: on average at most %(fdr)s of the differences called "
          "clear are chance findings). So the confidence intervals are %(level)s intervals (%(single)s for one "
          "comparison alone), and a difference is clear exactly when its interval does not contain 0.",
          m=fmt.number(family.size), level=fmt.confidence(family.confidence), fdr=fmt.confidence(5),
          single=fmt.confidence(95)),
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


def years_of(scope: str) -> list[int]:
    years = set(tables.years_with_data(None if scope == NATIONAL else scope))
    out = tables.outcomes()
    years |= {int(y) for y in out.loc[out["forbund"].eq(scope), "year"].unique()}
    return sorted(years)


def genuskompass_measures(scope: str, year: int | None = None
                          ) -> list[tuple[SubGoal, list[Measure], list[tuple[str, str, pd.DataFrame]]]]:
    """Every sub-goal with its comparisons and its unsplit staff figures, over all years or over
    `year` only: what a genuskompass page or a report section shows, before the family control."""
    return [(goal, *_measures(goal, scope, year)) for goal in GENUSKOMPASS_GROUPS]


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
    years = years_of(scope)
    year = choose_year(args.get("year"), years, notices)
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
            cmp = read_comparison(row)
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
                 _("Clear difference")], body, comparison_frame(frame),
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


def comparison_frame(frame: pd.DataFrame) -> pd.DataFrame:
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
        by_year = {int(r["year"]): r for r in records(m.frame)}
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
                plot_rows.append({"year": y, "series": m.id, "value": as_float(value),
                                  "low": as_float(row["ci_low"]) if value is not None else None,
                                  "high": as_float(row["ci_high"]) if value is not None else None,
                                  "label": fmt.points(value)})
        if m.chart and len(series) < len(charts.PALETTE):
            series.append((m.id, f"{m.label} ({m.source})"))
        body.append((f"{m.label} ({m.source})", cells))
        frames.append(m.frame.assign(measure=m.id))
    title = _("The gap over the years (women minus men, points)")
    section.tables.append(Table(f"gaptrend-{goal.number}", title, [_("Measure"), *map(periods.year_label, years)], body,
                                comparison_frame(pd.concat(frames, ignore_index=True)),
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
            summary += " " + left_out_note(left_out) + "."
        reason = fmt.hidden_reason()
        section.charts.append(ChartSpec(
            f"gaptrend-{goal.number}", title, summary,
            lambda: charts.lines(sorted(plot_rows, key=lambda r: r["year"]), title=title,
                                 y_title=_("Women minus men (points)"), hidden_text=reason, series=series,
                                 y_domain=None, intervals=True, zero_rule=True)))

