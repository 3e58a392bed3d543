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
    suppress,
)
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

OUTCOME_COLUMNS = ("forbund", "year", "source", "gender", "rate", "n", "numerator", "value", SUPPRESSED)

INCOME_CODES = (
    "lon", "a_kassa_aktivitetsstod", "sjukpenning_ersattning", "forsorjningsstod",
    "studiemedel", "ingen", "annan", "okand",
)
_KNOWN_INCOME = frozenset(INCOME_CODES) - {"okand"}
INCOME_COLUMNS = ("forbund", "year", "gender", "income_source", "n", "numerator", "value", SUPPRESSED)


def outcome_counts(
    records: pd.DataFrame, *, national: bool = True, rates: Sequence[str] = EXPORT_RATES
) -> pd.DataFrame:
    """Numerators and denominators of the outcome rates, BEFORE disclosure (not for publication).

    Columns forbund, year, source, gender, rate, n, numerator; one row per rate for every
    (förbund, year, source, gender) with at least one record, gender alla/kvinna/man/ovriga.
    """
    return decode(_outcome_rows(records, national, rates))


def _outcome_rows(records: pd.DataFrame, national: bool, rates: Sequence[str]) -> pd.DataFrame:
    unknown = [r for r in rates if r not in RATES]
    if unknown or not rates:
        raise ValueError(f"unknown or no rate codes {list(unknown)}; known: {list(RATES)}")
    require_columns(records, ["source"], "records")
    bad = ~records["source"].isin(SOURCES)
    if bad.any():
        raise ValueError(f"unknown sources {sorted(map(str, records['source'][bad].unique()))}")
    return _share_counts(
        records, ["forbund", "year", "source"], "utfall", UTFALL_CODES,
        {r: RATES[r] for r in rates}, "rate", national,
    )


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
    rows = _outcome_rows(records, national, rates)
    return _publish(rows, ["forbund", "year", "source", "rate", "gender"], OUTCOME_COLUMNS, k)


def income_counts(
    records: pd.DataFrame, *, national: bool = True, column: str = "forsorjning_efter"
) -> pd.DataFrame:
    """Shares by income source, BEFORE disclosure (not for publication); see income_after_table."""
    return decode(_income_rows(records, national, column))


def _income_rows(records: pd.DataFrame, national: bool, column: str) -> pd.DataFrame:
    rates = {code: Rate(frozenset({code}), _KNOWN_INCOME) for code in INCOME_CODES if code != "okand"}
    return _share_counts(
        records.rename(columns={column: "_income"}), ["forbund", "year"], "_income", INCOME_CODES,
        rates, "income_source", national,
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
    rows = _income_rows(records, national, column)
    return _publish(rows, ["forbund", "year", "income_source", "gender"], INCOME_COLUMNS, k)


# --- internals ----------------------------------------------------------------------------------


def _share_counts(
    records: pd.DataFrame,
    keys: list[str],
    category: str,
    codes: Sequence[str],
    rates: Mapping[str, Rate],
    rate_col: str,
    national: bool,
) -> pd.DataFrame:
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

    # One column per category: every rate is then a sum of a few columns.
    cell_keys = [*keys, "gender"]
    wide = frame.pivot_table(index=cell_keys, columns="category", values="n", aggfunc="sum",
                             fill_value=0, observed=True).reset_index()
    wide.columns.name = None
    categories = [c for c in wide.columns if c not in cell_keys]
    wide = pd.concat([wide, pool(wide, cell_keys, "gender", GENDER_TOTAL, categories)], ignore_index=True)
    if national:
        wide = pd.concat([wide, pool(wide, cell_keys, "forbund", NATIONAL, categories)], ignore_index=True)

    def total(selected: frozenset[str]) -> np.ndarray:
        cols = [c for c in categories if c in selected]
        return wide[cols].sum(axis=1).to_numpy(dtype=np.int64) if cols else np.zeros(len(wide), np.int64)

    parts = []
    for code, rate in rates.items():
        part = wide[cell_keys].copy()
        part[rate_col] = code
        part["n"] = total(rate.denominator)
        part["numerator"] = total(rate.numerator)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[[*cell_keys, rate_col, "n", "numerator"]]


def _publish(rows: pd.DataFrame, keys: list[str], columns: Sequence[str], k: int) -> pd.DataFrame:
    """Disclosure, value, blanking and sort order shared by the outcome-style tables."""
    sets = sibling_sets(keys, {"gender": GENDER_TOTAL, "forbund": NATIONAL})
    rows = suppress(rows, count_col="n", sibling_sets=sets, k=k)
    rows["value"] = percent_array(rows["numerator"].to_numpy(), rows["n"].to_numpy())
    rows = blank_suppressed(rows, ["n", "numerator", "value"])
    return decode(sort_rows(rows, keys)[list(columns)])
