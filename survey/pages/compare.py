"""A förbund's figures next to riket and next to förbund of similar size (issue 11 point 4).

"Similar size" is the number of questionnaires answered in the same year and respondent group,
as published ("Who answered" on the national view, tables.responses()): the other förbund whose
published number is nearest the förbund's own, at least three of them (more when several are
equally near), so that a comparison never rests on one other förbund. Only published numbers
rank: a förbund whose number is hidden is never a peer (ranking by a hidden number would give
away its size), and a förbund whose own number is hidden gets no peers at all.

Every figure shown is a cell of the published tables, picked as it is, with the disclosure the
engine decided for it: nothing is pooled or averaged over the peers here (a pooled figure of a
chosen set of förbund would be a new figure, and two overlapping sets could be differenced).
"""
from __future__ import annotations

import pandas as pd
from flask_babel import gettext as _

from indicators.instrument import GROUP_ORDER, PARTICIPANT_GROUPS

from .. import charts, periods
from .. import formatting as fmt
from ..figures import tables
from .cells import share_cell
from .filters import choose, choose_year
from .labels import GENDER_LABELS, INSATS_TOTAL, NATIONAL, forbund_names, group_name, indicator_name
from .model import ChartSpec, Section, Table, View
from .national import participating, participating_note

MIN_PEERS = 3


def similar_size(code: str, year: int, group: str) -> tuple[list[str], str | None]:
    """The förbund codes of similar size, nearest first, and why there are none when so."""
    per = tables.responses()
    per = per[per["year"].eq(year) & per["respondent_group"].eq(group) & per["forbund"].ne(NATIONAL)]
    shown = per[per["suppressed"].astype(int).eq(0)]
    own = shown[shown["forbund"].eq(code)]
    if own.empty:
        return [], _("Your förbund's number of responses from this group in this year is not published "
                     "(%(reason)s), so förbund of similar size cannot be chosen.", reason=fmt.hidden_reason())
    own_n = int(own.iloc[0]["n"])
    others = sorted(((abs(int(r["n"]) - own_n), r["forbund"]) for r in shown.to_dict("records")
                     if r["forbund"] != code))
    if len(others) < MIN_PEERS:
        return [], _("Fewer than %(n)s other förbund have a published number of responses from this group "
                     "in this year, so there is no comparison with förbund of similar size.", n=MIN_PEERS)
    cutoff = others[MIN_PEERS - 1][0]
    return [c for distance, c in others if distance <= cutoff], None


def comparison(forbund, args) -> View:
    """The förbund's share positive per indicator (all respondents) next to riket and its peers,
    and, for participant groups, women and men of the förbund next to women and men of riket."""
    notices: list[str] = []
    table = tables.indicators()
    table = table[table["insats"].eq(INSATS_TOTAL)]
    mine = table[table["forbund"].eq(forbund.code)]
    years = sorted(int(y) for y in mine["year"].unique())
    year = choose_year(args.get("year"), years, notices, periods.shown_years(mine))
    group = choose(args.get("group"), GROUP_ORDER, PARTICIPANT_GROUPS[1], notices,
                          _("Unknown respondent group; showing %(group)s.",
                            group=group_name(PARTICIPANT_GROUPS[1])))
    view = View(_("%(name)s next to riket and förbund of similar size", name=forbund.name),
                {"year": year, "group": group}, notices)
    if year is None:
        notices.append(_("There are no responses yet."))
        return view
    this = table[table["year"].eq(year) & table["respondent_group"].eq(group)]
    if this[this["forbund"].eq(forbund.code)].empty:
        notices.append(_("No responses from %(group)s in %(year)s.", group=group_name(group),
                         year=periods.year_label(year)))
    peers, why_none = similar_size(forbund.code, year, group)
    if why_none:
        notices.append(why_none)
    names = forbund_names()
    where = _("%(group)s, %(year)s", group=group_name(group), year=periods.year_label(year))

    codes = [forbund.code, NATIONAL, *peers]
    rows = this[this["forbund"].isin(codes) & this["gender"].eq("alla")]
    by = {(r["forbund"], int(r["indicator"])): r for r in rows.to_dict("records")}
    numbers = sorted(int(n) for n in rows["indicator"].unique())
    body = [(f"{n}. {indicator_name(n)}", [share_cell(by.get((c, n))) for c in codes]) for n in numbers]
    title = _("Share positive: %(name)s, riket and förbund of similar size, %(where)s", name=forbund.name,
              where=where)
    note = participating_note(participating(this), group, year)
    if peers:
        note += " " + _("Förbund of similar size: the %(n)s whose number of responses from this group in this "
                        "year is nearest yours.", n=len(peers))
    section = Section("peers", _("Next to riket and förbund of similar size"))
    order = {c: i for i, c in enumerate(codes)}
    frame = rows.drop(columns=["insats"]).sort_values(["forbund", "indicator"], key=lambda s: s.map(order)
                                                        if s.name == "forbund" else s, kind="stable")
    section.tables.append(Table("peers", title, [_("Indicator"), *[names.get(c, c) for c in codes]], body,
                                frame.reset_index(drop=True), note=note))
    if numbers:  # the förbund and riket only: five series of bars cannot be read on a phone; the table has all
        section.charts.append(_chart(_("Share positive: %(name)s and riket, %(where)s", name=forbund.name,
                                       where=where), codes[:2], names, by, numbers))
    view.sections.append(section)

    if group in PARTICIPANT_GROUPS:
        view.sections.append(_by_gender(forbund, this, group, where, names))
    return view


def _chart(title: str, codes: list[str], names: dict, by: dict, numbers: list[int]) -> ChartSpec:
    plot_rows, hidden = [], {}
    for code in codes:
        for n in numbers:
            rec = by.get((code, n))
            value = None if rec is None or int(rec["suppressed"]) == 1 else rec["value"]
            why = fmt.hidden_reason((rec or {}).get("hidden_reason") or "few") if value is None else None
            if why:
                hidden[why] = hidden.get(why, 0) + 1
            plot_rows.append({"category": indicator_name(n), "series": code, "hidden_text": why,
                              "value": None if value is None else float(value), "label": fmt.percent(value)})
    series = [(c, str(names.get(c, c))) for c in codes]
    summary = _("Bar chart, share positive answers per indicator for %(names)s.",
                names=", ".join(label for _c, label in series))
    if hidden:
        summary += " " + "; ".join(_("%(n)s bars are not drawn: %(reason)s", n=n, reason=why)
                                   for why, n in hidden.items()) + "."
    reason = fmt.hidden_reason()
    return ChartSpec("peers", title, summary, lambda: charts.gender_bars(
        plot_rows, title=title, axis_title=_("Share positive (%)"), hidden_text=reason, series=series))


def _by_gender(forbund, this: pd.DataFrame, group: str, where: str, names: dict) -> Section:
    """Women and men of the förbund next to women and men of riket. The export has every gender
    row of both (Övriga / ej uppgett and all too), as the dashboard's tables do."""
    rows = this[this["forbund"].isin([forbund.code, NATIONAL])]
    by = {(r["forbund"], r["gender"], int(r["indicator"])): r for r in rows.to_dict("records")}
    numbers = sorted(int(n) for n in rows["indicator"].unique())
    pairs = [(c, g) for c in (forbund.code, NATIONAL) for g in ("kvinna", "man")]
    body = [(f"{n}. {indicator_name(n)}", [share_cell(by.get((c, g, n))) for c, g in pairs])
            for n in numbers]
    columns = [_("Indicator"), *[f"{GENDER_LABELS[g]}: {names.get(c, c)}" for c, g in pairs]]
    title = _("Women and men: %(name)s and riket, %(where)s", name=forbund.name, where=where)
    table = Table("gender", title, columns, body, rows.drop(columns=["insats"]).reset_index(drop=True))
    return Section("gender", _("Women and men next to riket"), tables=[table])
