"""Tables and charts of one or more indicators (or outcome rates) by gender and over the
years: the pieces the dashboard, the national view and the reports have in common."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from flask_babel import gettext as _

from indicators.instrument import PARTICIPANT_GROUPS

from .. import charts, periods
from .. import formatting as fmt
from .cells import as_float, records, share_cell
from .labels import GENDER_LABELS, GENDERS, RATE_LABELS, indicator_name
from .model import ChartSpec, Section, Table


def item_order(value) -> tuple:
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
    for rec in records(rows):
        by_key.setdefault(rec[key], {})[rec["gender"]] = rec
    body = []
    for item in sorted(by_key, key=item_order):
        cells = [share_cell(by_key[item].get(g), *figures) for g in genders]
        body.append((label(item), cells))
    columns = [_("Indicator") if key == "indicator" else _("Measure"), *[str(GENDER_LABELS[g]) for g in genders]]
    return Table(table_id, title, columns, body, rows.reset_index(drop=True))


def gender_bar_chart(chart_id: str, title: str, rows: pd.DataFrame, group: str,
                     key: str = "indicator", label: Callable = indicator_name) -> ChartSpec:
    series_codes = ["kvinna", "man"] if group in PARTICIPANT_GROUPS else ["alla"]
    picked = rows[rows["gender"].isin(series_codes)]
    items = sorted(picked[key].unique(), key=item_order)
    by = {(r[key], r["gender"]): r for r in records(picked)}
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
            plot_rows.append({"category": label(item), "series": s, "value": as_float(value),
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
    by = {(int(r["year"]), r["gender"]): r for r in records(rows)}
    for g in genders:
        shown = []
        for y in years:
            rec = by.get((y, g))
            value = None if rec is None or rec["suppressed"] == 1 else rec["value"]
            why = fmt.hidden_reason((rec or {}).get("hidden_reason") or "few") if value is None else None
            plot_rows.append({"year": y, "series": g, "value": as_float(value), "label": fmt.percent(value),
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
        summary += ". " + left_out_note(left_out)
    series = [(g, str(GENDER_LABELS[g])) for g in genders]
    reason = fmt.hidden_reason()
    return ChartSpec(chart_id, title, _("Line chart over the years. %(summary)s.", summary=summary),
                     lambda: charts.lines(plot_rows, title=title, y_title=y_title, hidden_text=reason,
                                          series=series))


def left_out_note(years: list[int]) -> str:
    return _("%(years)s is left out of the line: preliminary, the year is ongoing (the table has its figures)",
             years=", ".join(str(y) for y in years))


def trend_table(table_id: str, title: str, rows: pd.DataFrame, genders) -> Table:
    years = sorted(int(y) for y in rows["year"].unique())
    by = {(int(r["year"]), r["gender"]): r for r in records(rows)}
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

