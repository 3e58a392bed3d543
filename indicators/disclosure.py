"""Disclosure control (DISCLOSURE.md, version 2): the building blocks every published figure
shares — the threshold k, free-text rules, the published genders (rule 6: annat, ej_svar and
blank kön together as `ovriga`), sibling sets, and blanking hidden figures (never zero, flagged).

The decisions themselves are made by the engine in protection.py (thresholds, complementary
suppression with rule 3's preferences, riket of at least three förbund, reasons) and checked by
the attacker's linear program in audit.py. `suppress` here is that engine for plain count tables.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_K",
    "FREE_TEXT_MIN",
    "GENDER_TOTAL",
    "MIN_K",
    "OTHER_GENDER",
    "REPORT_GENDERS",
    "SUPPRESSED",
    "SiblingSet",
    "blank_suppressed",
    "check_k",
    "free_text_allowed",
    "report_gender",
    "suppress",
]

MIN_K = 5
"""No installation may show a cell resting on fewer than 5 responses."""
DEFAULT_K = 5
FREE_TEXT_MIN = 10
"""Free-text comments are shown only for groups of at least this many responses."""
SUPPRESSED = "suppressed"
"""Name of the flag column every published table carries."""

GENDER_TOTAL = "alla"
OTHER_GENDER = "ovriga"
REPORT_GENDERS = (GENDER_TOTAL, "kvinna", "man", OTHER_GENDER)
"""Gender values of published rows, in their (alphabetical) sort order."""
INPUT_GENDERS = ("kvinna", "man", "annat", "ej_svar")
"""kön codes as stored (INSTRUMENT.md); blank is allowed too."""


def check_k(k: int) -> int:
    """Return k as an int, refusing thresholds below MIN_K (DISCLOSURE_K may raise k, not lower it)."""
    if isinstance(k, bool):
        raise TypeError("k must be an integer, not a bool")
    k = operator.index(k)
    if k < MIN_K:
        raise ValueError(f"disclosure threshold k={k} is below the minimum {MIN_K}")
    return k


def free_text_allowed(
    n_responses: int, *, k: int = DEFAULT_K, national: bool = False, split: bool = False
) -> bool:
    """Rule 5: may free-text comments of a group of n_responses be shown?

    Never in national reports (`national`) and never next to a gender or age split (`split`).
    With a raised k above 10 the figure threshold wins, so comments never show for a group whose
    figures are hidden.
    """
    if national or split:
        return False
    return n_responses >= max(FREE_TEXT_MIN, check_k(k))


def report_gender(kon: pd.Series) -> pd.Categorical:
    """Rule 3: map stored kön codes to published genders (kvinna, man, ovriga).

    annat, ej_svar and blank (None, NaN or "") all become `ovriga`; any other value is an error,
    because silently folding a typo into `ovriga` would move people between published cells.
    Returns a Categorical with categories REPORT_GENDERS (so `alla` can be added by pooling).
    """
    # Map the few distinct values, not the (possibly 500k) rows.
    codes, uniques = pd.factorize(kon)
    unknown = sorted(str(u) for u in uniques if u != "" and u not in INPUT_GENDERS)
    if unknown:
        raise ValueError(f"unknown gender codes: {unknown}")
    published = [u if u in ("kvinna", "man") else OTHER_GENDER for u in uniques]
    lookup = np.array([REPORT_GENDERS.index(g) for g in (*published, OTHER_GENDER)], dtype=np.int8)
    return pd.Categorical.from_codes(lookup[codes], categories=REPORT_GENDERS)  # -1 (blank) -> last


@dataclass(frozen=True)
class SiblingSet:
    """A family of sets of cells that add up to a total.

    Rows that agree on every column in `within` form one set; the `varying` column tells them
    apart, and the row whose `varying` value equals `total` is the set's total, all others are
    its members. A set without a total row, or without members, constrains nothing (nothing
    published to subtract from).

    Examples (indicator tables):
        SiblingSet(("forbund", "year", "respondent_group", "indicator"), "gender", "alla")
        SiblingSet(("year", "respondent_group", "indicator", "gender"), "forbund", "riket")
    """

    within: tuple[str, ...]
    varying: str
    total: object

    def __post_init__(self) -> None:
        object.__setattr__(self, "within", tuple(self.within))
        if self.varying in self.within:
            raise ValueError(f"{self.varying!r} cannot be both varying and in within")


def suppress(
    df: pd.DataFrame,
    *,
    count_col: str,
    sibling_sets: Iterable[SiblingSet | tuple[Sequence[str], str, object]] = (),
    k: int = DEFAULT_K,
    national: SiblingSet | None = None,
) -> pd.DataFrame:
    """The disclosure engine (indicators/protection.py) for a table of plain counts, one count
    per row (e.g. questionnaires answered per förbund): a copy of df with a boolean `suppressed`
    and a `hidden_reason` column. `national`: the family whose totals are riket (rule 4)."""
    from .protection import HIDDEN_REASON, Kind, protect  # here: protection.py builds on this module

    keys = [c for c in df.columns if c != count_col]
    out = protect(df[[*keys, count_col]], atoms=[count_col], k=k, sibling_sets=sibling_sets,
                  national=national, kinds=[Kind(((count_col, (count_col,)),))])
    result = df.copy()
    result[SUPPRESSED] = out[SUPPRESSED].to_numpy()
    result[HIDDEN_REASON] = out[HIDDEN_REASON].to_numpy()
    return result


def blank_suppressed(df: pd.DataFrame, figure_cols: Sequence[str]) -> pd.DataFrame:
    """Rules 4 and 6: the publishable form of a suppressed table.

    Figure columns of hidden rows become empty (integer columns turn into nullable Int64 with
    <NA>, other columns get None), never 0; the flag becomes 0/1 as in the exports.
    """
    out = df.copy()
    hidden = out[SUPPRESSED].to_numpy(dtype=bool)
    for col in figure_cols:
        column = out[col]
        if pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            column = column.astype("Int64")
            column[hidden] = pd.NA
        else:
            values = column.to_numpy(dtype=object, copy=True)
            values[hidden] = None
            column = pd.Series(values, index=out.index, dtype=object)
        out[col] = column
    out[SUPPRESSED] = hidden.astype(np.int64)
    return out


# --- internals ----------------------------------------------------------------------------------


def _count_array(df: pd.DataFrame, count_col: str) -> np.ndarray:
    column = df[count_col]
    if column.isna().any():
        raise ValueError(f"{count_col} has missing values; counts must be known to be disclosed")
    counts = column.to_numpy(dtype=np.int64)
    if (counts < 0).any():
        raise ValueError(f"{count_col} has negative counts")
    return counts


class _ColumnCodes:
    """Sorted integer codes per column, computed once and shared by all sibling-set families
    (factorizing string columns is the expensive part of building the sets)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._codes: dict[str, tuple[np.ndarray, int]] = {}

    def __getitem__(self, col: str) -> tuple[np.ndarray, int]:
        if col not in self._codes:
            if col not in self.df.columns:
                raise KeyError(f"sibling set refers to a missing column {col!r}")
            codes, uniques = pd.factorize(self.df[col], sort=True)  # NaN -> -1
            self._codes[col] = (codes.astype(np.int64), len(uniques))
        return self._codes[col]

    def group_ids(self, cols: Sequence[str]) -> np.ndarray:
        """Dense ids of the distinct combinations of cols."""
        key = np.zeros(len(self.df), dtype=np.int64)
        span = 1
        for col in cols:
            codes, n = self[col]
            span *= n + 1
            if span >= 2**62:  # mixed-radix key would overflow: let pandas do it
                return self.df.groupby(list(cols), sort=False, dropna=False).ngroup().to_numpy(np.int64)
            key = key * (n + 1) + (codes + 1)
        return pd.factorize(key)[0].astype(np.int64)  # hash-based: faster than np.unique
