"""Outcomes per insats and per age band, income source before → after, and months in the
intervention, by gender (issue 11 point 2): the page for a förbund (its staff, NNS) and the
national one (NNS).

Every figure is a row of the published tables (figures/tables.py: outcome_breakdowns,
income_transitions, income_after, months), picked as it is: the disclosure engine protected the
breakdowns jointly with the outcome and income tables they add up to, so nothing here decides
what to show. The page shows one rate (one income source after) at a time, genders across, so
a table stays four columns wide on a phone; each table's download holds every rate of the year.
"""
from __future__ import annotations

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from indicators.breakdowns import AGE_BANDS, MONTH_BANDS, PENDING
from indicators.outcomes import INCOME_CODES

from .. import formatting as fmt
from .. import periods
from ..figures import tables
from ..figures.cache import FiguresBeingComputed
from ..formatting import INCOME_LABELS
from .cells import cautious_percent
from .filters import choose, choose_year
from .labels import GENDER_LABELS, GENDERS, NATIONAL, RATE_LABELS, SOURCE_LABELS
from .model import Cell, Section, Table, View

RATES = ("work", "subsidised_work", "studies", "work_or_studies", "sick_leave", "subsidised_share_of_work")
SOURCES = ("avslut", "enkat")
AFTER = tuple(c for c in INCOME_CODES if c != "okand")
MONTH_LABELS = {"0-3": _l("0–3 months"), "4-6": _l("4–6 months"), "7-12": _l("7–12 months"),
                "13-24": _l("13–24 months"), "25+": _l("More than 24 months")}
NO_INSATS_LABEL = _l("No intervention given")
PENDING_LABEL = _l("Not yet broken down (waiting for more records)")


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The page's filters besides the year: field name -> (value, label)."""
    return {"source": [(s, str(SOURCE_LABELS[s]).capitalize()) for s in SOURCES],
            "rate": [(r, str(RATE_LABELS[r])) for r in RATES],
            "after": [(c, str(INCOME_LABELS[c])) for c in AFTER]}


def years_of(scope: str) -> list[int]:
    """Years with a breakdown row of the förbund (or riket)."""
    years: set[int] = set()
    for table in (tables.outcome_breakdowns(), tables.months()):
        years |= {int(y) for y in table.loc[table["forbund"].eq(scope), "year"].unique()}
    return sorted(years)


def record_cell(row) -> Cell:
    """A published share of records, or '–' with its reason (records, not responses)."""
    if row is None or int(row["suppressed"]) == 1 or row["value"] is None or pd.isna(row["value"]):
        reason = None if row is None else row.get("hidden_reason")
        text = fmt.hidden_reason("protects") if reason == "protects" else fmt.hidden_reason_records()
        return Cell(fmt.DASH, text, hidden=True)
    text, caution = cautious_percent(row["value"], row["numerator"], row["n"])
    detail = _("%(positive)s of %(total)s", positive=fmt.number(row["numerator"]), total=fmt.number(row["n"]))
    return Cell(text, detail + (" · " + caution if caution else ""))


def _by_gender(table_id: str, title: str, rows: pd.DataFrame, key: str, order, label, frame: pd.DataFrame,
               heading: str, note: str = "") -> Table:
    """Items of `key` down (in `order`), genders across; the download is `frame` (every figure
    of the year, all rates)."""
    by: dict = {}
    for rec in rows.to_dict("records"):
        by.setdefault(rec[key], {})[rec["gender"]] = rec
    items = [i for i in order if i in by] + sorted(i for i in by if i not in order)
    body = [(label(i), [record_cell(by[i].get(g)) for g in GENDERS]) for i in items]
    columns = [heading, *[str(GENDER_LABELS[g]) for g in GENDERS]]
    return Table(table_id, title, columns, body, frame.reset_index(drop=True), note=note)


def _insats_label(names: dict):
    def label(code):
        if code == "":
            return str(NO_INSATS_LABEL)
        if code == PENDING:
            return str(PENDING_LABEL)
        return names.get(code, code)
    return label


def _age_label(code):
    if code == "ej_svar":
        return _("Age not stated")
    if code == PENDING:
        return str(PENDING_LABEL)
    return _("%(band)s years", band=code.replace("-", "\u2013"))  # 16–29, as the questionnaire writes it


def _income_label(code):
    return str(PENDING_LABEL) if code == PENDING else str(INCOME_LABELS.get(code, code))


def breakdowns(scope: str, scope_name: str, args, insats_names: dict | None = None) -> View:
    """The page of a förbund (scope = its code) or of riket."""
    notices: list[str] = []
    years = years_of(scope)
    year = choose_year(args.get("year"), years, notices)
    source = choose(args.get("source"), SOURCES, "avslut", notices, _("Unknown source; showing avslut records."))
    rate = choose(args.get("rate"), RATES, "work", notices, _("Unknown outcome; showing work."))
    after = choose(args.get("after"), AFTER, "lon", notices, _("Unknown income source; showing salary."))
    view = View(_("Outcomes by intervention, age, income and time: %(name)s", name=scope_name),
                {"year": year, "source": source, "rate": rate, "after": after}, notices)
    if year is None:
        notices.append(_("There are no avslut records or answers about outcomes yet."))
        return view
    where = _("%(source)s, %(year)s", source=SOURCE_LABELS[source], year=periods.year_label(year))
    what = RATE_LABELS[rate]
    table = tables.outcome_breakdowns()
    mine = table[table["forbund"].eq(scope) & table["year"].eq(year) & table["source"].eq(source)]

    if scope != NATIONAL:
        per_insats = mine[mine["alder"].eq("alla")]
        section = Section("insats", _("Outcomes per intervention"),
                          intro=_("Where women and men went after each intervention. The interventions of "
                                  "a förbund add up to its own figures on the genuskompass page."))
        section.tables.append(_by_gender(
            "insats", _("%(rate)s per intervention, %(where)s", rate=what, where=where),
            per_insats[per_insats["rate"].eq(rate)], "insats", sorted((insats_names or {}), key=lambda c: str(insats_names[c])),
            _insats_label(insats_names or {}), per_insats, _("Intervention")))
        view.sections.append(section)

    per_age = mine[mine["insats"].eq("alla")]
    if not per_age.empty:
        intro = (_("The questionnaire's eight age groups are merged into three bands (16–29, 30–49, 50 and older) so "
                   "that more groups are large enough to show. Riket's age bands pool the förbund's records, as its "
                   "other figures do.") if scope == NATIONAL else
                 _("The questionnaire's eight age groups are merged into three bands (16–29, 30–49, "
                   "50 and older) so that more groups are large enough to show. The age bands of a "
                   "förbund add up to its own figures, as its interventions do."))
        section = Section("age", _("Outcomes per age band"), intro=intro)
        section.tables.append(_by_gender(
            "age", _("%(rate)s per age band, %(where)s", rate=what, where=where),
            per_age[per_age["rate"].eq(rate)], "alder", AGE_BANDS, _age_label, per_age, _("Age")))
        view.sections.append(section)

    try:
        view.sections.append(_income_section(scope, year, after))
    except FiguresBeingComputed:
        # The transitions' audit is the last to finish after a start or a publish: the other
        # sections are worth reading meanwhile (a report, which must be whole, still waits).
        view.notices.append(_("The tables of income source before and after are being computed right now. "
                              "Reload the page in a minute to see them."))
    view.sections.append(_months_section(scope, year))
    return view


def report_sections(scope: str, year: int, insats_names: dict | None = None) -> list[Section]:
    """A förbund's report of `year`: the page's sections at its first choices (avslut records,
    work, salary after), per insats and age band, income after and before → after, months. A
    report's Excel sheet of each table holds every rate and income source of the year (the table's
    download). Tables with no row are left out, and so are sections left without a table.

    The national report has none: it would build the breakdown tables of every förbund inside the
    report command (the 10 s target at a million responses), riket's income after is in its
    genuskompass already, and the page has riket's age bands and months."""
    if scope == NATIONAL or year not in years_of(scope):
        return []
    out = []
    for section in breakdowns(scope, "", {"year": str(year)}, insats_names).sections:
        section.tables = [t for t in section.tables if t.rows]
        if section.tables:
            section.id = f"breakdown-{section.id}"
            out.append(section)
    return out


def _income_section(scope: str, year: int, after: str) -> Section:
    """Income source after, and per income source before the share with the chosen source after.
    A full before × after × gender table would be mostly small, hidden cells; one source after at
    a time (salary and student finance are the transitions asked for first) keeps the table
    readable, and the download has every source after."""
    section = Section("income", _("Income source before and after"),
                      intro=_("First where women's and men's income came from after the intervention; then, for "
                              "each income source before it, the share with the chosen source after (for example, "
                              "of those on income support before, the share with a salary after). Avslut records "
                              "registered by staff."))
    when = periods.year_label(year)
    after_rows = tables.income_after()
    after_rows = after_rows[after_rows["forbund"].eq(scope) & after_rows["year"].eq(year)]
    section.tables.append(_by_gender("income-after", _("Income source after the intervention, %(year)s", year=when),
                                     after_rows, "income_source", AFTER, _income_label, after_rows,
                                     _("Income source after")))
    moves = tables.income_transitions()
    moves = moves[moves["forbund"].eq(scope) & moves["year"].eq(year)]
    chosen = moves[moves["income_source"].eq(after)]
    section.tables.append(_by_gender(
        "income-before", _("Share with %(after)s after, per income source before, %(year)s",
                           after=str(INCOME_LABELS[after]).lower(), year=when),
        chosen, "income_before", INCOME_CODES, _income_label, moves, _("Income source before"),
        note=_("Each row counts the records with that income source before and a known income source after.")))
    return section


def _months_section(scope: str, year: int) -> Section:
    rows = tables.months()
    rows = rows[rows["forbund"].eq(scope) & rows["year"].eq(year)]
    section = Section("months", _("Months in the intervention"),
                      intro=_("Shares of the avslut records in each band of months, never averages: an average "
                              "or a median of a small group can be one person's own figure."))
    section.tables.append(_by_gender("months", _("Months in the intervention, %(year)s", year=periods.year_label(year)),
                                     rows, "months", MONTH_BANDS, lambda b: str(MONTH_LABELS.get(b, b)), rows,
                                     _("Months")))
    return section
