"""Outcome rates after an intervention, by gender (OUTCOMES.md; EXCHANGE.md `export outcomes`),
and the shares by income source after the intervention (genuskompass sub-goal 2).

Input is counted in SQL: one row per (förbund, year, source, kön, utfall) with the number of avslut
records or questionnaire responses `n`. A rate is numerator / n where n counts the records with a
known outcome (not `vet_inte`, not blank); for the share of work that is subsidised, n is the
number in work. The threshold applies to n, the number of records a figure rests on. Figures
from the two sources are never added together: `source` is part of every cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._tables import (
    NATIONAL,
    RESERVED,
    clean_keys,
    decode,
    count_columns,
    pool,
    require_columns,
    sibling_sets,
    sort_rows,
)
from .disclosure import (
    DEFAULT_K,
    GENDER_TOTAL,
    SUPPRESSED,
    blank_suppressed,
    check_k,
    report_gender,
)
from .protection import HIDDEN_REASON, LIVE_AUDIT, Kind, gender_priority, protect
from .rounding import percent_array

__all__ = [
    "ALL_RATES",
    "EXPORT_RATES",
    "INCOME_CODES",
    "INCOME_COLUMNS",
    "OUTCOME_COLUMNS",
    "RATES",
    "SOURCES",
    "UTFALL_CODES",
    "Rate",
    "income_after_table",
    "income_counts",
    "outcome_counts",
    "outcome_table",
]

SOURCES = ("avslut", "enkat")
UTFALL_CODES = (
    "arbete", "subventionerat_arbete", "studier", "arbetssokande",
    "annan_insats", "sjukskriven", "annat", "vet_inte",
)
_KNOWN_UTFALL = frozenset(UTFALL_CODES) - {"vet_inte"}
_WORK = frozenset({"arbete", "subventionerat_arbete"})


@dataclass(frozen=True)
class Rate:
    """A share: records whose category is in `numerator` out of those in `denominator`."""

    numerator: frozenset[str]
    denominator: frozenset[str]


RATES: dict[str, Rate] = {
    "work": Rate(_WORK, _KNOWN_UTFALL),
    "subsidised_work": Rate(frozenset({"subventionerat_arbete"}), _KNOWN_UTFALL),
    "studies": Rate(frozenset({"studier"}), _KNOWN_UTFALL),
    "work_or_studies": Rate(_WORK | {"studier"}, _KNOWN_UTFALL),
    "subsidised_share_of_work": Rate(frozenset({"subventionerat_arbete"}), _WORK),
    # Not in the export: genuskompass sub-goal 5 (Jämställd hälsa).
    "sick_leave": Rate(frozenset({"sjukskriven"}), _KNOWN_UTFALL),
}
EXPORT_RATES = ("work", "subsidised_work", "studies", "work_or_studies", "subsidised_share_of_work")
"""The five rate codes of EXCHANGE.md `export outcomes`, which must stay exactly these."""
ALL_RATES = (*EXPORT_RATES, "sick_leave")

OUTCOME_COLUMNS = ("forbund", "year", "source", "gender", "rate", "n", "numerator", "value", SUPPRESSED,
                   HIDDEN_REASON)

INCOME_CODES = (
    "lon", "a_kassa_aktivitetsstod", "sjukpenning_ersattning", "forsorjningsstod",
    "studiemedel", "ingen", "annan", "okand",
)
_KNOWN_INCOME = frozenset(INCOME_CODES) - {"okand"}
INCOME_COLUMNS = ("forbund", "year", "gender", "income_source", "n", "numerator", "value", SUPPRESSED,
                  HIDDEN_REASON)


def outcome_counts(
    records: pd.DataFrame, *, national: bool = True, rates: Sequence[str] = EXPORT_RATES
) -> pd.DataFrame:
    """Numerators and denominators of the outcome rates, BEFORE disclosure (not for publication).

    Columns forbund, year, source, gender, rate, n, numerator; one row per rate for every
    (förbund, year, source, gender) with at least one record, gender alla/kvinna/man/ovriga.
    """
    return decode(_outcome_rows(records, national, rates))


def _outcome_rows(records: pd.DataFrame, national: bool, rates: Sequence[str]) -> pd.DataFrame:
    _check_rates(records, rates)
    return _share_counts(
        records, ["forbund", "year", "source"], "utfall", UTFALL_CODES,
        {r: RATES[r] for r in rates}, "rate", national,
    )


def _check_rates(records: pd.DataFrame, rates: Sequence[str]) -> None:
    unknown = [r for r in rates if r not in RATES]
    if unknown or not rates:
        raise ValueError(f"unknown or no rate codes {list(unknown)}; known: {list(RATES)}")
    require_columns(records, ["source"], "records")
    bad = ~records["source"].isin(SOURCES)
    if bad.any():
        raise ValueError(f"unknown sources {sorted(map(str, records['source'][bad].unique()))}")


def outcome_table(
    records: pd.DataFrame,
    k: int = DEFAULT_K,
    national: bool = True,
    *,
    rates: Sequence[str] = EXPORT_RATES,
) -> pd.DataFrame:
    """The published outcome table (EXCHANGE.md `export outcomes`), disclosure applied.

    records: columns forbund, year, source (avslut/enkat), gender (kvinna, man, annat, ej_svar or
        blank), utfall (an OUTCOMES.md code or blank), n (records in that cell).
    rates: which rates to produce; the default is exactly the five export codes. Pass ALL_RATES
        (or add "sick_leave") for the genuskompass; a rate's rows never change the others'.

    Returns OUTCOME_COLUMNS: n is the denominator (records with a known outcome; the number in
    work for subsidised_share_of_work) and the count the threshold applies to; n, numerator
    (Int64) and value (Decimal, one decimal, half up) are empty where suppressed == 1. Gender rows
    are complementary-suppressed under `alla` and förbund under `riket`. Sorted by forbund
    (`riket` last), year, source, rate (alphabetical), gender (alla, kvinna, man, ovriga).
    """
    k = check_k(k)
    _check_rates(records, rates)
    return _publish(records, ["forbund", "year", "source"], "utfall", UTFALL_CODES,
                    {r: RATES[r] for r in rates}, "rate", national, OUTCOME_COLUMNS, k)


def income_counts(
    records: pd.DataFrame, *, national: bool = True, column: str = "forsorjning_efter"
) -> pd.DataFrame:
    """Shares by income source, BEFORE disclosure (not for publication); see income_after_table."""
    return decode(_income_rows(records, national, column))


_INCOME_RATES = {code: Rate(frozenset({code}), _KNOWN_INCOME) for code in INCOME_CODES if code != "okand"}


def _income_rows(records: pd.DataFrame, national: bool, column: str) -> pd.DataFrame:
    return _share_counts(
        records.rename(columns={column: "_income"}), ["forbund", "year"], "_income", INCOME_CODES,
        _INCOME_RATES, "income_source", national,
    )


def income_after_table(
    records: pd.DataFrame,
    k: int = DEFAULT_K,
    national: bool = True,
    *,
    column: str = "forsorjning_efter",
) -> pd.DataFrame:
    """Share of avslut records by income source after the intervention, by gender (sub-goal 2).

    records: columns forbund, year, gender, forsorjning_efter (an OUTCOMES.md income code or
        blank), n. `column` may name forsorjning_fore instead, for the before picture.

    Returns INCOME_COLUMNS, one row per known income source (all codes but `okand`): n is the
    number of records with a known income source (neither `okand` nor blank, just as `vet_inte`
    is left out of the outcome rates), numerator those with this source. Disclosure as in
    outcome_table.
    """
    k = check_k(k)
    return _publish(records.rename(columns={column: "_income"}), ["forbund", "year"], "_income", INCOME_CODES,
                    _INCOME_RATES, "income_source", national, INCOME_COLUMNS, k)


# --- internals ----------------------------------------------------------------------------------


RATE_PRIORITY = {"subsidised_share_of_work": 0, "subsidised_work": 1, "sick_leave": 2, "studies": 3,
                 "work_or_studies": 4, "work": 5}
"""Which rate of a cell gives way first when one must be hidden to protect another figure: the
share of work that is subsidised rests on the fewest records, the headline work rate is kept
longest."""


def _share_cells(records: pd.DataFrame, keys: list[str], category: str, codes: Sequence[str],
                 national: bool) -> tuple[pd.DataFrame, list[str], list[str]]:
    """One row per published cell (keys, gender) with one count column per category: every
    rate is then a sum of a few columns. Returns (cells, cell keys, category columns)."""
    require_columns(records, [*keys, "gender", category, "n"], "records")
    frame = pd.concat(
        [
            clean_keys(records, [k for k in keys if k != "year"], ["year"], RESERVED),
            count_columns(records, ["n"]),
        ],
        axis=1,
    )
    values = records[category]
    blank = values.isna() | values.eq("")
    unknown = ~blank & ~values.isin(codes)
    if unknown.any():
        raise ValueError(f"unknown {category.strip('_')} codes {sorted(map(str, values[unknown].unique()))}")
    frame["category"] = values.astype(object).where(~blank, "")  # blank: counted in no rate
    frame["gender"] = report_gender(records["gender"])

    cell_keys = [*keys, "gender"]
    wide = frame.pivot_table(index=cell_keys, columns="category", values="n", aggfunc="sum",
                             fill_value=0, observed=True).reset_index()
    wide.columns.name = None
    for code in codes:  # every category a column, so that every rate can be summed
        if code not in wide.columns:
            wide[code] = 0
    categories = [c for c in wide.columns if c not in cell_keys]
    wide = pd.concat([wide, pool(wide, cell_keys, "gender", GENDER_TOTAL, categories)], ignore_index=True)
    if national:
        wide = pd.concat([wide, pool(wide, cell_keys, "forbund", NATIONAL, categories)], ignore_index=True)
    return wide, cell_keys, [c for c in codes if c in categories]


def _kinds(rates: Mapping[str, Rate]) -> list[Kind]:
    """Each rate a kind of row of the cell: n = its denominator's categories, numerator = its
    numerator's, so the audit knows which rates share which records."""
    return [Kind((("n", tuple(sorted(rate.denominator))), ("numerator", tuple(sorted(rate.numerator)))),
                 name=code, floor=0, priority=RATE_PRIORITY.get(code, 3), zero_is_known=True)
            for code, rate in rates.items()]


def _share_counts(records, keys, category, codes, rates, rate_col, national) -> pd.DataFrame:
    """The rows of every rate before disclosure: cell keys, rate_col, n, numerator."""
    wide, cell_keys, _categories = _share_cells(records, keys, category, codes, national)
    parts = []
    for kind in _kinds(rates):
        part = wide[cell_keys].copy()
        part[rate_col] = kind.name
        for column, summed in kind.figures:
            part[column] = wide[list(summed)].sum(axis=1).to_numpy(dtype=np.int64)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[[*cell_keys, rate_col, "n", "numerator"]]


def _publish(records, keys, category, codes, rates, rate_col, national, columns, k) -> pd.DataFrame:
    """Disclosure, value, blanking and sort order shared by the outcome-style tables: one engine
    call over the cells, every rate a kind of row, so that a hidden rate cannot be worked out
    from the shown rates of its cell (e.g. the share of work that is subsidised from the work
    and subsidised-work numerators)."""
    wide, cell_keys, categories = _share_cells(records, keys, category, codes, national)
    sets = sibling_sets(cell_keys, {"gender": GENDER_TOTAL, "forbund": NATIONAL})
    national_set = next(s for s in sets if s.varying == "forbund")
    # Riket's rows before a förbund's, as in the indicator table (protection.protect_indicator_cells).
    level = np.where(wide["forbund"].astype(str).to_numpy() == NATIONAL, 0, 1)
    rows = protect(wide[[*cell_keys, *categories]], atoms=categories, kinds=_kinds(rates), kind_col=rate_col,
                   sibling_sets=sets, national=national_set if national else None,
                   block=[c for c in keys if c != "forbund"],
                   priority=gender_priority(wide["gender"], level), k=k, audit=LIVE_AUDIT,
                   pair=("gender", "kvinna", "man"))
    rows["value"] = percent_array(rows["numerator"].to_numpy(), rows["n"].to_numpy())
    rows = blank_suppressed(rows, ["n", "numerator", "value"])
    rows[rate_col] = rows[rate_col].astype(str)
    return decode(sort_rows(rows, [*keys, rate_col, "gender"])[list(columns)])
