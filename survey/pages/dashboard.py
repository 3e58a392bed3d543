"""The förbund dashboard: every indicator of one förbund for a year, per respondent group,
women and men side by side, one indicator over the years, and the responses per campaign."""
from __future__ import annotations

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import select

from indicators.instrument import GROUP_ORDER, PARTICIPANT_GROUPS

from .. import periods
from .. import formatting as fmt
from ..extensions import db
from ..figures import tables
from ..models import Campaign
from .cells import count_cell
from .filters import choose, choose_year
from .gender_tables import gender_bar_chart, gender_table, trend_section
from .labels import INSATS_TOTAL, group_name, indicator_name, instrument
from .model import Cell, Section, Table, View


def dashboard(forbund, args) -> View:
    """All indicators of one förbund for a year, per respondent group, women and men side by side."""
    notices: list[str] = []
    table = tables.indicators()
    mine = table[table["forbund"].eq(forbund.code)]
    years = sorted(int(y) for y in mine["year"].unique())
    year = choose_year(args.get("year"), years, notices, periods.shown_years(mine[mine["insats"].eq(INSATS_TOTAL)]))
    insats_codes = [i.code for i in forbund.insatser]
    insats = choose(args.get("insats"), insats_codes, "", notices,
                     _("That intervention is not one of this förbund's; showing all interventions."))
    group = choose(args.get("group"), GROUP_ORDER, "", notices,
                    _("Unknown respondent group; showing all groups."))
    indicator_numbers = [str(n) for n in instrument().indicators]
    trend_group = group or PARTICIPANT_GROUPS[0]
    asked = [str(n) for n in instrument().indicator_questions(trend_group)]
    trend_indicator = int(choose(args.get("indicator"), indicator_numbers, asked[0] if asked else "1", notices,
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

