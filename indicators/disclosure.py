"""Disclosure control (DISCLOSURE.md): the one place where every figure's visibility is decided.

Rule 1 (threshold): a cell resting on fewer than k responses/records is hidden.
Rule 2 (complementary suppression): sibling cells that add up to a published total form a set.
    If a set has exactly one hidden cell, that cell can be derived by subtraction (or, for a
    hidden total, by addition), so the smallest remaining shown member is hidden too. A cell can
    sit in several sets (gender siblings, förbund under `riket`, insatser under a förbund), so the
    sets are re-checked until none changes.
Rule 3 (small gender categories): annat, ej_svar and blank kön are reported together as `ovriga`.
Rule 4 (hidden, not zero): hidden figures are blanked, never zeroed, and flagged.
Rule 5 (free text): only for groups of at least 10 responses, never nationally, never next to a
    gender or age split.
Rule 6 (counts too): the counts of a hidden cell are blanked along with its percentage.

On rule 2, one deliberate reading, for the lead to confirm: the text says "unless the total itself
is hidden". A total that was hidden by *another* set (e.g. a förbund's `alla` cell hidden to
protect a neighbour under `riket`) is still the sum of its members, so if all its members were
shown it could be re-added and the neighbour recovered. We therefore count the total as a cell of
its set: a set may never hold exactly one hidden cell. When the lone hidden cell is the total, the
smallest shown member is hidden; when it is a member and no member is left to hide, the total is
hidden. Whenever the total is hidden by rule 1 its members are too (they are smaller), so this
only ever adds protection in cascades; it never shows anything the plain rule would hide.
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
) -> pd.DataFrame:
    """Apply rules 1 and 2; return a copy of df with a boolean `suppressed` column.

    df:           one row per cell; the rows must include every total a set refers to.
    count_col:    the number of responses (or records) a cell rests on; rule 1 hides count < k.
    sibling_sets: SiblingSet objects, or (within, varying, total) tuples.
    k:            the threshold, at least MIN_K.

    Rule 2 is iterated to a fixed point: whenever a set holds exactly one hidden cell, its
    smallest shown member is hidden as well (smallest by count; ties go to the lowest `varying`
    value, so the result is deterministic); if no member is left to hide, its total is hidden.
    Everything is vectorised: each pass is a handful of numpy operations per set family.
    """
    k = check_k(k)
    counts = _count_array(df, count_col)
    hidden = counts < k
    codes = _ColumnCodes(df)
    families = [_Family.build(codes, s if isinstance(s, SiblingSet) else SiblingSet(*s), counts)
                for s in sibling_sets]
    changed = True
    while changed:
        changed = False
        for family in families:
            changed |= family.protect(hidden)
    out = df.copy()
    out[SUPPRESSED] = hidden
    return out


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


@dataclass
class _Family:
    """Precomputed index of one SiblingSet family, so each fixed-point pass is pure numpy."""

    set_id: np.ndarray          # set of every row
    n_sets: int
    members: np.ndarray         # rows that are members (not totals)
    counts: np.ndarray          # count of every row
    tie_codes: np.ndarray       # sorted code of every row's varying value (tie-break)
    has_total: np.ndarray       # per set: a total row exists
    has_members: np.ndarray     # per set: at least one member row exists
    total_row: np.ndarray       # per set: index of its total row, -1 if none

    @classmethod
    def build(cls, codes: _ColumnCodes, spec: SiblingSet, counts: np.ndarray) -> _Family:
        tie_codes, n_values = codes[spec.varying]
        set_id = codes.group_ids(spec.within)
        n_sets = int(set_id.max()) + 1 if len(set_id) else 0
        is_total = codes.df[spec.varying].eq(spec.total).to_numpy(dtype=bool, na_value=False)
        # Each (set, varying value) must be one cell, or "exactly one hidden" is meaningless.
        cell = set_id * (n_values + 1) + (tie_codes + 1)
        if len(pd.unique(cell)) != len(cell):
            raise ValueError(f"duplicate cells for sibling set {spec}")
        total_row = np.full(n_sets, -1, dtype=np.int64)
        total_row[set_id[is_total]] = np.flatnonzero(is_total)
        members = np.flatnonzero(~is_total)
        return cls(
            set_id=set_id,
            n_sets=n_sets,
            members=members,
            counts=counts,
            tie_codes=tie_codes,
            has_total=total_row >= 0,
            has_members=np.bincount(set_id[members], minlength=n_sets) > 0,
            total_row=total_row,
        )

    def protect(self, hidden: np.ndarray) -> bool:
        """One pass over all sets of the family; updates `hidden` in place, True if it changed."""
        hidden_per_set = np.bincount(self.set_id, weights=hidden, minlength=self.n_sets)
        exposed = (hidden_per_set == 1) & self.has_total & self.has_members
        if not exposed.any():
            return False
        members = self.members
        candidates = members[~hidden[members] & exposed[self.set_id[members]]]
        # Few sets are exposed at a time, so sort only their shown members: by set, then count,
        # then varying value; the first candidate of each set is the one to hide.
        sets = self.set_id[candidates]
        candidates = candidates[np.lexsort((self.tie_codes[candidates], self.counts[candidates], sets))]
        sets_hit, first = np.unique(self.set_id[candidates], return_index=True)
        hidden[candidates[first]] = True
        # No shown member left to hide: the total would reveal the hidden member, so hide it.
        exposed[sets_hit] = False
        hidden[self.total_row[exposed]] = True
        return True
