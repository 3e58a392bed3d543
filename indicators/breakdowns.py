"""Breakdowns of the avslut records by gender (issue 11 point 2): outcome rates per insats and per
age band, where people's income came from after the intervention by their income source before
it, and months in the intervention in bands.

The attacker sees every published table at once (DISCLOSURE.md): the insatser of a förbund add
up to the förbund, its age bands too, and the förbund's row of a breakdown is the row the
outcome table (or the income-after table) has already published. A breakdown protected on its
own could show an insats whose subtraction from the published total gives away a hidden one, or
pin a total that the outcome table hides. So each breakdown is ONE call of the engine
(protection.protect) over its rows *and* the total rows, with the totals locked to the hidden /
shown pattern the published table gave them: the engine audits the union and hides only rows of
the breakdown. Insatser and age bands are in the same call (they share the same totals).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._tables import INSATS_TOTAL, NATIONAL, NO_INSATS, decode, sort_rows
from .disclosure import DEFAULT_K, GENDER_TOTAL, SUPPRESSED, SiblingSet, blank_suppressed, check_k
from .outcomes import (
    ALL_RATES,
    INCOME_CODES,
    RATES,
    UTFALL_CODES,
    Rate,
    _INCOME_RATES,
    _check_rates,
    _kinds,
    _publish,
    _share_cells,
)
from .protection import HIDDEN_REASON, LIVE_AUDIT, gender_priority, protect
from .rounding import percent_array

__all__ = [
    "AGE_BANDS",
    "AGE_BAND_OF",
    "AGE_TOTAL",
    "BREAKDOWN_COLUMNS",
    "MONTH_BANDS",
    "MONTHS_COLUMNS",
    "PENDING",
    "TRANSITION_COLUMNS",
    "month_band",
    "months_table",
    "outcome_breakdown_table",
    "transition_table",
]

AGE_BANDS = ("16-29", "30-49", "50+", "ej_svar")
"""The published age bands: the instrument's codes merged in threes and twos. With its eight codes
by four genders, 85 % of a demo förbund's age rows were under k or hidden to protect them (the
groups are that small); 16-29 is also the group förbund follow as "unga"."""
AGE_BAND_OF = {  # INSTRUMENT.md `alder` codes (avslut records use the same); blank counts as ej_svar
    "16-19": "16-29", "20-24": "16-29", "25-29": "16-29",
    "30-39": "30-49", "40-49": "30-49",
    "50-64": "50+", "65+": "50+",
    "ej_svar": "ej_svar",
}
AGE_TOTAL = "alla"
PENDING = "~"
"""insats / age band / income-before code of records that could not yet be broken down (their
release is waiting for a step, survey/figures/releases.py): one member of its own, so that the
members still add up to the published total."""
MONTH_BANDS = ("0-3", "4-6", "7-12", "13-24", "25+")
"""Months in the intervention in bands: shares of records, never means or medians (a median of
a small group is one person's value)."""

BREAKDOWN_COLUMNS = ("forbund", "year", "source", "insats", "alder", "gender", "rate", "n", "numerator",
                     "value", SUPPRESSED, HIDDEN_REASON)
TRANSITION_COLUMNS = ("forbund", "year", "income_before", "gender", "income_source", "n", "numerator", "value",
                      SUPPRESSED, HIDDEN_REASON)
MONTHS_COLUMNS = ("forbund", "year", "gender", "months", "n", "numerator", "value", SUPPRESSED, HIDDEN_REASON)


def month_band(months) -> str | None:
    """The band of a whole number of months (None for unknown)."""
    if months is None or (isinstance(months, float) and np.isnan(months)) or months is pd.NA:
        return None
    m = int(months)
    for band, top in zip(MONTH_BANDS, (3, 6, 12, 24)):
        if m <= top:
            return band
    return MONTH_BANDS[-1]


def outcome_breakdown_table(records: pd.DataFrame, published: pd.DataFrame, k: int = DEFAULT_K, *,
                            rates: Sequence[str] = ALL_RATES, by: Sequence[str] = ("insats", "alder"),
                            age_rows: str = "forbund") -> pd.DataFrame:
    """Outcome rates per insats (förbund only) and per age band (AGE_BANDS), by gender.

    records: columns forbund, insats (code, None/"" for records without one), alder (an
        instrument code, blank or PENDING), year, source, gender, utfall, n; their sums over
        insats and alder must be the counts `published` was made from.
    published: the outcome table (outcomes.outcome_table with national=True and these `rates`),
        whose rows are the totals of the breakdown: their pattern is kept, and protected.

    by: the breakdowns made: "insats", "alder" or both. Both are audited together, in two engine
        calls: first the insatser with the totals locked, then the age bands with the totals AND
        the insatser locked to the pattern the first call gave them. One call repairing both at
        once took hundreds of rounds per block; the second call's audit still covers the union
        (an age band and an insats share their totals: bounds on a hidden total from one
        partition can narrow the other's), and hiding age rows alone can always restore what the
        first call made safe, so it hides only age rows.
    age_rows: "forbund" publishes the förbund's age bands, "riket" riket's only (the förbund's
        are then in the audit as secret rows the attacker does not see, riket being their sum),
        "all" both (survey/figures/tables.py), as _forbund_then_riket: repairing riket's rows
        together with every förbund's took 38 s for a year of the demo against 12 s for the
        förbund's alone.

    Returns BREAKDOWN_COLUMNS: rows of one insats have alder `alla`, rows of one age band insats
    `alla`; the totals themselves are left out (they are the outcome table's rows).
    """
    k = check_k(k)
    _check_rates(records, rates)
    records = records.copy()
    records["insats"] = _blank_to(records["insats"], NO_INSATS)
    records["alder"] = _blank_to(records["alder"], "ej_svar")
    bad = ~records["alder"].isin([*AGE_BAND_OF, PENDING])
    if bad.any():
        raise ValueError(f"unknown age codes {sorted(map(str, records['alder'][bad].unique()))}")
    records["alder"] = records["alder"].map(lambda code: AGE_BAND_OF.get(code, code))
    keys = ["forbund", "year", "source"]
    levels = [([*keys], True, {"insats": INSATS_TOTAL, "alder": AGE_TOTAL}),
              ([*keys, "insats"], False, {"alder": AGE_TOTAL})]
    if "alder" in by:
        if age_rows not in ("forbund", "riket", "all"):
            raise ValueError(f"age_rows is 'forbund', 'riket' or 'all', not {age_rows!r}")
        levels.append(([*keys, "alder"], age_rows != "forbund", {"insats": INSATS_TOTAL}))
    cells = _cells(records, levels, "utfall", UTFALL_CODES)
    cell_keys = ["forbund", "year", "source", "insats", "alder", "gender"]
    totals = (cells["insats"].eq(INSATS_TOTAL) & cells["alder"].eq(AGE_TOTAL)).to_numpy()
    per_insats = cells["insats"].ne(INSATS_TOTAL).to_numpy()
    per_age = ~totals & ~per_insats
    national = cells["forbund"].to_numpy() == NATIONAL
    level = np.where(per_insats, 0, np.where(totals, 3, np.where(national, 1, 2)))
    common = dict(cell_keys=cell_keys, rates={r: RATES[r] for r in rates}, rate_col="rate", k=k,
                  dims={"insats": INSATS_TOTAL, "alder": AGE_TOTAL}, block=["year", "source"],
                  columns=BREAKDOWN_COLUMNS)
    totals_given = (published, ["forbund", "year", "source", "gender", "rate"])
    first = ~per_age
    insatser = _protect_breakdown(cells[first], given=[(totals[first], *totals_given)], keep=per_insats[first],
                                  level=level[first], weight=np.ones(first.sum(), np.int64), **common)
    if "alder" not in by:
        return insatser
    given = [(totals, *totals_given), (per_insats, insatser, [*cell_keys, "rate"])]
    # Weight 0: the engine does not try the age bands' hidden comparisons again after its repair
    # (the trials tripled the demo's time, 90 s instead of 30, to keep 5 % more of them).
    age_weight = np.where(per_age, 0, 1)
    forbund_ages, riket_ages = per_age & ~national, per_age & national

    def protect_ages(extra, keep, weight=age_weight, **marks):
        return _protect_breakdown(cells, given=[*given, *extra], keep=keep, level=level, weight=weight,
                                  **marks, **common)
    if age_rows == "riket":
        ages = protect_ages([(forbund_ages, None, None)], riket_ages)
    elif age_rows == "forbund":
        ages = protect_ages([], forbund_ages)
    else:
        ages = _forbund_then_riket(protect_ages, forbund_ages, riket_ages, [*cell_keys, "rate"],
                                   (age_weight, age_weight))
    parts = [insatser, ages] if "insats" in by else [ages]
    return sort_rows(pd.concat(parts, ignore_index=True), [*cell_keys, "rate"]).reset_index(drop=True)


def transition_table(records: pd.DataFrame, published: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
    """Where people's income came from after the intervention, per income source before it, by
    gender: for the records with source X before, the share with each known source after (e.g.
    of those on försörjningsstöd before, the share with lön after).

    records: columns forbund, year, gender, forsorjning_fore, forsorjning_efter, n; their sums over
        forsorjning_fore must be the counts `published` (outcomes.income_after_table, national)
        was made from. Its rows are the totals (income_before `alla`): locked and protected.

    Returns TRANSITION_COLUMNS for the income sources before (INCOME_CODES, blank as okand), per
    förbund and riket; n is the number with that source before and a known source after. Two
    engine calls (_forbund_then_riket), as riket's age bands: one joint call took minutes per
    year on the demo.
    """
    k = check_k(k)
    records = records.rename(columns={"forsorjning_fore": "income_before", "forsorjning_efter": "_income"}).copy()
    records["income_before"] = _blank_to(records["income_before"], "okand")
    bad = ~records["income_before"].isin([*INCOME_CODES, PENDING])
    if bad.any():
        raise ValueError(f"unknown income codes {sorted(map(str, records['income_before'][bad].unique()))}")
    levels = [(["forbund", "year"], True, {"income_before": GENDER_TOTAL}),
              (["forbund", "year", "income_before"], True, {})]
    cells = _cells(records, levels, "_income", INCOME_CODES)
    cell_keys = ["forbund", "year", "income_before", "gender"]
    totals = cells["income_before"].eq(GENDER_TOTAL).to_numpy()
    national = cells["forbund"].to_numpy() == NATIONAL
    forbund_rows, riket_rows = ~totals & ~national, ~totals & national
    level = np.where(totals, 3, np.where(national, 1, 2))
    totals_given = (totals, published, ["forbund", "year", "gender", "income_source"])

    def protect_rows(extra, keep, weight, **marks):
        return _protect_breakdown(cells, cell_keys=cell_keys, rates=_INCOME_RATES, rate_col="income_source",
                                  given=[totals_given, *extra], keep=keep, level=level, k=k,
                                  dims={"income_before": GENDER_TOTAL}, block=["year"], columns=TRANSITION_COLUMNS,
                                  weight=weight, **marks)
    # Weight 0 for riket's comparisons: retrying riket's hidden ones took 265 s for the demo's
    # years against 82 s.
    rows = _forbund_then_riket(protect_rows, forbund_rows, riket_rows, [*cell_keys, "income_source"],
                               (np.where(totals, 1, 2), np.where(riket_rows, 0, 1)))
    return sort_rows(rows, [*cell_keys, "income_source"]).reset_index(drop=True)


def months_table(records: pd.DataFrame, k: int = DEFAULT_K, national: bool = True) -> pd.DataFrame:
    """Share of avslut records per band of months in the intervention, by gender, per förbund and
    riket. records: columns forbund, year, gender, manader (whole months or blank), n. n is the
    number of records with known months; numerator those in the band. No other published table
    holds these records' months, so it is protected on its own (as income_after_table)."""
    k = check_k(k)
    records = records.copy()
    records["_band"] = [month_band(m) for m in records["manader"]]
    records["_band"] = records["_band"].astype(object).where(records["_band"].notna(), "")
    rates = {band: Rate(frozenset({band}), frozenset(MONTH_BANDS)) for band in MONTH_BANDS}
    return _publish(records.drop(columns=["manader"]), ["forbund", "year"], "_band", MONTH_BANDS, rates, "months",
                    national, MONTHS_COLUMNS, k)


# --- internals ----------------------------------------------------------------------------------


def _forbund_then_riket(protect_rows, forbund_rows, riket_rows, keys, weights) -> pd.DataFrame:
    """The förbund's rows and riket's of a breakdown, in two engine calls: riket ties every
    förbund of a year into one block, and repairing riket's few rows with the förbund's locked
    is cheaper than repairing all of them at once.

    First the förbund's rows, riket's in the audit unseen (protect's `unseen`): their reasons
    (`few`, `protects`) are published whatever the second call does, so the förbund's pattern
    must hold against them, and their figures are protected unless the förbund's rows give a
    riket row away whole. Then riket's rows with the förbund's locked to that pattern; the riket
    rows given away whole are shown (`show_worked_out`), the others repaired as any row.

    protect_rows(extra given, keep, weight, **marks) is the breakdown's engine call; keys are
    the columns a published row is found by; weights the pair weights of the two calls."""
    first, second = weights
    forbund = protect_rows([(riket_rows, None, None)], forbund_rows, first, unseen=riket_rows)
    riket = protect_rows([(forbund_rows, forbund, keys)], riket_rows, second, show_worked_out=riket_rows)
    return pd.concat([forbund, riket], ignore_index=True)


def _blank_to(values: pd.Series, code: str) -> pd.Series:
    out = values.astype(object)
    return out.where(out.notna() & out.ne(""), code)


def _cells(records: pd.DataFrame, levels, category: str, codes: Sequence[str]) -> pd.DataFrame:
    """The cells of every level (keys, national?, constant keys), as plain strings, one count
    column per category (the same columns at every level, so that members add up to totals)."""
    parts = []
    for keys, national, constant in levels:
        wide, _cell_keys, _cats = _share_cells(records, keys, category, codes, national)
        wide = decode(wide)
        for column, value in constant.items():
            wide[column] = value
        parts.append(wide)
    cells = pd.concat(parts, ignore_index=True)
    atoms = [c for c in cells.columns if c not in _key_columns(cells, codes)]
    cells[atoms] = cells[atoms].fillna(0).astype(np.int64)
    return cells


def _key_columns(cells: pd.DataFrame, codes) -> list[str]:
    return [c for c in cells.columns if c not in codes and c != ""]


def _protect_breakdown(cells, *, cell_keys, rates, rate_col, given, keep, level, k, dims, block, columns,
                       weight, unseen=None, show_worked_out=None) -> pd.DataFrame:
    """One engine call over the breakdown's cells and the rows already published: `given` lists
    (mask of cells, published table, its key columns); those rows are locked to that table's
    pattern (table None: rows never published, locked hidden). Returns the rows of `keep`. weight: what a kvinna-man comparison is worth (the
    engine tries again, after its greedy repair, only those of the highest weight: each trial
    audits the block again, so an insats's comparisons, the many and small ones, are not
    retried; the totals' comparisons are the published table's already)."""
    atoms = [c for c in cells.columns if c not in cell_keys]
    kinds = _kinds(rates)
    cells = cells[[*cell_keys, *atoms]].reset_index(drop=True)
    locked = np.zeros(len(cells), bool)
    locked_hidden = np.zeros((len(kinds), len(cells)), bool)
    for mask, table, keys in given:
        locked |= mask
        locked_hidden |= mask[None, :] if table is None else _locked_pattern(cells, kinds, rate_col, table, keys, mask)
    sets = [SiblingSet(tuple(c for c in cell_keys if c != "gender"), "gender", GENDER_TOTAL),
            SiblingSet(tuple(c for c in cell_keys if c != "forbund"), "forbund", NATIONAL)]
    sets += [SiblingSet(tuple(c for c in cell_keys if c != dim), dim, total) for dim, total in dims.items()]
    rows = protect(cells, atoms=atoms, kinds=kinds, kind_col=rate_col, sibling_sets=sets, national=sets[1],
                   block=block, priority=gender_priority(cells["gender"], level), k=k, audit=LIVE_AUDIT,
                   pair=("gender", "kvinna", "man"), pair_weight=weight, locked=locked,
                   locked_hidden=locked_hidden, unseen=unseen, show_worked_out=show_worked_out)
    rows = rows[np.tile(np.asarray(keep, bool), len(kinds))].reset_index(drop=True)
    rows["value"] = percent_array(rows["numerator"].to_numpy(), rows["n"].to_numpy())
    rows = blank_suppressed(rows, ["n", "numerator", "value"])
    rows[rate_col] = rows[rate_col].astype(str)
    sort_keys = [c for c in columns if c not in ("n", "numerator", "value", SUPPRESSED, HIDDEN_REASON)]
    return sort_rows(rows, sort_keys)[list(columns)].reset_index(drop=True)


def _locked_pattern(cells, kinds, rate_col, published, published_keys, totals) -> np.ndarray:
    """(kinds, cells): hidden in the published table, for the total cells. The published table must
    be the one made from the same counts: a shown total that disagrees with these counts is an
    error (a breakdown of other counts than its total's could be differenced against it)."""
    out = np.zeros((len(kinds), len(cells)), bool)
    where = np.flatnonzero(totals)
    if not len(where):
        return out
    cell_cols = [c for c in published_keys if c != rate_col]
    mine = cells.iloc[where][cell_cols].astype(str).reset_index(drop=True)
    pub = published[[*published_keys, SUPPRESSED, "n"]].copy()
    for c in published_keys:
        pub[c] = pub[c].astype(str)
    for i, kind in enumerate(kinds):
        found = mine.merge(pub[pub[rate_col].eq(str(kind.name))], on=cell_cols, how="left", validate="one_to_one")
        if found[SUPPRESSED].isna().any():
            missing = found.loc[found[SUPPRESSED].isna(), cell_cols].head(3).to_dict("records")
            raise ValueError(f"the published table has no {kind.name} row for the totals {missing}")
        hidden = found[SUPPRESSED].astype(int).to_numpy() == 1
        expected = cells.iloc[where][list(kind.figures[0][1])].sum(axis=1).to_numpy()
        shown_n = pd.to_numeric(found["n"], errors="coerce").to_numpy()
        if ((~hidden) & (shown_n != expected)).any():
            raise ValueError("the breakdown's counts do not add up to the published totals")
        out[i, where] = hidden
    return out
